/**
 * The Inventory Visibility client (DOMAIN.md §6) the review service posts with: endpoint, token provider and fetch come
 * from outside, so the same code runs against IV and the sandbox's emulator. IV's response body is undocumented: the
 * raw text is always kept, and a 2xx whose body reports a failure is a failure. Only a 429 or a 401 is sent again
 * here: after a 5xx or no answer IV may or may not have kept the lines, and only the caller, who can look in IV's
 * tables first (job/iv/ledger.ts), may decide to send them again.
 */
import { adjustmentBulkResponseSchema, type AdjustmentLine } from '../../core/iv.js';
import type { IvTokenProvider } from '../../core/iv-tokens.js';

export interface IvClientOptions {
  endpoint: string;
  environmentId: string;
  tokens: IvTokenProvider;
  fetch?: typeof fetch;
  /** Attempts of a call IV refused with 429 (it did nothing), honouring Retry-After. */
  maxThrottledAttempts?: number;
  timeoutMs?: number;
  backoffBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  createWithIVSync?: boolean;
}

export interface LineOutcome { ok: boolean; message: string }

export interface PostOutcome {
  ok: boolean;
  /** Per line id, when the body said; a failed call leaves every line without an outcome. */
  lines: Map<string, LineOutcome>;
  /** Every response received, raw, for the posting batch's log. */
  responses: string[];
  error: string | undefined;
  /** The call failed in a way that may have kept some lines (5xx, no answer): look before sending again. */
  uncertain: boolean;
  /** How long IV asked to wait before another call. */
  retryAfterMs: number | undefined;
}

export class InventoryVisibilityClient {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: IvClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  private url(path: string): string {
    return `${this.options.endpoint.replace(/\/$/, '')}/api/environment/${this.options.environmentId}/transaction/adjustment/${path}`;
  }

  /** Posts one call's lines, once (but for 429s and one token refresh). */
  async postAdjustments(lines: readonly AdjustmentLine[]): Promise<PostOutcome> {
    const responses: string[] = [];
    const query = this.options.createWithIVSync ? '?createWithIVSync=true' : '';
    const result = await this.send(this.url(`bulk${query}`), JSON.stringify(lines), responses);
    if (!result.ok) return { ok: false, lines: new Map(), responses, error: result.error, uncertain: result.uncertain, retryAfterMs: result.retryAfterMs };
    const parsed = adjustmentBulkResponseSchema.safeParse(result.body);
    if (!parsed.success || !Array.isArray(parsed.data)) {
      return { ok: false, lines: new Map(), responses, error: `IV answered ${result.status} with a body that is not a list of line results`, uncertain: true, retryAfterMs: undefined };
    }
    const outcomes = new Map(parsed.data.map((r) => [r.id, { ok: r.statusCode < 300 && r.processingStatus.toLowerCase() === 'success', message: r.message ?? '' }]));
    const missing = lines.filter((l) => !outcomes.has(l.id)).map((l) => l.id);
    for (const id of missing) outcomes.set(id, { ok: false, message: 'IV did not report on this line' });
    const failed = [...outcomes.values()].filter((o) => !o.ok).length;
    return { ok: failed === 0, lines: outcomes, responses, error: failed === 0 ? undefined : `${failed} of ${lines.length} lines failed`,
      uncertain: missing.length > 0, retryAfterMs: undefined };
  }

  private async send(url: string, body: string, responses: string[]):
    Promise<{ ok: true; status: number; body: unknown } | { ok: false; error: string; uncertain: boolean; retryAfterMs: number | undefined }> {
    const maxAttempts = this.options.maxThrottledAttempts ?? 6;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    let refreshed = false;
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      let text: string;
      try {
        const token = await this.options.tokens.token(false);
        response = await this.fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(this.options.timeoutMs ?? 60000),
          headers: { 'Api-Version': '1.0', Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' } });
        text = await response.text();
      } catch (error) {
        const message = `IV did not answer: ${(error as Error).message}`;
        responses.push(message);
        return { ok: false, error: message, uncertain: true, retryAfterMs: undefined };
      }
      responses.push(`${response.status} ${text}`);
      const parsed: unknown = text === '' ? undefined : safeJson(text);
      const bodyStatus = bodyStatusCode(parsed);
      if (response.status === 401 && !refreshed) {
        // A token can expire between issue and use: get a new one, once. IV did nothing with the call.
        refreshed = true;
        await this.options.tokens.token(true);
        continue;
      }
      const status = response.ok && bodyStatus !== undefined ? bodyStatus : response.status;
      if (status < 300) return { ok: true, status: response.status, body: parsed };
      const retryAfter = Number(response.headers.get('Retry-After'));
      const retryAfterMs = response.headers.has('Retry-After') && Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined;
      const error = `IV answered ${response.status}${bodyStatus !== undefined && response.ok ? ` with a body statusCode ${bodyStatus}` : ''}: ${text.slice(0, 300)}`;
      if (response.status === 429 && attempt < maxAttempts) {
        await sleep(retryAfterMs ?? Math.round((this.options.backoffBaseMs ?? 500) * 2 ** (attempt - 1) * (0.5 + Math.random())));
        continue;
      }
      // A 4xx (429 included) means IV refused the call as a whole; a 5xx, in the HTTP status or the body, may come after work.
      return { ok: false, error, uncertain: status >= 500, retryAfterMs };
    }
  }
}

function safeJson(text: string): unknown {
  try { return JSON.parse(text); } catch { return text; }
}

/** Other IV endpoints answer 200 with `statusCode` 400/500 in the body: that code is the real outcome. */
function bodyStatusCode(body: unknown): number | undefined {
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && typeof (body as { statusCode?: unknown }).statusCode === 'number') {
    return (body as { statusCode: number }).statusCode;
  }
  return undefined;
}
