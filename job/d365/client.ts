/**
 * The job's client for Dynamics 365 finance and operations (D365 on-hand exports, journal imports). Base URL, token
 * provider and fetch come from outside (ARCHITECTURE.md), so the same code talks to an environment and to the
 * sandbox emulator. It retries what F&O says to retry (429 honouring Retry-After, 500/502/503/504, dropped
 * connections) and parses every answer with core's zod schemas.
 */
import type { z } from 'zod';
import {
  DMF_ACTION_PREFIX, booleanResultSchema, executionErrorsResultSchema, executionStatusResultSchema, fnoErrorSchema, odataPageSchema,
  stringResultSchema, writeUrlResultSchema, type DmfAction, type ExecutionStatus,
} from '../../core/d365.js';

export type D365TokenProvider = () => Promise<string>;

export interface D365ClientOptions {
  /** The environment, e.g. https://contoso.operations.dynamics.com */
  baseUrl: string;
  token: D365TokenProvider;
  fetch?: typeof fetch;
  maxAttempts?: number;
  /** Waits before a retry when F&O gives no Retry-After: base × 2^attempt, with jitter. */
  backoffBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  timeoutMs?: number;
}

export class D365RequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const RETRYABLE = new Set([0, 429, 500, 502, 503, 504]);

export class D365Client {
  readonly baseUrl: string;
  private readonly fetch: typeof fetch;
  /** Requests sent, retries included. */
  requestsSent = 0;
  /** The Date header of D365's last answer: D365's own clock, which is how the snapshot's as-of is known. */
  lastAnswerDate: string | undefined;
  retries = 0;

