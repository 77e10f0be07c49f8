/**
 * The Inventory Visibility client (DOMAIN.md §6): endpoint, token provider and fetch come from outside, so the same
 * code runs in a web resource (tokens from the broker), in the broker, and against the sandbox's emulator. IV's
 * response body is undocumented: the raw text is always kept, and a 2xx whose body reports a failure is a failure.
 */
import { z } from 'zod';
import { adjustmentBulkResponseSchema, type AdjustmentLine } from '../core/iv.js';
import type { IvTokenProvider } from '../core/iv-tokens.js';

export interface IvClientOptions {
  endpoint: string;
  environmentId: string;
  tokens: IvTokenProvider;
  fetch?: typeof fetch;
  maxAttempts?: number;
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
}

const lineStatusSchema = z.array(z.object({ id: z.string(), status: z.string(), aggregatedStatus: z.string().nullable(), message: z.string().nullable() }));
export type LineStatus = z.infer<typeof lineStatusSchema>[number];

export class InventoryVisibilityClient {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: IvClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  private url(path: string): string {
    return `${this.options.endpoint.replace(/\/$/, '')}/api/environment/${this.options.environmentId}/transaction/adjustment/${path}`;
  }

  /** Posts one call's lines. Safe to retry: IV keeps a line once per id. */
  async postAdjustments(lines: readonly AdjustmentLine[]): Promise<PostOutcome> {
    const responses: string[] = [];
    const query = this.options.createWithIVSync ? '?createWithIVSync=true' : '';
    const result = await this.send('POST', this.url(`bulk${query}`), JSON.stringify(lines), responses);
    if (!result.ok) return { ok: false, lines: new Map(), responses, error: result.error };
    const parsed = adjustmentBulkResponseSchema.safeParse(result.body);
    if (!parsed.success || !Array.isArray(parsed.data)) {
      return { ok: false, lines: new Map(), responses, error: `IV answered ${result.status} with a body that is not a list of line results` };
    }
    const outcomes = new Map(parsed.data.map((r) => [r.id, { ok: r.statusCode < 300 && r.processingStatus.toLowerCase() === 'success', message: r.message ?? '' }]));
    const missing = lines.filter((l) => !outcomes.has(l.id)).map((l) => l.id);
    for (const id of missing) outcomes.set(id, { ok: false, message: 'IV did not report on this line' });
    const failed = [...outcomes.values()].filter((o) => !o.ok).length;
    return { ok: failed === 0, lines: outcomes, responses, error: failed === 0 ? undefined : `${failed} of ${lines.length} lines failed` };
  }

  async lineStatuses(ids: readonly string[]): Promise<LineStatus[]> {
    const responses: string[] = [];
    const result = await this.send('GET', this.url(`lines?ids=${ids.map(encodeURIComponent).join(',')}`), undefined, responses);
    if (!result.ok) throw new Error(result.error);
    return lineStatusSchema.parse(result.body);
  }

  private async send(method: string, url: string, body: string | undefined, responses: string[]):
    Promise<{ ok: true; status: number; body: unknown } | { ok: false; error: string }> {
    const maxAttempts = this.options.maxAttempts ?? 6;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    let refreshed = false;
    let lastError = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      let retryAfterMs: number | undefined;
      try {
        const token = await this.options.tokens.token(false);
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), this.options.timeoutMs ?? 60000);
        let response: Response;
        try {
          response = await this.fetch(url, { method, body, signal: controller.signal,
            headers: { 'Api-Version': '1.0', Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' } });
        } finally {
          clearTimeout(timer);
        }
        const text = await response.text();
        responses.push(`${response.status} ${text}`);
        const parsed: unknown = text === '' ? undefined : safeJson(text);
        const bodyStatus = bodyStatusCode(parsed);
        if (response.status === 401 && !refreshed) {
          // A token can expire between issue and use: get a new one, once.
          refreshed = true;
          await this.options.tokens.token(true);
          attempt -= 1;
          continue;
        }
        const status = response.ok && bodyStatus !== undefined ? bodyStatus : response.status;
        if (status < 300) return { ok: true, status: response.status, body: parsed };
        lastError = `IV answered ${response.status}${bodyStatus !== undefined && response.ok ? ` with a body statusCode ${bodyStatus}` : ''}: ${text.slice(0, 300)}`;
        if (!(status === 429 || status >= 500)) return { ok: false, error: lastError };
        const retryAfter = Number(response.headers.get('Retry-After'));
        if (response.headers.has('Retry-After') && Number.isFinite(retryAfter)) retryAfterMs = retryAfter * 1000;
      } catch (error) {
        lastError = `IV did not answer: ${(error as Error).message}`;
        responses.push(lastError);
      }
      if (attempt < maxAttempts) {
        await sleep(retryAfterMs ?? Math.round((this.options.backoffBaseMs ?? 500) * 2 ** (attempt - 1) * (0.5 + Math.random())));
      }
    }
    return { ok: false, error: `${lastError} (after ${maxAttempts} attempts)` };
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
