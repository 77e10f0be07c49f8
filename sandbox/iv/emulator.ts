/**
 * A local stand-in for Inventory Visibility (DOMAIN.md §6, iv_api.md): the Entra-style token endpoint, the security
 * service exchange (optionally answering 307 first), and the adjustment bulk API with its line and aggregated-line
 * statuses. Status changes follow the emulator's clock, which tests advance; nothing happens by wall time.
 * Everything the documentation leaves open is decided here in one place and named in the README, always the harder
 * way for the caller: a repeated line id is a new line (IV documents no de-duplication), and IV keeps its lines where
 * the documentation says, in its Dataverse tables (the `mirror` hook), not behind a read API it does not document.
 */
import { randomUUID } from 'node:crypto';
import {
  IV_ENTRA_SCOPE, adjustmentBulkSchema, securityTokenRequestSchema, type AdjustmentLine, type AggregatedStatus, type LineStatus,
} from '../../core/iv.js';
import { securityServiceTokens, type IvTokenProvider } from '../../core/iv-tokens.js';
import { seededRandom } from '../../core/random.js';
import { serveOnLoopback, type Listening, type PlainRequest, type PlainResponse } from '../http.js';

export type IvRequest = PlainRequest;
export type IvResponse = PlainResponse;

export interface IvEmulatorOptions {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  environmentId?: string;
  maxLinesPerCall?: number;
  tokenLifetimeSeconds?: number;
  /** Answer the general security service URL with 307 to a regional one, as the service does. */
  redirectSecurityService?: boolean;
  /** Items whose journals fail to be created, or to post, in D365. */
  failCreate?: readonly string[];
  failPost?: readonly string[];
  /**
   * Where IV's Adjustment Line and Aggregated Adjustment Line rows are kept (its Dataverse tables): called with the
   * lines and aggregated lines that changed, before the API answers.
   */
  mirror?: (change: { lines: readonly LedgerLine[]; aggregated: readonly AggregatedLine[] }) => Promise<void>;
}

export interface IvFaultMode {
  share: number;
  /**
   * 429, 500 and body500 (HTTP 200 whose body says 500) refuse before any work; 500after keeps the lines and then
   * answers 500; slow keeps them and answers after `delayMs`, past a client's patience.
   */
  kinds: ReadonlyArray<'429' | '500' | '500after' | 'slow' | 'body500'>;
  delayMs: number;
  retryAfterSeconds: number;
  seed: number;
}

export interface LedgerLine {
  /** The caller's line id (`id` in the request); a repeated id makes another ledger line. */
  id: string;
  /** IV's own id of the adjustment line. */
  lineId: string;
  line: AdjustmentLine;
  status: LineStatus;
  since: number;
  aggregatedLineId: string | undefined;
}

export interface AggregatedLine {
  aggregatedLineId: string;
  key: string;
  organizationId: string;
  productId: string;
  dimensions: Record<string, string>;
  quantity: number;
  lineIds: string[];
  status: AggregatedStatus;
  since: number;
  journalId: string | undefined;
  message: string | undefined;
}

/** Minutes between steps, as the IV and D365 jobs run by default (sync every 5 minutes, posting job after). */
const STEP_MINUTES = { ivSync: 5, aggregate: 1, enqueue: 5, create: 1, post: 5 } as const;

const json = (status: number, body: unknown, headers: Record<string, string> = {}): IvResponse =>
  ({ status, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) });
const failure = (status: number, message: string, headers: Record<string, string> = {}) => json(status, { statusCode: status, message }, headers);

export class InventoryVisibilityEmulator {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly environmentId: string;
  private readonly maxLines: number;
  private readonly tokenLifetime: number;
  private readonly redirect: boolean;
  private readonly failCreate: Set<string>;
  private readonly failPost: Set<string>;
  private nowMs = Date.parse('2026-11-20T08:00:00Z');
  private entraTokens = new Map<string, number>();
  private accessTokens = new Map<string, number>();
  private readonly lines: LedgerLine[] = [];
  private readonly aggregated = new Map<string, AggregatedLine>();
  private faults: IvFaultMode | undefined;
  private random: () => number = Math.random;
  private listening: Listening | undefined;
  /** Called once IV has kept a call's lines (and its tables show them), before it answers: where tests stop a caller. */
  onLinesKept: ((lines: readonly LedgerLine[]) => void) | undefined;
  /** Calls to the bulk API, and lines it received in total (repeats included). */
  stats = { bulkCalls: 0, linesReceived: 0, tokensIssued: 0 };

