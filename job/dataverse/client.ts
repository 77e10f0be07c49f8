/**
 * A Dataverse Web API client for the job: base URL, token provider and fetch come from outside (ARCHITECTURE.md),
 * so the same code talks to an environment, the sandbox emulator or an in-process handler. It retries what
 * Dataverse says to retry (429 honouring Retry-After, 503, time-outs) and keeps a bounded number of requests in flight.
 */
import { z } from 'zod';

export type TokenProvider = () => Promise<string | undefined>;

export interface DataverseClientOptions {
  /** The API root, e.g. https://org.crm.dynamics.com/api/data/v9.2/ */
  apiUrl: string;
  token: TokenProvider;
  fetch?: typeof fetch;
  maxConcurrency?: number;
  maxAttempts?: number;
  timeoutMs?: number;
  /** Waits before a retry when the service gives no Retry-After: base × 2^attempt, with jitter. */
  backoffBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class DataverseRequestError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const pageSchema = z.object({ value: z.array(z.record(z.string(), z.unknown())), '@odata.nextLink': z.string().optional() });

export interface DataverseResponse { status: number; headers: Headers; body: unknown }

/** A body sent as it is (a `$batch`'s multipart), not as JSON. */
class RawBody {
  constructor(readonly text: string, readonly contentType: string) {}
}

export class DataverseClient {
  private readonly fetch: typeof fetch;
  private inFlight = 0;
  private waiting: Array<() => void> = [];
  /** Requests sent, retries included, for the run's report. */
  requestsSent = 0;
  retries = 0;

  constructor(private readonly options: DataverseClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    if (!options.apiUrl.endsWith('/')) throw new Error(`the Dataverse API URL must end with '/': ${options.apiUrl}`);
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<DataverseResponse> {
    await this.slot();
    try {
      return await this.withRetries(method, path, body, headers);
    } finally {
      this.inFlight -= 1;
      this.waiting.shift()?.();
    }
  }

  /** One page of a query, without a page-size preference, so a $top in it applies (Dataverse ignores $top with one). */
  async retrieveTop(path: string): Promise<Array<Record<string, unknown>>> {
    return pageSchema.parse((await this.request('GET', path)).body).value;
  }

  /** Every row of a query, following @odata.nextLink to the end. */
  async retrieveAll(path: string, pageSize = 5000): Promise<Array<Record<string, unknown>>> {
    const rows: Array<Record<string, unknown>> = [];
    let next: string | undefined = path;
    while (next !== undefined) {
      const response = await this.request('GET', next, undefined, { Prefer: `odata.maxpagesize=${pageSize}` });
      const page = pageSchema.parse(response.body);
      rows.push(...page.value);
      next = page['@odata.nextLink'];
    }
    return rows;
  }

  /**
   * Deletes rows (paths like `ibal_discrepancies(<id>)`) in `$batch` requests of up to 1,000, each part on its own
   * (`odata.continue-on-error`): one request per thousand rows instead of one per row. A row already gone counts as
   * deleted (a retried batch finds the rows its lost answer had removed). Returns the paths that could not be deleted
   * with Dataverse's reason.
   */
  async deleteMany(paths: readonly string[], perBatch = 1000): Promise<Array<{ path: string; reason: string }>> {
    const failures: Array<{ path: string; reason: string }> = [];
    const batches: string[][] = [];
    for (let i = 0; i < paths.length; i += perBatch) batches.push(paths.slice(i, i + perBatch));
    await Promise.all(batches.map(async (batch) => {
      const boundary = `batch_${Math.random().toString(36).slice(2)}`;
      const root = new URL(this.options.apiUrl).pathname;
      const body = `${batch.map((path) => [`--${boundary}`, 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '',
        `DELETE ${root}${path} HTTP/1.1`, '', ''].join('\r\n')).join('')}--${boundary}--\r\n`;
      const response = await this.request('POST', '$batch', new RawBody(body, `multipart/mixed; boundary=${boundary}`), { Prefer: 'odata.continue-on-error' });
      // Each part's answer starts with its status line, in the order of the requests.
      const answers = String(response.body).split(/^HTTP\/1\.1 /m).slice(1);
      batch.forEach((path, i) => {
        const answer = answers[i];
        const status = answer === undefined ? 0 : Number(answer.slice(0, 3));
        if (status === 204 || status === 404) return;
        const message = /"message":"((?:[^"\\]|\\.)*)"/.exec(answer ?? '')?.[1];
        failures.push({ path, reason: status === 0 ? 'no answer for it in the $batch response' : `${status}${message ? ` ${message}` : ''}` });
      });
    }));
    return failures;
  }

  private async slot(): Promise<void> {
    const limit = this.options.maxConcurrency ?? 4;
    while (this.inFlight >= limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight += 1;
  }

  private async withRetries(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<DataverseResponse> {
    const maxAttempts = this.options.maxAttempts ?? 8;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let attempt = 1; ; attempt += 1) {
      let outcome: { response?: DataverseResponse; retryAfterMs?: number; failure: DataverseRequestError | undefined };
      try {
        outcome = await this.once(method, path, body, headers);
      } catch (error) {
        // A time-out or a dropped connection: the request may or may not have been applied, so only idempotent
        // requests (upserts by key, reads) are sent this way by the job.
        outcome = { failure: new DataverseRequestError(0, '', `${method} ${path}: ${(error as Error).message}`) };
      }
      if (outcome.response) return outcome.response;
      const failure = outcome.failure!;
      const retryable = failure.status === 0 || failure.status === 429 || failure.status === 503 || failure.status === 502 || failure.status === 504;
      if (!retryable || attempt >= maxAttempts) throw failure;
      this.retries += 1;
      const base = this.options.backoffBaseMs ?? 250;
      await sleep(outcome.retryAfterMs ?? Math.round(base * 2 ** (attempt - 1) * (0.5 + Math.random())));
    }
  }

  private async once(method: string, path: string, body: unknown, headers: Record<string, string>):
    Promise<{ response?: DataverseResponse; retryAfterMs?: number; failure: DataverseRequestError | undefined }> {
    const url = path.startsWith('http') ? path : `${this.options.apiUrl}${path}`;
    const token = await this.options.token();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${this.options.timeoutMs ?? 120000} ms`)), this.options.timeoutMs ?? 120000);
    this.requestsSent += 1;
    try {
      const response = await this.fetch(url, {
        method, signal: controller.signal,
        headers: {
          Accept: 'application/json', 'OData-MaxVersion': '4.0', 'OData-Version': '4.0',
          ...(body === undefined ? {} : { 'Content-Type': body instanceof RawBody ? body.contentType : 'application/json; charset=utf-8' }),
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : body instanceof RawBody ? body.text : JSON.stringify(body),
      });
      const text = await response.text();
      const parsed: unknown = text === '' ? undefined : /^multipart\//i.test(response.headers.get('Content-Type') ?? '') ? text : JSON.parse(text);
      if (response.ok) return { response: { status: response.status, headers: response.headers, body: parsed }, failure: undefined };
      const error = errorSchema.safeParse(parsed);
      const retryAfter = Number(response.headers.get('Retry-After'));
      return {
        failure: new DataverseRequestError(response.status, error.success ? error.data.error.code : '',
          `${method} ${path.split('?')[0]}: ${response.status} ${error.success ? error.data.error.message : text.slice(0, 300)}`),
        ...(response.headers.has('Retry-After') && Number.isFinite(retryAfter) ? { retryAfterMs: retryAfter * 1000 } : {}),
      };
    } finally {
      clearTimeout(timer);
    }
  }
}
