/**
 * A local stand-in for the Dataverse Web API (offline.md §5–§6) over the tables defined in core/: the subset the
 * product uses, with the documented wire shapes, and 400/501 naming anything else. `handle()` is the whole
 * emulator without a transport, so tests can call it in-process; `listen()` serves it on 127.0.0.1.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { seededRandom } from '../../core/random.js';
import { serveOnLoopback, type Listening, type PlainRequest, type PlainResponse } from '../http.js';
import { formatBatch, parseBatch, type BatchRequest, type PartResponse } from './batch.js';
import { CODES, DataverseError, badRequest, notFound, notSupported } from './errors.js';
import { entityBySet, entityByName, type ColumnMeta, type EntityMeta } from './metadata.js';
import { parseFetchXml, type AggregateSpec, type FetchQuery, type ReadScope } from './fetchxml.js';
import { columnOf, parseQuery, propertyOf } from './odata.js';
import { BASIC_USER, IV_READER, solutionRoles, type Depth, type RoleDefinition } from './roles.js';
import { fieldPermissionsOf, Security, SYSTEM_ADMINISTRATOR, type Access, type FieldPermission, type SandboxTeam, type SandboxUser } from './security.js';
import { Store, storedValue, type Row, type Value } from './store.js';
import { CREATE_MESSAGE_ID, deliver, remoteExecutionContext, solutionViews, solutionWebhooks, type Delivery, type EndpointRow, type ServiceEndpointDefinition, type StepDefinition } from './webhooks.js';

export const API_PATH = '/api/data/v9.2/';
/** The sandbox's stand-in for Entra's token endpoint, for application users (client credentials). */
export const TOKEN_PATH = '/sandbox/oauth2/v2.0/token';
const MAX_PAGE = 5000;
const MAX_BULK = 1000;
const FORMATTED = 'OData.Community.Display.V1.FormattedValue';

export type EmulatorRequest = PlainRequest;
export type EmulatorResponse = PlainResponse;

/** Dataverse's service protection, on demand: a request-count limit per window (offline.md §5.6). */
export interface ServiceProtection { maxRequests: number; windowSeconds: number }

/** Injected failures: a share of requests answered 429 or 503 before any work, or answered late after the work is done. */
export interface FaultMode {
  share: number;
  kinds: ReadonlyArray<'429' | '503' | 'timeout'>;
  /** How late a 'timeout' answer comes, past the client's timeout. */
  delayMs: number;
  retryAfterSeconds: number;
  seed: number;
}

export interface EmulatorStats { requests: number; byRoute: Record<string, number> }

export interface EmulatorOptions {
  /** DuckDB file, or ':memory:'. */
  database: string;
  users?: readonly SandboxUser[];
  teams?: readonly SandboxTeam[];
  /** The environment's security roles besides the platform's; by default the solution source's roles. */
  roles?: readonly RoleDefinition[];
  /** Roles made in the environment by hand, assigned by id (a look-alike of a product role, in tests). */
  extraRoles?: readonly RoleDefinition[];
  organizationId?: string;
  businessUnitId?: string;
  /** Column security; by default the profiles of the solution source in `solution/src`. */
  fieldPermissions?: readonly FieldPermission[];
  /** Webhook registrations; by default the solution source's service endpoints and steps. */
  webhooks?: { endpoints: ServiceEndpointDefinition[]; steps: StepDefinition[] };
  /** How long a webhook may take to answer (Dataverse: 60 seconds). */
  webhookTimeoutMs?: number;
}

/** The sandbox's teams: inventory controllers get their role through a team, as most companies assign roles. */
export const DEFAULT_TEAMS: SandboxTeam[] = [
  { id: '00000000-0000-0000-0000-00000000b001', name: 'Inventory controllers', roles: [BASIC_USER, 'Inventory Balance Reviewer'] },
];

/** The sandbox's people; every request names one by its bearer token. */
export const DEFAULT_USERS: SandboxUser[] = [
  { id: '00000000-0000-0000-0000-00000000a000', fullname: 'Sam Administrator', domainname: 'admin@sandbox.local',
    roles: [SYSTEM_ADMINISTRATOR, 'Inventory Balance Administrator'] },
  { id: '00000000-0000-0000-0000-00000000a001', fullname: 'Riley Reviewer', domainname: 'reviewer@sandbox.local',
    teams: ['Inventory controllers'], fieldSecurityProfiles: ['Inventory Balance Reviewers'] },
  { id: '00000000-0000-0000-0000-00000000a002', fullname: 'Avery Approver', domainname: 'approver@sandbox.local',
    roles: [BASIC_USER, 'Inventory Balance Approver'], fieldSecurityProfiles: ['Inventory Balance Approvers'] },
  { id: '00000000-0000-0000-0000-00000000a0a1', fullname: '# Inventory Balance reconcile job', domainname: 'ibal-job@sandbox.local',
    roles: [BASIC_USER, 'Inventory Balance Reconcile Job'], application: { clientId: '00000000-0000-0000-0000-0000000c1a01', clientSecret: 'sandbox-job-secret' } },
  { id: '00000000-0000-0000-0000-00000000a0a2', fullname: '# Inventory Balance review service', domainname: 'ibal-review@sandbox.local',
    roles: [BASIC_USER, 'Inventory Balance Review Service', IV_READER], fieldSecurityProfiles: ['Inventory Balance Review Service'],
    application: { clientId: '00000000-0000-0000-0000-0000000c1a02', clientSecret: 'sandbox-review-secret' } },
];

/** The review service's application user (sandbox/start.ts and the tests run the service as it). */
export const SANDBOX_REVIEW_SERVICE_APP = DEFAULT_USERS.find((u) => u.domainname === 'ibal-review@sandbox.local')!.application!;

interface Prefer { representation: boolean; maxPageSize: number | undefined; annotations: string | undefined }

function preferOf(header: string | undefined): Prefer {
  const prefer: Prefer = { representation: false, maxPageSize: undefined, annotations: undefined };
  for (const part of (header ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, rawValue] = part.split('=').map((s) => s.trim());
    const value = rawValue?.replace(/^"|"$/g, '');
    if (name === 'return' && value === 'representation') prefer.representation = true;
    else if (name === 'odata.maxpagesize') {
      const size = Number(value);
      if (!Number.isInteger(size) || size < 1) throw badRequest(`Invalid odata.maxpagesize '${value}'`);
      prefer.maxPageSize = Math.min(size, MAX_PAGE);
    } else if (name === 'odata.include-annotations') prefer.annotations = value;
  }
  return prefer;
}

/** The opaque paging cookie: where the next page starts, bound to the query it belongs to. */
function skipToken(offset: number, query: string): string {
  return Buffer.from(JSON.stringify({ offset, query })).toString('base64url');
}

function offsetOf(token: string, query: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset: number; query: string };
    if (typeof parsed.offset === 'number' && parsed.query === query) return parsed.offset;
  } catch { /* reported below */ }
  throw badRequest('The $skiptoken is not valid for this query: use the @odata.nextLink as it was returned');
}