  constructor(options: IvEmulatorOptions = {}) {
    this.tenantId = options.tenantId ?? '00000000-0000-0000-0000-00000000e17a';
    this.clientId = options.clientId ?? '00000000-0000-0000-0000-0000000c11e7';
    this.clientSecret = options.clientSecret ?? 'sandbox-secret';
    this.environmentId = options.environmentId ?? '00000000-0000-0000-0000-000000000e01';
    this.maxLines = options.maxLinesPerCall ?? 512;
    this.tokenLifetime = options.tokenLifetimeSeconds ?? 3600;
    this.redirect = options.redirectSecurityService ?? true;
    this.failCreate = new Set(options.failCreate ?? []);
    this.failPost = new Set(options.failPost ?? []);
    this.mirror = options.mirror;
  }

  private readonly mirror: IvEmulatorOptions['mirror'];

  get now(): Date {
    return new Date(this.nowMs);
  }

  /**
   * IV tokens as the app registered with this IV gets them over HTTP at `baseUrl`: client credentials at the
   * Entra-style endpoint (what MSAL does), then the security-service exchange, cached on this emulator's clock.
   */
  tokenProvider(baseUrl: string): IvTokenProvider & { validUntil(): number } {
    return securityServiceTokens({ fetch, securityServiceUrl: `${baseUrl}/securityservice/token`, environmentId: this.environmentId, now: () => this.nowMs,
      entraToken: async () => {
        const response = await fetch(`${baseUrl}/${this.tenantId}/oauth2/v2.0/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ client_id: this.clientId, client_secret: this.clientSecret, grant_type: 'client_credentials', scope: IV_ENTRA_SCOPE }) });
        return ((await response.json()) as { access_token: string }).access_token;
      } });
  }

  setFaults(faults: IvFaultMode | undefined): void {
    this.faults = faults;
    this.random = faults ? seededRandom(faults.seed) : Math.random;
  }

  /** Moves the clock on and lets every job that falls due run, in order; IV's tables follow. */
  async advance(minutes: number): Promise<void> {
    const end = this.nowMs + minutes * 60000;
    const changed = { lines: new Set<LedgerLine>(), aggregated: new Set<AggregatedLine>() };
    while (this.nowMs < end) {
      this.nowMs = Math.min(end, this.nowMs + 60000);
      this.runJobs(changed);
    }
    if (this.mirror && (changed.lines.size > 0 || changed.aggregated.size > 0)) await this.mirror({ lines: [...changed.lines], aggregated: [...changed.aggregated] });
  }

  ledger(): { lines: LedgerLine[]; aggregated: AggregatedLine[] } {
    return { lines: [...this.lines], aggregated: [...this.aggregated.values()] };
  }

  /** Serves the emulator on 127.0.0.1 (port 0 picks a free one) and returns its origin. */
  async listen(port = 0): Promise<string> {
    this.listening = await serveOnLoopback((request) => this.handle(request), port);
    return this.listening.origin;
  }

  async close(): Promise<void> {
    await this.listening?.close();
  }

  async handle(request: IvRequest): Promise<IvResponse> {
    const url = new URL(request.url, 'http://127.0.0.1');
    const method = request.method.toUpperCase();
    if (method === 'POST' && url.pathname === `/${this.tenantId}/oauth2/v2.0/token`) return this.entraToken(request);
    if (method === 'POST' && url.pathname === '/securityservice/token') {
      return this.redirect ? { status: 307, headers: { Location: '/securityservice/regional/token' }, body: '' } : this.securityToken(request);
    }
    if (method === 'POST' && url.pathname === '/securityservice/regional/token') return this.securityToken(request);
    const api = /^\/api\/environment\/([^/]+)\/transaction\/adjustment\/(bulk)$/.exec(url.pathname);
    if (!api) return failure(404, `No IV API at ${method} ${url.pathname}`);
    if (api[1] !== this.environmentId) return failure(404, `Environment ${api[1]} is not served here`);
    const unauthorized = this.checkToken(request);
    if (unauthorized) return unauthorized;
    if (request.headers['api-version'] !== undefined && request.headers['api-version'] !== '1.0') {
      return failure(400, `Api-Version ${request.headers['api-version']} is not supported by this API; use 1.0`);
    }
    if (api[2] === 'bulk' && method === 'POST') return this.bulk(request, url.searchParams.get('createWithIVSync'));
    return failure(405, `${method} is not allowed on ${url.pathname}`);
  }

  private entraToken(request: IvRequest): IvResponse {
    const form = new URLSearchParams(request.body);
    if (form.get('grant_type') !== 'client_credentials') return json(400, { error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' });
    if (form.get('client_id') !== this.clientId || form.get('client_secret') !== this.clientSecret) {
      return json(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    }
    if (form.get('scope') !== IV_ENTRA_SCOPE) return json(400, { error: 'invalid_scope', error_description: `scope must be ${IV_ENTRA_SCOPE}` });
    const token = `entra-${randomUUID()}`;
    this.entraTokens.set(token, this.nowMs + this.tokenLifetime * 1000);
    return json(200, { token_type: 'Bearer', expires_in: String(this.tokenLifetime - 1), ext_expires_in: String(this.tokenLifetime - 1), access_token: token });
  }

  private securityToken(request: IvRequest): IvResponse {
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return failure(400, 'The request body is not JSON');
    }
    // Microsoft's own sample sends "Scope" and "Context": keys are matched without regard to case.
    const lowered = Object.fromEntries(Object.entries(body as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), v]));
    const parsed = securityTokenRequestSchema.safeParse(lowered);
    if (!parsed.success) return failure(400, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const expires = this.entraTokens.get(parsed.data.client_assertion);
    if (expires === undefined || expires <= this.nowMs) return failure(401, 'The client assertion is not a valid Microsoft Entra token');
    if (parsed.data.context !== this.environmentId) return failure(401, `The application is not bound to environment ${parsed.data.context}`);
    const token = `iv-${randomUUID()}`;
    this.accessTokens.set(token, this.nowMs + this.tokenLifetime * 1000);
    this.stats.tokensIssued += 1;
    return json(200, { access_token: token, token_type: 'bearer', expires_in: this.tokenLifetime });
  }

  private checkToken(request: IvRequest): IvResponse | undefined {
    const token = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const expires = token === undefined ? undefined : this.accessTokens.get(token);
    if (expires === undefined) return failure(401, 'Unauthorized: no valid bearer token');
    if (expires <= this.nowMs) return failure(401, 'Unauthorized: the token has expired');
    return undefined;
  }

  private async bulk(request: IvRequest, createWithIVSync: string | null): Promise<IvResponse> {
    this.stats.bulkCalls += 1;
    const fault = this.pickFault();
    if (fault === '429') return failure(429, 'Too many requests (injected fault)', { 'Retry-After': String(this.faults!.retryAfterSeconds) });
    if (fault === '500') return failure(500, 'Internal server error (injected fault)');
    if (fault === 'body500') return json(200, { statusCode: 500, message: 'The adjustments could not be saved (injected fault)' });
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return failure(400, 'The request body is not JSON');
    }
    const parsed = adjustmentBulkSchema.safeParse(body);
    if (!parsed.success) {
      return failure(400, parsed.error.issues.map((i) => `line ${String(i.path[0] ?? '')}${i.path.length > 1 ? ` ${i.path.slice(1).map(String).join('.')}` : ''}: ${i.message}`).join('; '));
    }
    const lines = parsed.data;
    if (lines.length > this.maxLines) return failure(400, `At most ${this.maxLines} lines per call; this call has ${lines.length}`);
    this.stats.linesReceived += lines.length;
    // Every line is kept, a repeated id too: IV documents no de-duplication, so the emulator does none.
    const entries = lines.map((line): LedgerLine => ({ id: line.id, lineId: randomUUID(), line, status: createWithIVSync === 'true' ? 'IVPosted' : 'Created',
      since: this.nowMs, aggregatedLineId: undefined }));
    this.lines.push(...entries);
    if (this.mirror) await this.mirror({ lines: entries, aggregated: [] });
    this.onLinesKept?.(entries);
    if (fault === '500after') return failure(500, 'Internal server error (injected fault, after the lines were kept)');
    if (fault === 'slow') await new Promise((resolve) => setTimeout(resolve, this.faults!.delayMs));
    return json(200, entries.map((e) => ({ id: e.id, lineId: e.lineId, processingStatus: 'success', statusCode: 200, message: '' })));
  }

  private pickFault(): IvFaultMode['kinds'][number] | undefined {
    if (!this.faults) return undefined;
    const roll = this.random();
    if (roll >= this.faults.share) return undefined;
    return this.faults.kinds[Math.floor((roll / this.faults.share) * this.faults.kinds.length)];
  }

  /** The IV sync, aggregation, D365 sync and posting jobs, each when its time has come. */
  private runJobs(changed: { lines: Set<LedgerLine>; aggregated: Set<AggregatedLine> }): void {
    const due = (since: number, minutes: number) => this.nowMs - since >= minutes * 60000;
    for (const entry of this.lines) {
      if (entry.status === 'Created' && due(entry.since, STEP_MINUTES.ivSync)) { entry.status = 'IVPosted'; entry.since = this.nowMs; changed.lines.add(entry); }
    }
    const ready = this.lines.filter((e) => e.status === 'IVPosted' && due(e.since, STEP_MINUTES.aggregate));
    const groups = new Map<string, LedgerLine[]>();
    for (const entry of ready) {
      const l = entry.line;
      const key = JSON.stringify([l.organizationId, l.productId, l.quantityDataSource, l.physicalMeasure, Object.entries(l.dimensions).sort(), l.fnoJournalNameId ?? '']);
      groups.set(key, [...(groups.get(key) ?? []), entry]);
    }
    for (const [key, members] of groups) {
      const quantity = Math.round(members.reduce((sum, m) => sum + m.line.quantity, 0) * 1e6) / 1e6;
      const aggregate: AggregatedLine = {
        aggregatedLineId: randomUUID(), key, organizationId: members[0]!.line.organizationId, productId: members[0]!.line.productId,
        dimensions: members[0]!.line.dimensions, quantity, lineIds: members.map((m) => m.lineId),
        status: quantity === 0 ? 'DoNotSync' : 'Created', since: this.nowMs, journalId: undefined, message: undefined,
      };
      this.aggregated.set(aggregate.aggregatedLineId, aggregate);
      changed.aggregated.add(aggregate);
      for (const m of members) { m.status = 'Aggregated'; m.since = this.nowMs; m.aggregatedLineId = aggregate.aggregatedLineId; changed.lines.add(m); }
    }
    for (const a of this.aggregated.values()) {
      const before = a.status;
      if (a.status === 'Created' && due(a.since, STEP_MINUTES.enqueue)) { a.status = 'FnOSyncEnqueued'; a.since = this.nowMs; }
      else if (a.status === 'FnOSyncEnqueued' && due(a.since, STEP_MINUTES.create)) {
        a.since = this.nowMs;
        if (this.failCreate.has(a.productId)) { a.status = 'FnOTransCreateError'; a.message = `Item ${a.productId}: the journal line could not be created (see the Fno message id in Recurring data jobs)`; }
        else { a.status = 'FnOTransCreated'; a.journalId = `IAJ-${String(this.aggregated.size).padStart(6, '0')}`; }
      } else if (a.status === 'FnOTransCreated' && due(a.since, STEP_MINUTES.post)) {
        a.since = this.nowMs;
        if (this.failPost.has(a.productId)) { a.status = 'FnOTransPostError'; a.message = `Journal ${a.journalId}: posting failed for item ${a.productId}`; }
        else a.status = 'FnOTransPosted';
      }
      if (a.status !== before) changed.aggregated.add(a);
    }
  }
}