  constructor(private readonly options: D365ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** POST /data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.<action> */
  async action<T>(action: DmfAction, body: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
    const { json } = await this.send('POST', `${this.baseUrl}${DMF_ACTION_PREFIX}${action}`, body);
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new D365RequestError(200, `${action}: D365 answered in an unexpected shape (${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')})`);
    return parsed.data;
  }

  exportToPackage(body: { definitionGroupId: string; packageName: string; executionId: string; reExecute: boolean; legalEntityId: string }) {
    return this.action('ExportToPackage', body, stringResultSchema);
  }
  importFromPackage(body: { packageUrl: string; definitionGroupId: string; executionId: string; execute: boolean; overwrite: boolean; legalEntityId: string }) {
    return this.action('ImportFromPackage', body, stringResultSchema);
  }
  executionStatus(executionId: string): Promise<ExecutionStatus> { return this.action('GetExecutionSummaryStatus', { executionId }, executionStatusResultSchema); }
  exportedPackageUrl(executionId: string) { return this.action('GetExportedPackageUrl', { executionId }, stringResultSchema); }
  azureWriteUrl(uniqueFileName: string) { return this.action('GetAzureWriteUrl', { uniqueFileName }, writeUrlResultSchema); }
  executionErrors(executionId: string) { return this.action('GetExecutionErrors', { executionId }, executionErrorsResultSchema); }
  generateTargetErrorKeys(executionId: string, entityName: string) { return this.action('GenerateImportTargetErrorKeysFile', { executionId, entityName }, booleanResultSchema); }
  targetErrorKeysUrl(executionId: string, entityName: string) { return this.action('GetImportTargetErrorKeysFileUrl', { executionId, entityName }, stringResultSchema); }

  /** Every row of an OData query, following @odata.nextLink to the end (service-driven paging). */
  async readAll(pathAndQuery: string, pageSize?: number, onPage?: (rows: number, response: Response) => void): Promise<Array<Record<string, unknown>>> {
    const rows: Array<Record<string, unknown>> = [];
    let next: string | undefined = `${this.baseUrl}/data/${pathAndQuery}`;
    while (next !== undefined) {
      const { json, response } = await this.send('GET', next, undefined, pageSize ? { Prefer: `odata.maxpagesize=${pageSize}` } : {});
      const page = odataPageSchema.safeParse(json);
      if (!page.success) throw new D365RequestError(200, `GET ${pathAndQuery.split('?')[0]}: D365 answered in an unexpected shape`);
      rows.push(...page.data.value);
      onPage?.(page.data.value.length, response);
      next = page.data['@odata.nextLink'];
    }
    return rows;
  }

  /** Bytes from a blob URL with its own SAS (no token), with the same retries. */
  async download(url: string): Promise<{ bytes: Buffer; response: Response }> {
    return this.withRetries<{ bytes: Buffer; response: Response }>(`GET ${url.split('?')[0]}`, async () => {
      const response = await this.fetch(url, { method: 'GET' });
      if (!response.ok) return { failure: await this.failure(response, `GET ${url.split('?')[0]}`) };
      return { value: { bytes: Buffer.from(await response.arrayBuffer()), response } };
    });
  }

  /** Put Blob to a SAS URL (GetAzureWriteUrl's BlobUrl). */
  async upload(url: string, bytes: Uint8Array): Promise<void> {
    await this.withRetries<undefined>(`PUT ${url.split('?')[0]}`, async () => {
      const response = await this.fetch(url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob', 'Content-Type': 'application/zip' }, body: new Uint8Array(bytes) });
      if (!response.ok) return { failure: await this.failure(response, `PUT ${url.split('?')[0]}`) };
      return { value: undefined };
    });
  }

  private async send(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ json: unknown; response: Response }> {
    const label = `${method} ${url.replace(this.baseUrl, '').split('?')[0]}`;
    return this.withRetries<{ json: unknown; response: Response }>(label, async () => {
      const token = await this.options.token();
      const response = await this.fetch(url, {
        method,
        headers: { Accept: 'application/json', 'OData-Version': '4.0', 'OData-MaxVersion': '4.0', Authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 120000),
      });
      if (!response.ok) return { failure: await this.failure(response, label) };
      const text = await response.text();
      const date = response.headers.get('Date');
      if (date) this.lastAnswerDate = new Date(date).toISOString();
      return { value: { json: text === '' ? undefined : JSON.parse(text) as unknown, response } };
    });
  }

  private async failure(response: Response, label: string): Promise<{ error: D365RequestError; retryAfterMs?: number }> {
    const text = await response.text();
    let message = text.slice(0, 400);
    try {
      const parsed = fnoErrorSchema.safeParse(JSON.parse(text));
      if (parsed.success) message = parsed.data.error.innererror?.message || parsed.data.error.message;
    } catch { /* not JSON: keep the text */ }
    const retryAfter = Number(response.headers.get('Retry-After'));
    return { error: new D365RequestError(response.status, `${label}: ${response.status} ${message}`.trim()),
      ...(response.headers.has('Retry-After') && Number.isFinite(retryAfter) ? { retryAfterMs: retryAfter * 1000 } : {}) };
  }

  private async withRetries<T>(label: string, attempt: () => Promise<{ value: T } | { failure: { error: D365RequestError; retryAfterMs?: number } }>): Promise<T> {
    const maxAttempts = this.options.maxAttempts ?? 6;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let n = 1; ; n += 1) {
      this.requestsSent += 1;
      let outcome: { value: T } | { failure: { error: D365RequestError; retryAfterMs?: number } };
      try {
        outcome = await attempt();
      } catch (error) {
        outcome = { failure: { error: new D365RequestError(0, `${label}: ${(error as Error).message}`) } };
      }
      if ('value' in outcome) return outcome.value;
      const { error, retryAfterMs } = outcome.failure;
      if (!RETRYABLE.has(error.status) || n >= maxAttempts) throw error;
      this.retries += 1;
      const base = this.options.backoffBaseMs ?? 500;
      await sleep(retryAfterMs ?? Math.round(base * 2 ** (n - 1) * (0.5 + Math.random())));
    }
  }
}