export class DataverseEmulator {
  private listening: Listening | undefined;
  private baseUrl = 'http://127.0.0.1';
  readonly users: readonly SandboxUser[];
  readonly teams: readonly SandboxTeam[];
  private readonly organizationId: string;
  private readonly businessUnitId: string;
  private protection: ServiceProtection | undefined;
  private recent: number[] = [];
  private faults: FaultMode | undefined;
  private random: () => number = Math.random;
  private readonly security: Security;
  private readonly webhookTimeoutMs: number;
  /** Asynchronous steps run one after another, after the save, like system jobs. */
  private asyncJobs: Promise<void> = Promise.resolve();
  /** Every webhook call made, in order. */
  readonly deliveries: Delivery[] = [];
  stats: EmulatorStats = { requests: 0, byRoute: {} };

  private constructor(readonly store: Store, options: EmulatorOptions) {
    this.users = options.users ?? DEFAULT_USERS;
    this.teams = options.teams ?? DEFAULT_TEAMS;
    this.organizationId = options.organizationId ?? '00000000-0000-0000-0000-0000000000f1';
    this.businessUnitId = options.businessUnitId ?? '00000000-0000-0000-0000-0000000000b1';
    this.security = new Security(options.fieldPermissions ?? fieldPermissionsOf(join('solution', 'src')),
      options.roles ?? solutionRoles(join('solution', 'src')), this.teams, options.extraRoles ?? []);
    this.webhookTimeoutMs = options.webhookTimeoutMs ?? 60000;
  }

  static async open(options: EmulatorOptions): Promise<DataverseEmulator> {
    const emulator = new DataverseEmulator(await Store.open(options.database), options);
    await emulator.store.seedSecurity(emulator.users, emulator.teams, emulator.security);
    await emulator.store.seedWebhooks(options.webhooks ?? solutionWebhooks(join('solution', 'src')));
    await emulator.store.seedViews(solutionViews(join('solution', 'src')));
    return emulator;
  }

  /** Resolves when every asynchronous step queued so far has run. */
  async webhooksSettled(): Promise<void> {
    let current: Promise<void>;
    do { current = this.asyncJobs; await current; } while (current !== this.asyncJobs);
  }

  /** Rows another service keeps in its own Dataverse tables (Inventory Visibility's adjustment lines), by id. */
  async writeServiceRows(table: string, rows: readonly Row[]): Promise<void> {
    const entity = entityByName.get(table);
    if (!entity) throw new Error(`No table ${table} in the emulator`);
    await this.store.exclusive(() => this.store.transaction(async () => {
      const existing = await this.store.findMany(entity, [entity.primaryId], rows.map((r) => [String(r[entity.primaryId])]));
      const inserts = rows.filter((r) => !existing.has(JSON.stringify([String(r[entity.primaryId])])));
      const updates = rows.filter((r) => existing.has(JSON.stringify([String(r[entity.primaryId])])))
        .map((r) => ({ existing: existing.get(JSON.stringify([String(r[entity.primaryId])]))!, changes: r }));
      await this.store.writeMany(entity, inserts, updates, SERVICE_WRITER);
    }));
  }

  /** Serves the emulator on 127.0.0.1 (port 0 picks a free one) and returns its API root URL. */
  async listen(port = 0): Promise<string> {
    this.listening = await serveOnLoopback((request) => this.handle(request), port);
    this.baseUrl = this.listening.origin;
    return `${this.baseUrl}${API_PATH}`;
  }

  /** When another server on 127.0.0.1 forwards to handle(): the origin the links in responses should name. */
  useOrigin(origin: string): void {
    this.baseUrl = origin;
  }

  async close(): Promise<void> {
    await this.listening?.close();
    this.store.close();
  }

  setServiceProtection(protection: ServiceProtection | undefined): void {
    this.protection = protection;
    this.recent = [];
  }

  setFaults(faults: FaultMode | undefined): void {
    this.faults = faults;
    this.random = faults ? seededRandom(faults.seed) : Math.random;
  }

  resetStats(): void {
    this.stats = { requests: 0, byRoute: {} };
  }

  /** A bearer token for a sandbox user (an id or a domain name), as Entra issues one for Dataverse. */
  issueToken(user: string): string {
    return this.security.issueToken(this.user(user));
  }

  private user(wanted: string): SandboxUser {
    const user = this.users.find((u) => u.id === wanted.toLowerCase() || u.domainname === wanted.toLowerCase());
    if (!user) throw new DataverseError(401, '0x80040220', `Unknown sandbox user '${wanted}'`);
    return user;
  }

  /** An application user's token for its client id and secret (the client credentials flow), or undefined. */
  issueApplicationToken(clientId: string, clientSecret: string): string | undefined {
    const user = this.users.find((u) => u.application?.clientId === clientId.toLowerCase() && u.application.clientSecret === clientSecret);
    return user ? this.security.issueToken(user) : undefined;
  }

  /** The user a request acts as: the one its bearer token was issued to. No token, or an unknown one, is a 401. */
  userOf(request: EmulatorRequest): SandboxUser {
    return this.user(this.security.userIdOfToken(request.headers.authorization));
  }

  /** The roles a user holds, directly and through teams (what Dataverse evaluates for them). */
  rolesOf(user: SandboxUser): RoleDefinition[] {
    return this.security.rolesOf(user);
  }

  async handle(request: EmulatorRequest): Promise<EmulatorResponse> {
    if (request.url.split('?')[0] === TOKEN_PATH) return this.clientCredentials(request);
    const route = routeName(request);
    this.stats.requests += 1;
    this.stats.byRoute[route] = (this.stats.byRoute[route] ?? 0) + 1;
    const refused = this.refusal();
    if (refused) return this.json(refused.status, refused.body(), refused.headers);
    const late = this.faults !== undefined && this.faults.kinds.includes('timeout') && this.random() < this.faults.share / this.faults.kinds.length;
    const answer = async (work: () => Promise<EmulatorResponse>) => {
      try {
        return await work();
      } catch (error) {
        if (error instanceof DataverseError) return this.json(error.status, error.body(), error.headers);
        return this.json(500, { error: { code: '0x80040216', message: `Unexpected emulator error: ${(error as Error).message}` } });
      }
    };
    // A create a synchronous webhook checks first is served in steps: the webhook runs between them, and may call back.
    const checked = await this.store.exclusive(() => this.syncStepsFor(request));
    const response = checked.length > 0
      ? await answer(() => this.createWithSyncSteps(request, checked))
      : await this.store.exclusive(() => answer(() => this.route(request)));
    // The work is done and committed; only the answer is late, as when a client gives up waiting.
    if (late) await new Promise((resolve) => setTimeout(resolve, this.faults!.delayMs));
    return response;
  }

  /**
   * Entra's client credentials flow as the sandbox answers it: POST grant_type=client_credentials, client_id,
   * client_secret and scope (form-encoded) → a bearer token for the application user registered with that client id.
   */
  private clientCredentials(request: EmulatorRequest): EmulatorResponse {
    const form = new URLSearchParams(request.body);
    if (request.method.toUpperCase() !== 'POST' || form.get('grant_type') !== 'client_credentials') {
      return this.json(400, { error: 'unsupported_grant_type', error_description: `${TOKEN_PATH} takes POST grant_type=client_credentials` });
    }
    const token = this.issueApplicationToken(form.get('client_id') ?? '', form.get('client_secret') ?? '');
    if (!token) return this.json(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided, or no application user has this client id.' });
    return this.json(200, { token_type: 'Bearer', expires_in: 3599, access_token: token });
  }

  /** A 429 or 503 before any work: service protection first, then injected faults. */
  private refusal(): DataverseError | undefined {
    if (this.protection) {
      const now = Date.now();
      const windowStart = now - this.protection.windowSeconds * 1000;
      this.recent = this.recent.filter((t) => t > windowStart);
      if (this.recent.length >= this.protection.maxRequests) {
        const retryAfter = Math.max(1, Math.ceil((this.recent[0]! - windowStart) / 1000));
        return new DataverseError(429, CODES.requestsLimit,
          `Number of requests exceeded the limit of ${this.protection.maxRequests} over time window of ${this.protection.windowSeconds} seconds.`,
          { 'Retry-After': String(retryAfter) });
      }
      this.recent.push(now);
    }
    if (this.faults) {
      const kinds = this.faults.kinds.filter((k) => k !== 'timeout');
      const roll = this.random();
      const perKind = this.faults.share / this.faults.kinds.length;
      const index = Math.floor(roll / perKind);
      const kind = kinds[index];
      if (roll < perKind * kinds.length && kind === '429') {
        return new DataverseError(429, CODES.requestsLimit, 'Number of requests exceeded the limit of 6000 over time window of 300 seconds. (injected fault)',
          { 'Retry-After': String(this.faults.retryAfterSeconds) });
      }
      if (roll < perKind * kinds.length && kind === '503') {
        return new DataverseError(503, CODES.unavailable, 'The service is temporarily unavailable. (injected fault)');
      }
    }
    return undefined;
  }

  private async route(request: EmulatorRequest): Promise<EmulatorResponse> {
    const url = new URL(request.url, this.baseUrl);
    if (!url.pathname.startsWith(API_PATH)) throw new DataverseError(404, '', `Resource not found for the segment '${url.pathname}'.`);
    const path = decodeURIComponent(url.pathname.slice(API_PATH.length));
    const method = request.method.toUpperCase();
    // Every request runs as its caller: nothing is answered without a valid token.
    const caller = this.userOf(request);
    if (path === 'WhoAmI' && method === 'GET') {
      const user = caller;
      return this.json(200, { '@odata.context': `${this.root()}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
        BusinessUnitId: this.businessUnitId, UserId: user.id, OrganizationId: this.organizationId });
    }
    if (path === '$batch') {
      if (method !== 'POST') throw new DataverseError(405, '', '$batch takes POST');
      return this.batch(request);
    }
    const definitions = /^EntityDefinitions\(LogicalName='([^']+)'\)$/.exec(path);
    if (definitions && method === 'GET') return this.entityDefinition(definitions[1]!);

    const match = /^([A-Za-z0-9_]+)(?:\((.*)\))?(?:\/(Microsoft\.Dynamics\.CRM\.[A-Za-z]+))?$/.exec(path);
    if (!match) throw notSupported(`the path '${path}'`);
    const [, setName, keySegment, action] = match;
    const entity = entityBySet.get(setName!);
    if (!entity) throw new DataverseError(404, '0x80060888', `Resource not found for the segment '${setName}'.`);
    const prefer = preferOf(request.headers.prefer);
    const user = caller;

    if (action !== undefined) {
      if (keySegment !== undefined || method !== 'POST') throw notSupported(`${method} ${action} on a single row`);
      return this.bulk(entity, action.slice('Microsoft.Dynamics.CRM.'.length), request, user);
    }
    if (keySegment === undefined) {
      if (method === 'GET') return this.retrieveMultiple(entity, url, prefer, user);
      if (method === 'POST') return this.create(entity, request, url, prefer, user);
      throw new DataverseError(405, '', `${method} is not allowed on an entity set`);
    }
    const key = this.parseKey(entity, keySegment);
    if (method === 'GET') {
      const depth = this.security.authorize(user, 'Read', entity);
      const row = await this.find(entity, key);
      if (!row) throw notFound(`${entity.logicalName} With ${describeKey(key)} Does Not Exist`);
      this.checkRow(user, 'Read', entity, depth, row);
      const spec = parseQuery(entity, url.searchParams);
      const names = await this.namesFor(entity, [row], prefer);
      return this.json(200, { '@odata.context': `${this.root()}$metadata#${entity.entitySetName}/$entity`, ...this.represent(entity, row, spec.select, prefer, names, user) },
        prefer.annotations ? { 'Preference-Applied': `odata.include-annotations="${prefer.annotations}"` } : {});
    }
    if (method === 'PATCH') return this.upsert(entity, key, request, url, prefer, user);
    if (method === 'DELETE') {
      const depth = this.security.authorize(user, 'Delete', entity);
      const row = await this.find(entity, key);
      if (!row) throw notFound(`${entity.logicalName} With ${describeKey(key)} Does Not Exist`);
      this.checkRow(user, 'Delete', entity, depth, row);
      await this.store.transaction(() => this.store.delete(entity, String(row[entity.primaryId])));
      return this.empty(204);
    }
    throw new DataverseError(405, '', `${method} is not allowed on a single row`);
  }

  /**
   * Runs a $batch: parts in order, each change set in one transaction. Without `Prefer: odata.continue-on-error` the
   * first failure ends the batch, whose status is then that failure's; with it, every part answers for itself.
   */
  private async batch(request: EmulatorRequest): Promise<EmulatorResponse> {
    const items = parseBatch(request.headers['content-type'], request.body);
    const continueOnError = /odata\.continue-on-error/.test(request.headers.prefer ?? '');
    const results: Parameters<typeof formatBatch>[0] = [];
    const run = async (part: BatchRequest, references: Map<string, string>): Promise<PartResponse> => {
      let url = part.url.startsWith('http') ? new URL(part.url).pathname + new URL(part.url).search : part.url;
      // A reference to an earlier part is written "$1", with or without the API path before it.
      const reference = /^\$(\w+)(.*)$/.exec(url.startsWith(API_PATH) ? url.slice(API_PATH.length) : url);
      if (reference) {
        const target = references.get(reference[1]!);
        if (!target) throw badRequest(`Content-ID Reference: '$${reference[1]}' does not exist in the batch context.`);
        url = `${new URL(target).pathname}${reference[2]}`;
      }
      if (!url.startsWith('/')) url = `${API_PATH}${url}`;
      const body = part.body.replace(/"\$(\w+)"/g, (whole, id: string) => (references.has(id) ? JSON.stringify(new URL(references.get(id)!).pathname.replace(API_PATH, '/')) : whole));
      const response = await this.route({ method: part.method, url, headers: { ...request.headers, ...part.headers, 'content-type': part.headers['content-type'] }, body });
      const location = response.headers['OData-EntityId'];
      if (part.contentId && location) references.set(part.contentId, location);
      return { ...response, contentId: part.contentId };
    };
    const failed = (error: unknown, contentId: string | undefined): PartResponse => {
      const e = error instanceof DataverseError ? error : new DataverseError(500, '0x80040216', (error as Error).message);
      return { status: e.status, headers: { 'Content-Type': 'application/json; odata.metadata=minimal', 'OData-Version': '4.0' }, body: JSON.stringify(e.body()), contentId };
    };
    for (const item of items) {
      if (item.kind === 'request') {
        let response: PartResponse;
        try { response = await run(item.request, new Map()); } catch (error) { response = failed(error, item.request.contentId); }
        results.push({ kind: 'request', response });
        if (response.status >= 400 && !continueOnError) return this.batchResponse([{ kind: 'request', response }], response.status);
        continue;
      }
      const references = new Map<string, string>();
      let failure: PartResponse | undefined;
      const responses: PartResponse[] = [];
      try {
        await this.store.transaction(async () => {
          for (const part of item.requests) {
            let response: PartResponse;
            try { response = await run(part, references); } catch (error) { response = failed(error, part.contentId); }
            if (response.status >= 400) { failure = response; throw new Error('change set failed'); }
            responses.push(response);
          }
        });
      } catch {
        // The change set was rolled back: it answers with its failure alone.
      }
      if (failure) {
        results.push({ kind: 'request', response: failure });
        if (!continueOnError) return this.batchResponse([{ kind: 'request', response: failure }], failure.status);
      } else {
        results.push({ kind: 'changeset', responses });
      }
    }
    return this.batchResponse(results, 200);
  }

  private batchResponse(results: Parameters<typeof formatBatch>[0], status: number): EmulatorResponse {
    const formatted = formatBatch(results);
    return { status, headers: { 'Content-Type': formatted.contentType, 'OData-Version': '4.0' }, body: formatted.body };
  }

  private root(): string {
    return `${this.baseUrl}${API_PATH}`;
  }

  private entityDefinition(logicalName: string): EmulatorResponse {
    const entity = entityByName.get(logicalName);
    if (!entity) throw notFound(`Could not find an entity with LogicalName '${logicalName}'`);
    return this.json(200, { '@odata.context': `${this.root()}$metadata#EntityDefinitions(EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,LogicalName)/$entity`,
      LogicalName: entity.logicalName, EntitySetName: entity.entitySetName, PrimaryIdAttribute: entity.primaryId, PrimaryNameAttribute: entity.primaryName });
  }

  /** GET <set>?fetchXml=…: a saved view's query, paged by its page and count attributes. */
  private async retrieveByFetchXml(entity: EntityMeta, url: URL, prefer: Prefer, user: SandboxUser): Promise<EmulatorResponse> {
    const others = [...url.searchParams.keys()].filter((k) => k !== 'fetchXml');
    if (others.length > 0) throw badRequest(`fetchXml cannot be combined with other query options (${others.join(', ')})`);
    const fetch = parseFetchXml(entity, url.searchParams.get('fetchXml')!, this.readScope(user));
    if (fetch.aggregate) return this.aggregateByFetchXml(entity, fetch, fetch.aggregate, prefer, user);
    const { rows, total } = await this.store.query(entity, { ...fetch.spec, count: fetch.returnTotal }, (fetch.page - 1) * fetch.count, fetch.count + 1);
    const page = rows.slice(0, fetch.count);
    const more = rows.length > fetch.count;
    const names = await this.namesFor(entity, page, prefer);
    return this.json(200, {
      '@odata.context': `${this.root()}$metadata#${entity.entitySetName}`,
      ...(total !== undefined ? { '@Microsoft.Dynamics.CRM.totalrecordcount': total, '@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded': false } : {}),
      '@Microsoft.Dynamics.CRM.morerecords': more,
      ...(more ? { '@Microsoft.Dynamics.CRM.fetchxmlpagingcookie': `<cookie pagenumber="${fetch.page + 1}" />` } : {}),
      value: page.map((row) => this.represent(entity, row, fetch.spec.select, prefer, names, user)),
    }, prefer.annotations ? { 'Preference-Applied': `odata.include-annotations="${prefer.annotations}"` } : {});
  }

  /**
   * An aggregate FetchXML query: one object per group with a property per alias, as the Web API returns them; groups
   * of choices and lookups carry formatted values, lookups their table. Secured columns the caller cannot read are
   * refused rather than summed.
   */
  private async aggregateByFetchXml(entity: EntityMeta, fetch: FetchQuery, spec: AggregateSpec, prefer: Prefer, user: SandboxUser): Promise<EmulatorResponse> {
    const unreadable = this.security.unreadable(entity.logicalName, spec.columns.map((c) => c.column.logicalName), user);
    if (unreadable.size > 0) throw new DataverseError(403, '0x8004f508', `You do not have read access to ${[...unreadable].join(', ')} of ${entity.logicalName} (column security)`);
    const rows = await this.store.aggregate(entity, fetch.spec.filter, spec, (fetch.page - 1) * fetch.count, fetch.count + 1);
    const page = rows.slice(0, fetch.count);
    const annotate = prefer.annotations !== undefined;
    const names = new Map<string, string>();
    for (const c of spec.columns.filter((c) => c.groupby && c.column.type.kind === 'lookup')) {
      const target = entityByName.get((c.column.type as { target: string }).target)!;
      const ids = [...new Set(page.map((r) => r[c.alias]).filter((v): v is string => typeof v === 'string'))];
      if (ids.length === 0) continue;
      for (const r of await this.store.all(`SELECT "${target.primaryId}" AS id, "${target.primaryName}" AS name FROM "${target.logicalName}" WHERE "${target.primaryId}" IN (${ids.map(() => '?').join(', ')})`, ids)) {
        names.set(String(r.id), String(r.name ?? ''));
      }
    }
    const value = page.map((row) => {
      const out: Record<string, unknown> = {};
      for (const c of spec.columns) {
        const v = row[c.alias] ?? null;
        out[c.alias] = v;
        if (v === null || !annotate) continue;
        const formatted = c.groupby && !c.dategrouping
          ? (c.column.type.kind === 'lookup' ? names.get(String(v)) : this.formatted(c.column as ColumnMeta, v))
          : typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 })) : undefined;
        if (formatted !== undefined) out[`${c.alias}@${FORMATTED}`] = formatted;
        if (c.groupby && c.column.type.kind === 'lookup') out[`${c.alias}@Microsoft.Dynamics.CRM.lookuplogicalname`] = (c.column.type as { target: string }).target;
      }
      return out;
    });
    return this.json(200, {
      '@odata.context': `${this.root()}$metadata#${entity.entitySetName}`,
      '@Microsoft.Dynamics.CRM.morerecords': rows.length > fetch.count,
      value,
    }, prefer.annotations ? { 'Preference-Applied': `odata.include-annotations="${prefer.annotations}"` } : {});
  }

  private async retrieveMultiple(entity: EntityMeta, url: URL, prefer: Prefer, user: SandboxUser): Promise<EmulatorResponse> {
    if (url.searchParams.has('fetchXml')) return this.retrieveByFetchXml(entity, url, prefer, user);
    const spec = parseQuery(entity, url.searchParams);
    const params = [...(spec.filter?.params ?? [])];
    const scope = this.readScope(user)(entity, params);
    // A caller who reads only their own rows (Basic depth) has their ownership joined to the query's filter.
    if (scope !== undefined) spec.filter = { text: spec.filter ? `(${spec.filter.text}) AND ${scope}` : scope, params };
    const withoutToken = new URLSearchParams(url.searchParams);
    withoutToken.delete('$skiptoken');
    const query = withoutToken.toString();
    const offset = spec.skipToken ? offsetOf(spec.skipToken, query) : 0;
    // "If you include both, $top is ignored" (page-results.md).
    const pageSize = prefer.maxPageSize ?? (spec.top !== undefined ? Math.min(spec.top, MAX_PAGE) : MAX_PAGE);
    const topLimited = prefer.maxPageSize === undefined && spec.top !== undefined;
    const { rows, total } = await this.store.query(entity, spec, offset, pageSize + 1);
    const more = rows.length > pageSize && !topLimited;
    const page = rows.slice(0, pageSize);
    const names = await this.namesFor(entity, page, prefer);
    const body: Record<string, unknown> = {
      '@odata.context': `${this.root()}$metadata#${entity.entitySetName}${spec.select ? `(${spec.select.join(',')})` : ''}`,
      ...(total !== undefined ? { '@odata.count': total } : {}),
      value: page.map((row) => this.represent(entity, row, spec.select, prefer, names, user)),
    };
    if (more) {
      const options = [...withoutToken.entries(), ['$skiptoken', skipToken(offset + pageSize, query)]];
      body['@odata.nextLink'] = `${this.root()}${entity.entitySetName}?${options.map(([k, v]) => `${k}=${encodeURIComponent(v!)}`).join('&')}`;
    }
    const applied = [prefer.maxPageSize !== undefined ? `odata.maxpagesize=${prefer.maxPageSize}` : undefined,
      prefer.annotations ? `odata.include-annotations="${prefer.annotations}"` : undefined].filter(Boolean);
    return this.json(200, body, applied.length > 0 ? { 'Preference-Applied': applied.join(',') } : {});
  }

  private async create(entity: EntityMeta, request: EmulatorRequest, url: URL, prefer: Prefer, user: SandboxUser): Promise<EmulatorResponse> {
    this.security.authorize(user, 'Create', entity);
    // A plain POST with synchronous steps is served by createWithSyncSteps; here only a $batch part could carry one.
    if ((await this.stepsOn(entity, 0)).length > 0) throw notSupported(`creating ${entity.logicalName} inside $batch or by upsert: its synchronous webhook runs on a plain POST only`);
    const values = await this.writtenValues(entity, this.bodyOf(request), 'create', user);
    const row = await this.store.transaction(() => this.store.insert(entity, values, user.id));
    await this.queueAsyncSteps(entity, row, user);
    return this.written(entity, row, url, prefer, 201, user);
  }

  /** The enabled Create steps registered on a table, in the order Dataverse runs them (stage, then rank). */
  private async stepsOn(entity: EntityMeta, mode: 0 | 1): Promise<Array<StepDefinition & { endpoint: EndpointRow & { name: string } }>> {
    const rows = await this.store.all(`SELECT s.*, e.name AS endpointname, e.url, e.authtype, e.authvalue, e.contract FROM sdkmessageprocessingstep s
      JOIN serviceendpoint e ON e.serviceendpointid = s.eventhandler WHERE s.primaryentity = ? AND s.mode = ? AND s.sdkmessageid = ? AND s.statecode = 0
      ORDER BY s.stage, s.rank`, [entity.logicalName, mode, CREATE_MESSAGE_ID]);
    return rows.map((r) => ({ id: String(r.sdkmessageprocessingstepid), name: String(r.name), primaryEntity: entity.logicalName, messageId: CREATE_MESSAGE_ID,
      stage: Number(r.stage), mode, rank: Number(r.rank), eventHandler: String(r.eventhandler),
      endpoint: { name: String(r.endpointname), url: r.url as string | null, authtype: r.authtype as number | null, authvalue: r.authvalue as string | null,
        contract: r.contract as number | null } }));
  }

  /** The synchronous Create steps a request would run: a POST to an entity set that has any. */
  private async syncStepsFor(request: EmulatorRequest): Promise<Awaited<ReturnType<DataverseEmulator['stepsOn']>>> {
    if (request.method.toUpperCase() !== 'POST') return [];
    const path = decodeURIComponent(new URL(request.url, this.baseUrl).pathname.slice(API_PATH.length));
    const entity = entityBySet.get(path);
    return entity ? this.stepsOn(entity, 0) : [];
  }

  /**
   * A create checked by synchronous webhooks: the caller, privileges and values first; then each webhook with the
   * context of the row about to be saved (a refusal saves nothing and answers with the service's message); then the save.
   */
  private async createWithSyncSteps(request: EmulatorRequest, steps: Awaited<ReturnType<DataverseEmulator['stepsOn']>>): Promise<EmulatorResponse> {
    const url = new URL(request.url, this.baseUrl);
    const entity = entityBySet.get(decodeURIComponent(url.pathname.slice(API_PATH.length)))!;
    const prefer = preferOf(request.headers.prefer);
    const { user, values } = await this.store.exclusive(async () => {
      const caller = this.userOf(request);
      this.security.authorize(caller, 'Create', entity);
      return { user: caller, values: await this.writtenValues(entity, this.bodyOf(request), 'create', caller) };
    });
    const id = String(values[entity.primaryId] ?? randomUUID()).toLowerCase();
    for (const step of steps) {
      const context = remoteExecutionContext({ entity, id, values, step, userId: user.id, organizationId: this.organizationId,
        organizationName: 'sandbox', businessUnitId: this.businessUnitId, correlationId: randomUUID() });
      const result = await deliver(step.endpoint, context, this.webhookHeaders(entity, context), this.webhookTimeoutMs);
      this.deliveries.push({ step: step.name, mode: 0, entityId: id, status: result.status, attempts: result.attempts, ...(result.error ? { error: result.error } : {}) });
      if (typeof result.status === 'number' && result.status >= 200 && result.status < 300) continue;
      throw new DataverseError(400, '0x80040265', refusalMessage(step.endpoint.name, result));
    }
    return this.store.exclusive(async () => {
      const row = await this.store.transaction(() => this.store.insert(entity, { ...values, [entity.primaryId]: id }, user.id));
      await this.queueAsyncSteps(entity, row, user);
      return this.written(entity, row, url, prefer, 201, user);
    });
  }

  private webhookHeaders(entity: EntityMeta, context: Record<string, unknown>): Record<string, string> {
    return { 'x-ms-dynamics-organization': new URL(this.baseUrl).host, 'x-ms-dynamics-entity-name': entity.logicalName,
      'x-ms-dynamics-request-name': 'Create', 'x-ms-correlation-request-id': String(context.CorrelationId) };
  }

  /** Queues the asynchronous Create steps of a saved row: they run after the answer, one after another. */
  private async queueAsyncSteps(entity: EntityMeta, row: Row, user: SandboxUser): Promise<void> {
    const steps = await this.stepsOn(entity, 1);
    if (steps.length === 0) return;
    const id = String(row[entity.primaryId]);
    const values = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null));
    for (const step of steps) {
      this.asyncJobs = this.asyncJobs.then(async () => {
        const context = remoteExecutionContext({ entity, id, values, step, userId: user.id, organizationId: this.organizationId,
          organizationName: 'sandbox', businessUnitId: this.businessUnitId, correlationId: randomUUID() });
        // The endpoint as it is when the job runs: an admin may have set its URL since.
        const [endpoint] = await this.store.all('SELECT url, authtype, authvalue, contract FROM serviceendpoint WHERE serviceendpointid = ?', [step.eventHandler]);
        const result = await deliver((endpoint ?? step.endpoint) as unknown as EndpointRow, context, this.webhookHeaders(entity, context), this.webhookTimeoutMs);
        this.deliveries.push({ step: step.name, mode: 1, entityId: id, status: result.status, attempts: result.attempts, ...(result.error ? { error: result.error } : {}) });
      }).catch(() => undefined);
    }
  }

  /** PATCH: update, or create when the key has no row (upsert), with If-Match / If-None-Match as documented. */
  private async upsert(entity: EntityMeta, key: Key, request: EmulatorRequest, url: URL, prefer: Prefer, user: SandboxUser): Promise<EmulatorResponse> {
    const body = this.bodyOf(request);
    const existing = await this.find(entity, key);
    const ifMatch = request.headers['if-match'];
    const ifNoneMatch = request.headers['if-none-match'];
    if (!existing && ifMatch !== undefined) throw notFound(`${entity.logicalName} With ${describeKey(key)} Does Not Exist`);
    if (existing && ifNoneMatch === '*') throw new DataverseError(412, CODES.duplicateKey, 'A record with matching key values already exists.');
    if (existing && ifMatch !== undefined && ifMatch !== '*' && ifMatch !== etagOf(existing)) {
      throw new DataverseError(412, CODES.versionMismatch, "The version of the existing record doesn't match the RowVersion property provided.");
    }
    const depth = this.security.authorize(user, existing ? 'Write' : 'Create', entity);
    if (!existing && (await this.stepsOn(entity, 0)).length > 0) throw notSupported(`creating ${entity.logicalName} by upsert: its synchronous webhook runs on a plain POST only`);
    if (existing) this.checkRow(user, 'Write', entity, depth, existing);
    const values = await this.writtenValues(entity, body, existing ? 'update' : 'create', user);
    const row = await this.store.transaction(async () => {
      if (existing) return this.store.update(entity, String(existing[entity.primaryId]), values, user.id);
      return this.store.insert(entity, { ...values, ...(await this.keyRow(entity, key)) }, user.id);
    });
    return this.written(entity, row, url, prefer, existing ? 200 : 201, user);
  }

  /**
   * The caller's read scope of a table: no read privilege is a 403; at Basic depth only the rows they own (a
   * user-owned table); deeper, all rows (the sandbox has one business unit).
   */
  private readScope(user: SandboxUser): ReadScope {
    return (entity, params) => {
      const depth = this.security.authorize(user, 'Read', entityByName.get(entity.logicalName)!);
      if (depth !== 'Basic' || !entity.userOwned) return undefined;
      params.push(user.id);
      return '"ownerid" = ?';
    };
  }

  /** An operation on one existing row: at Basic depth the caller must own it. */
  private checkRow(user: SandboxUser, access: Access, entity: EntityMeta, depth: Depth, row: Row): void {
    if (entity.userOwned) this.security.checkOwnership(user, access, entity, depth, row.ownerid, String(row[entity.primaryId]));
  }

  private async bulk(entity: EntityMeta, action: string, request: EmulatorRequest, user: SandboxUser): Promise<EmulatorResponse> {
    if (!['CreateMultiple', 'UpdateMultiple', 'UpsertMultiple'].includes(action)) throw notSupported(`the action ${action}`);
    if (action !== 'UpdateMultiple' && ((await this.stepsOn(entity, 0)).length > 0 || (await this.stepsOn(entity, 1)).length > 0)) {
      throw notSupported(`${action} on ${entity.logicalName}, whose creates run webhooks: create its rows one at a time`);
    }
    if (action === 'CreateMultiple') this.security.authorize(user, 'Create', entity);
    const writeDepth = action === 'CreateMultiple' ? undefined : this.security.authorize(user, 'Write', entity);
    const body = this.bodyOf(request);
    const targets = body.Targets;
    if (!Array.isArray(targets) || targets.length === 0) throw badRequest(`${action} needs a non-empty Targets array`);
    if (targets.length > MAX_BULK) throw badRequest(`${action} takes at most ${MAX_BULK} targets; this request has ${targets.length}`);
    const type = `Microsoft.Dynamics.CRM.${entity.logicalName}`;
    // Each target is checked first; then existing rows are found for all keys at once and everything is written in
    // one transaction: standard tables are all-or-nothing (bulk-operations.md).
    const prepared: Array<{ index: number; key: Key | undefined; values: Row; text: string | undefined }> = [];
    for (const [index, target] of targets.entries()) {
      if (target === null || typeof target !== 'object' || Array.isArray(target)) throw badRequest(`Targets[${index}] is not an object`);
      const { '@odata.id': odataId, [entity.primaryId]: primaryId, ...rest } = target as Record<string, unknown>;
      if (rest['@odata.type'] !== type) throw badRequest(`Targets[${index}] needs "@odata.type": "${type}"`);
      let key: Key | undefined;
      if (typeof odataId === 'string') {
        const keyText = /^(?:.*\/)?([A-Za-z0-9_]+)\((.*)\)$/.exec(odataId);
        if (!keyText || keyText[1] !== entity.entitySetName) throw badRequest(`Targets[${index}]: '@odata.id' must be ${entity.entitySetName}(<key>)`);
        key = this.parseKey(entity, keyText[2]!);
      } else if (primaryId !== undefined) {
        key = { id: String(primaryId).toLowerCase() };
      }
      if (action === 'UpdateMultiple' && (key === undefined || !('id' in key))) throw badRequest(`Targets[${index}] needs ${entity.primaryId} for UpdateMultiple`);
      if (action === 'UpsertMultiple' && key === undefined) throw badRequest(`Targets[${index}] needs '@odata.id' or ${entity.primaryId} for UpsertMultiple`);
      prepared.push({ index, key, values: await this.writtenValues(entity, rest, 'update', user, action === 'CreateMultiple' ? 'create' : 'update'), text: key ? JSON.stringify(key) : undefined });
    }
    const existing = new Map<string, Row>();
    for (const kind of new Set(prepared.map((p) => (p.key === undefined ? '' : 'id' in p.key ? entity.primaryId : Object.keys(p.key.values).sort().join()))).values()) {
      if (kind === '') continue;
      const group = prepared.filter((p) => p.key !== undefined && ('id' in p.key ? entity.primaryId : Object.keys(p.key.values).sort().join()) === kind);
      const columns = kind.split(',');
      const found = await this.store.findMany(entity, columns, group.map((p) => columns.map((c) => ('id' in p.key! ? p.key.id : p.key!.values[c] ?? null))));
      for (const p of group) {
        const row = found.get(JSON.stringify(columns.map((c) => ('id' in p.key! ? p.key.id : p.key!.values[c] ?? null))));
        if (row) existing.set(p.text!, row);
      }
    }
    const inserts: Row[] = [];
    const updates: Array<{ existing: Row; changes: Row }> = [];
    const keyRows = new Map<string, Row>();
    const knownTargets = new Set<string>();
    for (const p of prepared) {
      const current = p.text === undefined ? undefined : existing.get(p.text);
      if (action === 'UpdateMultiple' && !current) throw notFound(`${entity.logicalName} With ${describeKey(p.key!)} Does Not Exist`);
      if (action === 'CreateMultiple' && current) throw new DataverseError(412, CODES.duplicateKey, 'A record with matching key values already exists.');
      if (current) {
        this.checkRow(user, 'Write', entity, writeDepth!, current);
        updates.push({ existing: current, changes: p.values });
        continue;
      }
      if (action === 'UpsertMultiple') this.security.authorize(user, 'Create', entity);
      let keyRow: Row = {};
      if (p.key !== undefined) {
        keyRow = keyRows.get(p.text!) ?? await this.keyRow(entity, p.key, knownTargets);
        keyRows.set(p.text!, keyRow);
      }
      inserts.push({ ...this.defaults(entity, p.values), ...p.values, ...keyRow });
    }
    const ids = await this.store.transaction(() => this.store.writeMany(entity, inserts, updates, user.id));
    if (action === 'CreateMultiple') {
      return this.json(200, { '@odata.context': `${this.root()}$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse`, Ids: ids });
    }
    return this.empty(204);
  }

  private async written(entity: EntityMeta, row: Row, url: URL, prefer: Prefer, createdStatus: 200 | 201, user: SandboxUser): Promise<EmulatorResponse> {
    const location = `${this.root()}${entity.entitySetName}(${String(row[entity.primaryId])})`;
    if (prefer.representation) {
      const spec = parseQuery(entity, url.searchParams);
      const names = await this.namesFor(entity, [row], prefer);
      return this.json(createdStatus, { '@odata.context': `${this.root()}$metadata#${entity.entitySetName}/$entity`, ...this.represent(entity, row, spec.select, prefer, names, user) },
        { 'Preference-Applied': 'return=representation' });
    }
    return this.empty(204, { 'OData-EntityId': location });
  }

  /** The body's column values, checked against the metadata; lookups come as `x@odata.bind`. */
  private async writtenValues(entity: EntityMeta, body: Record<string, unknown>, operation: 'create' | 'update', user: SandboxUser,
    securityOperation: 'create' | 'update' = operation): Promise<Row> {
    const values: Row = {};
    for (const [property, value] of Object.entries(body)) {
      if (property === '@odata.type' || property === '@odata.etag') continue;
      const bind = /^(.+)@odata\.bind$/.exec(property);
      if (bind) {
        const column = entity.columns.get(bind[1]!);
        if (!column || column.type.kind !== 'lookup' || column.system) throw badRequest(`An undeclared property '${bind[1]}' which only has property annotations in the payload but no property value was found in the payload.`);
        if (value !== null) {
          // Setting a lookup appends this row to the other: Append here, AppendTo there.
          this.security.authorize(user, 'Append', entity);
          this.security.authorize(user, 'AppendTo', entityByName.get(column.type.target)!);
        }
        values[column.logicalName] = value === null ? null : await this.resolveBind(column, value);
        continue;
      }
      if (property.includes('@')) throw notSupported(`the annotation '${property}' in a payload`);
      if (property === entity.primaryId && operation === 'create' && typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
        // A create may choose the new row's id (a retried create then finds its first attempt: 412 duplicate).
        values[property] = value.toLowerCase();
        continue;
      }
      const column = entity.columns.get(property);
      if (!column) throw badRequest(`The property '${property}' does not exist on type 'Microsoft.Dynamics.CRM.${entity.logicalName}'. Make sure to only use property names that are defined by the type.`);
      if (column.system || column.type.kind === 'lookup') {
        throw badRequest(`The property '${property}' cannot be set on ${operation}${column.type.kind === 'lookup' ? `: use "${property}@odata.bind"` : ''}`);
      }
      values[column.logicalName] = storedValue(entity, column, value);
    }
    this.security.checkWrite(entity.logicalName, Object.keys(values), user, securityOperation);
    return operation === 'create' ? { ...this.defaults(entity, values), ...values } : values;
  }

  /** Dataverse fills a choice or yes/no column's default value on create. */
  private defaults(entity: EntityMeta, values: Row): Row {
    const defaults: Row = {};
    for (const column of entity.columns.values()) {
      if ((column.type.kind === 'choice' || column.type.kind === 'boolean') && values[column.logicalName] === undefined
        && column.type.defaultValue !== undefined) {
        defaults[column.logicalName] = column.type.defaultValue;
      }
    }
    return defaults;
  }

  private async resolveBind(column: ColumnMeta, value: unknown): Promise<string> {
    const target = entityByName.get((column.type as { target: string }).target)!;
    const match = typeof value === 'string' ? /^(?:.*\/)?([A-Za-z0-9_]+)\((.*)\)$/.exec(value) : null;
    if (!match || match[1] !== target.entitySetName) throw badRequest(`'${String(value)}' is not a reference to ${target.entitySetName}(<id or key>)`);
    const row = await this.find(target, this.parseKey(target, match[2]!));
    if (!row) throw notFound(`${target.logicalName} With ${match[2]} Does Not Exist`);
    return String(row[target.primaryId]);
  }

  private bodyOf(request: EmulatorRequest): Record<string, unknown> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.body === '' ? '{}' : request.body);
    } catch (error) {
      throw badRequest(`The request body is not valid JSON: ${(error as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('The request body must be a JSON object');
    return parsed as Record<string, unknown>;
  }

  /** `(guid)` or an alternate key `(a='x',b=1)` that matches one of the table's keys exactly. */
  parseKey(entity: EntityMeta, segment: string): Key {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(segment)) return { id: segment.toLowerCase() };
    const parts: Record<string, Value> = {};
    const pattern = /\s*([A-Za-z0-9_]+)\s*=\s*('(?:[^']|'')*'|[^,]+)\s*(?:,|$)/y;
    let consumed = 0;
    for (let m = pattern.exec(segment); m !== null && consumed < segment.length; m = pattern.exec(segment)) {
      consumed = pattern.lastIndex;
      const [, name, raw] = m;
      const column = entity.columns.get(name!.replace(/^_(.+)_value$/, '$1'));
      if (!column) throw badRequest(`'${name}' is not a column of ${entity.logicalName}`);
      const text = raw!.trim();
      parts[column.logicalName] = text.startsWith("'") ? text.slice(1, -1).replace(/''/g, "'")
        : /^[0-9a-f-]{36}$/i.test(text) ? text.toLowerCase() : Number(text);
    }
    if (consumed !== segment.length || Object.keys(parts).length === 0) throw badRequest(`Invalid key segment '(${segment})'`);
    const names = Object.keys(parts).sort();
    const key = entity.keys.find((k) => [...k.columns].sort().join() === names.join());
    if (!key) {
      throw badRequest(`The key (${names.join(', ')}) is not an alternate key of ${entity.logicalName}; its keys are: ${entity.keys.map((k) => `(${k.columns.join(', ')})`).join(', ') || 'none'}`);
    }
    return { values: parts };
  }

  /** The columns a key sets on a row it creates, checked like written values (a lookup's row must exist). */
  private async keyRow(entity: EntityMeta, key: Key, known: Set<string> = new Set()): Promise<Row> {
    if ('id' in key) return { [entity.primaryId]: key.id };
    const row: Row = {};
    for (const [name, value] of Object.entries(key.values)) {
      const column = entity.columns.get(name)!;
      if (column.type.kind === 'lookup') {
        const target = entityByName.get(column.type.target)!;
        const seen = `${target.logicalName}:${String(value)}`;
        if (typeof value !== 'string' || (!known.has(seen) && !(await this.store.byId(target, value)))) {
          throw notFound(`${target.logicalName} With Id = ${String(value)} Does Not Exist`);
        }
        known.add(seen);
        row[name] = value;
      } else {
        row[name] = storedValue(entity, column, value);
      }
    }
    return row;
  }

  private find(entity: EntityMeta, key: Key): Promise<Row | undefined> {
    return 'id' in key ? this.store.byId(entity, key.id) : this.store.byKey(entity, key.values);
  }

  /** A row as the Web API returns it: etag, key, selected columns (lookups as `_x_value`), and annotations when asked. */
  represent(entity: EntityMeta, row: Row, select: string[] | undefined, prefer: Prefer, names: ReadonlyMap<string, string>, user: SandboxUser): Record<string, unknown> {
    const wanted = select ? [entity.primaryId, ...select.map((s) => columnOf(entity, s).logicalName)] : [...entity.columns.keys()];
    // Secured columns the caller's profiles cannot read come back as null, as Dataverse returns them.
    const unreadable = this.security.unreadable(entity.logicalName, wanted, user);
    const out: Record<string, unknown> = { '@odata.etag': etagOf(row) };
    const annotate = prefer.annotations !== undefined && (prefer.annotations === '*' || prefer.annotations.split(',').some((a) => a.trim() === FORMATTED || a.trim() === 'OData.Community.Display.V1.*'));
    const lookupAnnotations = prefer.annotations !== undefined && (prefer.annotations === '*' || prefer.annotations.includes('Microsoft.Dynamics.CRM'));
    for (const name of wanted) {
      const column = entity.columns.get(name)!;
      const property = propertyOf(column);
      // A webhook's key is written, never read back.
      const value = unreadable.has(name) || (entity.logicalName === 'serviceendpoint' && name === 'authvalue') ? null : row[name] ?? null;
      out[property] = value;
      if (value === null) continue;
      if (annotate) {
        const formatted = column.type.kind === 'lookup' ? names.get(String(value)) : this.formatted(column, value);
        if (formatted !== undefined) out[`${property}@${FORMATTED}`] = formatted;
      }
      if (lookupAnnotations && column.type.kind === 'lookup') {
        out[`${property}@Microsoft.Dynamics.CRM.lookuplogicalname`] = column.type.target;
        out[`${property}@Microsoft.Dynamics.CRM.associatednavigationproperty`] = column.logicalName;
      }
    }
    return out;
  }

  /** Formatted values as an en-US user sees them. */
  private formatted(column: ColumnMeta, value: Value): string | undefined {
    const t = column.type;
    switch (t.kind) {
      case 'choice': return t.choices.find((c) => c.value === value)?.label;
      case 'boolean': return value ? t.trueLabel : t.falseLabel;
      case 'integer': return Number(value).toLocaleString('en-US');
      case 'decimal': return Number(value).toLocaleString('en-US', { minimumFractionDigits: t.precision, maximumFractionDigits: t.precision });
      case 'datetime': {
        const d = new Date(String(value));
        return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${((d.getUTCHours() + 11) % 12) + 1}:${String(d.getUTCMinutes()).padStart(2, '0')} ${d.getUTCHours() < 12 ? 'AM' : 'PM'}`;
      }
      default: return undefined;
    }
  }

  /** Primary names of the rows the lookups in these rows point at, for their formatted values. */
  private async namesFor(entity: EntityMeta, rows: readonly Row[], prefer: Prefer): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    if (prefer.annotations === undefined) return names;
    for (const column of entity.columns.values()) {
      if (column.type.kind !== 'lookup') continue;
      const ids = [...new Set(rows.map((r) => r[column.logicalName]).filter((v): v is string => typeof v === 'string'))];
      if (ids.length === 0) continue;
      const target = entityByName.get(column.type.target)!;
      const found = await this.store.all(`SELECT "${target.primaryId}" AS id, "${target.primaryName}" AS name FROM "${target.logicalName}"
        WHERE "${target.primaryId}" IN (${ids.map(() => '?').join(', ')})`, ids);
      for (const r of found) names.set(String(r.id), String(r.name ?? ''));
    }
    return names;
  }

  private json(status: number, body: unknown, headers: Record<string, string> = {}): EmulatorResponse {
    return { status, headers: { 'Content-Type': 'application/json; odata.metadata=minimal', 'OData-Version': '4.0', ...headers }, body: JSON.stringify(body) };
  }

  private empty(status: number, headers: Record<string, string> = {}): EmulatorResponse {
    return { status, headers: { 'OData-Version': '4.0', ...headers }, body: '' };
  }
}

type Key = { id: string } | { values: Record<string, Value> };

/** Who writes rows another service keeps in Dataverse (its application user). */
const SERVICE_WRITER = '00000000-0000-0000-0000-0000000001f0';

/** What the caller sees when a synchronous webhook refuses: the service's own message where it gave one. */
function refusalMessage(endpoint: string, result: { status: number | string; body: string; error?: string }): string {
  if (typeof result.status !== 'number') return `The webhook '${endpoint}' could not be reached: ${result.error ?? result.status}. Nothing was saved.`;
  try {
    const body = JSON.parse(result.body) as { message?: unknown; error?: { message?: unknown } };
    const message = typeof body.message === 'string' ? body.message : typeof body.error?.message === 'string' ? body.error.message : undefined;
    if (message) return message;
  } catch { /* not JSON: said below */ }
  return `The webhook '${endpoint}' answered ${result.status}${result.body ? `: ${result.body.slice(0, 500)}` : ''}. Nothing was saved.`;
}


/** "POST ibal_discrepancies/UpsertMultiple", "GET ibal_discrepancies", … for the request counts. */
function routeName(request: EmulatorRequest): string {
  const path = new URL(request.url, 'http://x').pathname.replace(API_PATH, '');
  return `${request.method.toUpperCase()} ${decodeURIComponent(path).replace(/\(.*\)/, '(…)').replace('Microsoft.Dynamics.CRM.', '')}`;
}

const etagOf = (row: Row): string => `W/"${String(row.versionnumber)}"`;
const describeKey = (key: Key): string => ('id' in key ? `Id = ${key.id}` : Object.entries(key.values).map(([k, v]) => `${k} = ${String(v)}`).join(', '));

