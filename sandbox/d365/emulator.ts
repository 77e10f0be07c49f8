/**
 * A local stand-in for Dynamics 365 finance and operations (DOMAIN.md §2, §7, §7a): the Entra-style token endpoint
 * (client credentials for `<environment>/.default`), OData reads of the on-hand entities it is given and of the
 * journals imported into it (cross-company, service-driven paging), and the data management package actions
 * (ExportToPackage, ImportFromPackage and their status, URL and error actions). Executions take a few seconds of the
 * emulator's clock, which tests advance; nothing happens by wall time. Anything else is answered 501, never guessed.
 * What Microsoft leaves open is decided here and listed in the README.
 */
import { randomUUID } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import {
  DMF_ACTION_PREFIX, JOURNAL_ENTITIES, ODATA_MAX_PAGE_SIZE, TERMINAL_STATUSES, executionEntityBodySchema, executionIdBodySchema,
  exportToPackageBodySchema, importFromPackageBodySchema, writeUrlBodySchema, type ExecutionStatus, type JournalType,
} from '../../core/d365.js';
import { JOURNAL_COLUMNS } from '../../core/d365-journal.js';
import { seededRandom } from '../../core/random.js';
import { serveOnLoopback, type Listening, type PlainRequest, type PlainResponse } from '../http.js';
import { refuseClientCredentials } from '../entra.js';
import type { BlobStandIn } from './blob.js';
import { exportPackage, readImportPackage, type ImportedEntityFile } from './package.js';

export type Row = Record<string, string | number | null>;

/** An export data project: which OData entity set each package entity is read from. */
export interface ExportProject { entities: Array<{ entityName: string; dataEntityName: string; entitySet: string }> }

export interface D365EmulatorOptions {
  blob: BlobStandIn;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** The company OData answers for without cross-company=true. */
  defaultCompany?: string;
  /** Emulator seconds an execution runs before it ends. */
  executionSeconds?: number;
  exportProjects?: Record<string, ExportProject>;
  /** Import data projects and the journal type each takes. */
  importProjects?: Record<string, JournalType>;
  /** Items D365 knows besides those in the on-hand data. */
  items?: readonly string[];
  tokenLifetimeSeconds?: number;
}

export interface D365FaultMode { share: number; kinds: ReadonlyArray<'429' | '500' | '503'>; retryAfterSeconds: number; seed: number }

interface Execution {
  id: string;
  kind: 'export' | 'import';
  definitionGroup: string;
  legalEntity: string;
  startedAt: number;
  endsAt: number;
  /** Decided when the execution ends. */
  status: ExecutionStatus;
  packagePath?: string | undefined;
  exportBytes?: Uint8Array | undefined;
  importEntities?: ImportedEntityFile[] | undefined;
  journalType?: JournalType | undefined;
  failure?: string | undefined;
  errors: Array<{ EntityName: string; LineNumber: number | null; ErrorMessage: string; key?: Record<string, string> }>;
  keysFileAsked: Set<string>;
}

interface Journal { type: JournalType; header: Row; lines: Row[] }

const json = (status: number, body: unknown, headers: Record<string, string> = {}): PlainResponse =>
  ({ status, headers: { 'Content-Type': 'application/json; odata.metadata=minimal', 'OData-Version': '4.0', ...headers }, body: JSON.stringify(body) });
/** F&O's error body: a generic message, the useful one in `innererror`. */
const fnoError = (status: number, message: string, headers: Record<string, string> = {}) =>
  json(status, { error: { code: '', message: 'An error has occurred.', innererror: { message, type: 'System.InvalidOperationException', stacktrace: '' } } }, headers);
const notEmulated = (what: string) => fnoError(501, `${what} is not emulated by the sandbox (it answers only the documented subset the product uses).`);

const ON_HAND_SETS = ['WarehousesOnHandV2', 'WarehouseInventoryOnhandReportLines'];

export class D365FinanceEmulator {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  private readonly blob: BlobStandIn;
  private readonly defaultCompany: string;
  private readonly executionSeconds: number;
  private readonly exportProjects: Record<string, ExportProject>;
  private readonly importProjects: Record<string, JournalType>;
  private readonly extraItems: Set<string>;
  private readonly tokenLifetime: number;
  private nowMs = Date.parse('2026-11-20T02:00:00Z');
  private originValue = 'http://127.0.0.1';
  private readonly tokens = new Map<string, number>();
  private readonly tables = new Map<string, Row[]>();
  private readonly executions = new Map<string, Execution>();
  private readonly journals = new Map<string, Journal>();
  private journalSeq = 0;
  private faults: D365FaultMode | undefined;
  private random: () => number = Math.random;
  private failures: string[] = [];
  private readonly failingItems = new Map<string, string>();
  private listening: Listening | undefined;
  /** Called after an action was handled and before its answer leaves: tests use it to kill a client at that moment. */
  onAction: ((action: string, body: unknown) => void) | undefined;
  readonly stats = { actions: {} as Record<string, number>, odataReads: 0, tokensIssued: 0, faultsInjected: 0 };

  constructor(options: D365EmulatorOptions) {
    this.blob = options.blob;
    this.tenantId = options.tenantId ?? '00000000-0000-0000-0000-0000000d3651';
    this.clientId = options.clientId ?? '00000000-0000-0000-0000-0000000c1d36';
    this.clientSecret = options.clientSecret ?? 'sandbox-d365-secret';
    this.defaultCompany = options.defaultCompany ?? 'usmf';
    this.executionSeconds = options.executionSeconds ?? 5;
    this.exportProjects = options.exportProjects ?? {};
    this.importProjects = options.importProjects ?? {};
    this.extraItems = new Set(options.items ?? []);
    this.tokenLifetime = options.tokenLifetimeSeconds ?? 3600;
  }

  get now(): Date { return new Date(this.nowMs); }
  get origin(): string { return this.originValue; }
  /** The environment URL as clients use it: tokens are for `<origin>/.default`. */
  useOrigin(origin: string): void { this.originValue = origin; }
  setClock(iso: string): void { this.nowMs = Date.parse(iso); }
  advance(seconds: number): void { this.nowMs += seconds * 1000; }

  /** Replaces the rows an OData entity set (and the exports reading it) serves. */
  load(entitySet: string, rows: readonly Row[]): void { this.tables.set(entitySet, [...rows]); }
  setFaults(faults: D365FaultMode | undefined): void {
    this.faults = faults;
    this.random = faults ? seededRandom(faults.seed) : Math.random;
  }
  /** The next executions started end Failed with these messages, one each. */
  failNextExecutions(...messages: string[]): void { this.failures.push(...messages); }
  /** Journal lines for this item fail from staging to target with the message (as a blocked item would). */
  failItem(item: string, message: string | undefined): void { if (message === undefined) this.failingItems.delete(item); else this.failingItems.set(item, message); }

  /** What D365's journal posting does to the journal: it is posted, and its lines can no longer change. */
  postJournal(type: JournalType, company: string, journalNumber: string): void {
    const journal = this.journals.get(this.journalKey(type, company, journalNumber));
    if (!journal) throw new Error(`no ${type} journal ${journalNumber} in ${company}`);
    journal.header.IsPosted = 'Yes';
    journal.header.PostedDateTime = this.now.toISOString();
  }
  /** Posts every open journal, as a recurring posting batch job would; returns how many. */
  postOpenJournals(): number {
    let posted = 0;
    for (const j of this.journals.values()) {
      if (j.header.IsPosted === 'No' && j.lines.length > 0) { this.postJournal(j.type, String(j.header.dataAreaId), String(j.header.JournalNumber)); posted += 1; }
    }
    return posted;
  }
  deleteJournal(type: JournalType, company: string, journalNumber: string): void { this.journals.delete(this.journalKey(type, company, journalNumber)); }
  journalList(): Array<{ type: JournalType; header: Row; lines: Row[] }> { return [...this.journals.values()].map((j) => ({ type: j.type, header: { ...j.header }, lines: j.lines.map((l) => ({ ...l })) })); }

  async listen(port = 0): Promise<string> {
    this.listening = await serveOnLoopback((request) => this.handle(request), port);
    this.useOrigin(this.listening.origin);
    return this.listening.origin;
  }
  async close(): Promise<void> { await this.listening?.close(); }

  async handle(request: PlainRequest): Promise<PlainResponse> {
    const response = await this.route(request);
    return { ...response, headers: { ...response.headers, Date: this.now.toUTCString() } };
  }

  private async route(request: PlainRequest): Promise<PlainResponse> {
    const url = new URL(request.url, 'http://127.0.0.1');
    const method = request.method.toUpperCase();
    if (method === 'POST' && url.pathname === `/${this.tenantId}/oauth2/v2.0/token`) return this.token(request);
    if (!url.pathname.startsWith('/data/')) return fnoError(404, `No resource at ${url.pathname}`);
    const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const expires = bearer === undefined ? undefined : this.tokens.get(bearer);
    if (expires === undefined || expires <= this.nowMs) {
      return { status: 401, headers: { 'WWW-Authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/${this.tenantId}/oauth2/authorize"` }, body: '' };
    }
    const fault = this.pickFault();
    if (fault) {
      this.stats.faultsInjected += 1;
      if (fault === '429') return fnoError(429, 'The request was throttled (injected fault).', { 'Retry-After': String(this.faults!.retryAfterSeconds) });
      return fnoError(Number(fault), 'The service is temporarily unavailable (injected fault).');
    }
    if (method === 'POST' && url.pathname.startsWith(DMF_ACTION_PREFIX)) {
      const action = url.pathname.slice(DMF_ACTION_PREFIX.length);
      let body: unknown;
      try {
        body = JSON.parse(request.body || '{}');
      } catch {
        return fnoError(400, 'The request body is not valid JSON.');
      }
      this.stats.actions[action] = (this.stats.actions[action] ?? 0) + 1;
      const response = await this.action(action, body);
      this.onAction?.(action, body);
      return response;
    }
    if (method === 'GET') return this.read(url, request.headers.prefer);
    return notEmulated(`${method} ${url.pathname}`);
  }

  private pickFault(): D365FaultMode['kinds'][number] | undefined {
    if (!this.faults) return undefined;
    const roll = this.random();
    if (roll >= this.faults.share) return undefined;
    return this.faults.kinds[Math.floor((roll / this.faults.share) * this.faults.kinds.length)];
  }

  private token(request: PlainRequest): PlainResponse {
    const refused = refuseClientCredentials(request, { clientId: this.clientId, clientSecret: this.clientSecret, scope: `${this.originValue}/.default` });
    if (refused) return refused;
    const token = `d365-${randomUUID()}`;
    this.tokens.set(token, this.nowMs + this.tokenLifetime * 1000);
    this.stats.tokensIssued += 1;
    return json(200, { token_type: 'Bearer', expires_in: this.tokenLifetime - 1, ext_expires_in: this.tokenLifetime - 1, access_token: token });
  }

  // ---- OData reads -------------------------------------------------------------------------------------------------

  private read(url: URL, prefer: string | undefined): PlainResponse {
    const set = url.pathname.slice('/data/'.length);
    const known = [...ON_HAND_SETS, ...Object.values(JOURNAL_ENTITIES).flatMap((e) => [e.headerSet, e.lineSet]), ...this.tables.keys()];
    if (!known.includes(set)) return notEmulated(`The entity set '${set}'`);
    const supported = new Set(['cross-company', '$filter', '$select', '$top', '$skiptoken', '$count']);
    const unsupported = [...url.searchParams.keys()].filter((k) => !supported.has(k));
    if (unsupported.length > 0) return notEmulated(`The query option ${unsupported.join(', ')}`);
    this.stats.odataReads += 1;
    let rows = this.rowsOf(set);
    if (url.searchParams.get('cross-company') !== 'true') rows = rows.filter((r) => String(r.dataAreaId).toLowerCase() === this.defaultCompany);
    const filter = url.searchParams.get('$filter');
    if (filter) {
      const conditions = filter.split(/\s+and\s+/i).map((part) => /^\s*(\w+)\s+(eq|ne)\s+('(?:[^']|'')*'|-?\d+(?:\.\d+)?|Microsoft\.Dynamics\.DataEntities\.NoYes'(?:Yes|No)')\s*$/i.exec(part));
      if (conditions.some((c) => c === null)) return notEmulated(`The filter '${filter}' (only field eq/ne literal, joined by and)`);
      for (const [, field, op, literal] of conditions as RegExpExecArray[]) {
        const value = literal!.startsWith("'") ? literal!.slice(1, -1).replace(/''/g, "'") : literal!.replace(/^Microsoft\.Dynamics\.DataEntities\.NoYes'(\w+)'$/, '$1');
        rows = rows.filter((r) => {
          const cell = r[field!];
          const equal = typeof cell === 'number' ? cell === Number(value) : String(cell ?? '').toLowerCase() === value.toLowerCase();
          return op!.toLowerCase() === 'eq' ? equal : !equal;
        });
      }
    }
    const total = rows.length;
    const top = url.searchParams.get('$top');
    if (top !== null) rows = rows.slice(0, Number(top));
    const maxPage = Math.min(ODATA_MAX_PAGE_SIZE, Number(/odata\.maxpagesize=(\d+)/.exec(prefer ?? '')?.[1] ?? ODATA_MAX_PAGE_SIZE));
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
    const page = rows.slice(skip, skip + maxPage);
    const select = url.searchParams.get('$select')?.split(',').map((s) => s.trim());
    const body: Record<string, unknown> = {
      '@odata.context': `${this.originValue}/data/$metadata#${set}`,
      value: page.map((r) => (select ? Object.fromEntries(select.map((f) => [f, r[f] ?? null])) : r)),
    };
    if (url.searchParams.get('$count') === 'true') body['@odata.count'] = total;
    if (skip + maxPage < rows.length) {
      const next = new URL(url.toString());
      next.searchParams.set('$skiptoken', String(skip + maxPage));
      body['@odata.nextLink'] = `${this.originValue}${next.pathname}${next.search}`;
    }
    return json(200, body, maxPage < ODATA_MAX_PAGE_SIZE ? { 'Preference-Applied': `odata.maxpagesize=${maxPage}` } : {});
  }

  private rowsOf(set: string): Row[] {
    for (const [type, e] of Object.entries(JOURNAL_ENTITIES) as Array<[JournalType, (typeof JOURNAL_ENTITIES)[JournalType]]>) {
      if (set === e.headerSet) return [...this.journals.values()].filter((j) => j.type === type).map((j) => j.header);
      if (set === e.lineSet) return [...this.journals.values()].filter((j) => j.type === type).flatMap((j) => j.lines);
    }
    return this.tables.get(set) ?? [];
  }

  // ---- Data management actions -------------------------------------------------------------------------------------

  private async action(action: string, body: unknown): Promise<PlainResponse> {
    const string = (value: string) => json(200, { '@odata.context': `${this.originValue}/data/$metadata#Edm.String`, value });
    const issues = (e: { issues: Array<{ path: PropertyKey[]; message: string }> }) =>
      fnoError(400, `The parameters of ${action} are not valid: ${e.issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`).join('; ')}`);
    switch (action) {
      case 'ExportToPackage': {
        const p = exportToPackageBodySchema.safeParse(body);
        if (!p.success) return issues(p.error);
        const project = this.exportProjects[p.data.definitionGroupId];
        if (!project) return fnoError(400, `Data project '${p.data.definitionGroupId}' was not found; create the export project before calling ExportToPackage.`);
        const id = p.data.executionId || `${p.data.definitionGroupId}-${this.now.toISOString()}`;
        if (this.executions.has(id) && !p.data.reExecute) return fnoError(400, `Execution ID ${id} already exists.`);
        const legalEntity = (p.data.legalEntityId || this.defaultCompany).toLowerCase();
        // The export reads the data as it is when the execution starts: that is the snapshot's as-of.
        const entities = project.entities.map((e) => {
          const rows = this.rowsOf(e.entitySet).filter((r) => r.dataAreaId === undefined || String(r.dataAreaId).toLowerCase() === legalEntity);
          const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
          return { entityName: e.entityName, dataEntityName: e.dataEntityName, columns: columns.map((c) => c.toUpperCase()), rows: rows.map((r) => columns.map((c) => r[c] ?? '')) };
        });
        this.start({ id, kind: 'export', definitionGroup: p.data.definitionGroupId, legalEntity, exportBytes: exportPackage(p.data.definitionGroupId, entities),
          packagePath: `dmf/${id.replace(/[^\w.-]/g, '_')}/${p.data.packageName}` });
        return string(id);
      }
      case 'GetExecutionSummaryStatus': {
        const p = executionIdBodySchema.safeParse(body);
        if (!p.success) return issues(p.error);
        const execution = this.executions.get(p.data.executionId);
        if (!execution) return fnoError(400, `Exception occurred while executing action GetExecutionSummaryStatus on Entity DataManagementDefinitionGroup: Execution details were not found for execution id: ${p.data.executionId}`);
        this.settle(execution);
        return json(200, { '@odata.context': `${this.originValue}/data/$metadata#Microsoft.Dynamics.DataEntities.DMFExecutionSummaryStatus`, value: execution.status });
      }
      case 'GetExportedPackageUrl': {
        const p = executionIdBodySchema.safeParse(body);
        if (!p.success) return issues(p.error);
        const execution = this.executions.get(p.data.executionId);
        if (!execution || execution.kind !== 'export') return fnoError(400, `Execution details were not found for execution id: ${p.data.executionId}`);
        this.settle(execution);
        return string(execution.status === 'Succeeded' ? this.blob.sasUrl(execution.packagePath!, 'r') : '');
      }
      case 'GetAzureWriteUrl': {
        const p = writeUrlBodySchema.safeParse(body);
        if (!p.success) return issues(p.error);
        const blobUrl = this.blob.sasUrl(`dmf/${p.data.uniqueFileName}`, 'rw');
        return string(JSON.stringify({ BlobId: `{${randomUUID().toUpperCase()}}`, BlobUrl: blobUrl }));
      }
      case 'ImportFromPackage': return this.importFromPackage(body);
      case 'GetExecutionErrors': {
        const p = executionIdBodySchema.safeParse(body);
        if (!p.success) return issues(p.error);
        const execution = this.executions.get(p.data.executionId);
        if (!execution) return fnoError(400, `Execution details were not found for execution id: ${p.data.executionId}`);
        this.settle(execution);
        return string(JSON.stringify(execution.errors.map(({ EntityName, LineNumber, ErrorMessage }) => ({ EntityName, LineNumber, ErrorMessage }))));
      }
      case 'GenerateImportTargetErrorKeysFile': case 'GetImportTargetErrorKeysFileUrl': {
        const p = executionEntityBodySchema.safeParse(body);
        if (!p.success) return issues(p.error);
        const execution = this.executions.get(p.data.executionId);
        if (!execution) return fnoError(400, `Execution details were not found for execution id: ${p.data.executionId}`);
        this.settle(execution);
        const keyed = execution.errors.filter((e) => e.EntityName === p.data.entityName && e.key);
        if (action === 'GenerateImportTargetErrorKeysFile') {
          if (keyed.length > 0) execution.keysFileAsked.add(p.data.entityName);
          return json(200, { '@odata.context': `${this.originValue}/data/$metadata#Edm.Boolean`, value: keyed.length > 0 });
        }
        if (!execution.keysFileAsked.has(p.data.entityName) || keyed.length === 0) return string('');
        const columns = Object.keys(keyed[0]!.key!);
        const path = `dmf/${execution.id.replace(/[^\w.-]/g, '_')}/${p.data.entityName}-errorkeys.csv`;
        this.blob.write(path, Buffer.from(stringify([columns, ...keyed.map((e) => columns.map((c) => e.key![c] ?? ''))], { record_delimiter: '\r\n' }), 'utf8'), 'text/csv');
        return string(this.blob.sasUrl(path, 'r'));
      }
      default:
        return notEmulated(`The data management action ${action}`);
    }
  }

  private importFromPackage(body: unknown): PlainResponse {
    const p = importFromPackageBodySchema.safeParse(body);
    if (!p.success) return fnoError(400, `The parameters of ImportFromPackage are not valid: ${p.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ')}`);
    const type = this.importProjects[p.data.definitionGroupId];
    if (!type) return fnoError(400, `Data project '${p.data.definitionGroupId}' was not found or is not an import project.`);
    const id = p.data.executionId || `${p.data.definitionGroupId}-${randomUUID()}`;
    if (this.executions.has(id)) return fnoError(400, `Execution ID ${id} already exists; a package is imported once per execution.`);
    const path = this.blob.pathOf(p.data.packageUrl);
    if (path === undefined) return fnoError(400, `The package URL is not in this environment's storage: ${p.data.packageUrl.split('?')[0]}`);
    const bytes = this.blob.read(path);
    if (!bytes) return fnoError(400, `No package was uploaded to ${p.data.packageUrl.split('?')[0]}.`);
    const entities = JOURNAL_ENTITIES[type];
    const check = readImportPackage(bytes, [entities.headerEntity, entities.lineEntity]);
    if (!check.ok) return fnoError(400, check.message);
    this.start({ id, kind: 'import', definitionGroup: p.data.definitionGroupId, legalEntity: (p.data.legalEntityId || this.defaultCompany).toLowerCase(),
      importEntities: check.entities, journalType: type });
    return json(200, { '@odata.context': `${this.originValue}/data/$metadata#Edm.String`, value: id });
  }

  private start(partial: Pick<Execution, 'id' | 'kind' | 'definitionGroup' | 'legalEntity'> & Partial<Execution>): void {
    const failure = this.failures.shift();
    this.executions.set(partial.id, { status: 'Executing', errors: [], keysFileAsked: new Set(), startedAt: this.nowMs,
      endsAt: this.nowMs + this.executionSeconds * 1000, failure, ...partial });
  }

  /** Ends the execution once its time has come: writes the exported package, or applies the imported journal. */
  private settle(execution: Execution): void {
    if (TERMINAL_STATUSES.includes(execution.status) || this.nowMs < execution.endsAt) return;
    if (execution.failure) {
      execution.status = 'Failed';
      execution.errors.push({ EntityName: execution.importEntities?.[0]?.entityName ?? execution.definitionGroup, LineNumber: null, ErrorMessage: execution.failure });
      return;
    }
    if (execution.kind === 'export') {
      this.blob.write(execution.packagePath!, execution.exportBytes!, 'application/zip', execution.startedAt);
      execution.status = 'Succeeded';
      return;
    }
    const outcome = this.applyJournal(execution);
    execution.status = outcome.applied === 0 ? 'Failed' : outcome.failed > 0 ? 'PartiallySucceeded' : 'Succeeded';
  }

  private journalKey(type: JournalType, company: string, number: string) { return `${type}|${company.toLowerCase()}|${number}`; }

  /** Staging → target: the header rows create (or reuse) journals, the line rows are checked one by one. */
  private applyJournal(execution: Execution): { applied: number; failed: number } {
    const type = execution.journalType!;
    const entities = JOURNAL_ENTITIES[type];
    const columns = JOURNAL_COLUMNS[type];
    const company = execution.legalEntity;
    const error = (entity: string, line: number | null, message: string, key?: Record<string, string>) =>
      execution.errors.push({ EntityName: entity, LineNumber: line, ErrorMessage: message, ...(key ? { key } : {}) });
    // Source → staging: a file whose columns do not match the entity's fields stages nothing (the whole entity fails).
    for (const file of execution.importEntities!) {
      const allowed: readonly string[] = file.entityName === entities.headerEntity ? columns.header : columns.lines;
      const unknown = file.columns.filter((c) => !allowed.includes(c));
      const required = file.entityName === entities.headerEntity ? ['JOURNALNUMBER', 'JOURNALNAMEID'] : ['JOURNALNUMBER', 'LINENUMBER', 'ITEMNUMBER'];
      const missing = required.filter((c) => !file.columns.includes(c));
      if (unknown.length > 0 || missing.length > 0) {
        error(file.entityName, null, `The mapping is incorrect for entity ${file.entityName}: ${[...unknown.map((c) => `'${c}' is not a field of the entity`), ...missing.map((c) => `field '${c}' is required`)].join('; ')}.`);
        return { applied: 0, failed: 1 };
      }
    }
    const numberFor = new Map<string, string>();
    let applied = 0;
    let failed = 0;
    for (const row of execution.importEntities!.find((f) => f.entityName === entities.headerEntity)?.rows ?? []) {
      const existing = this.journals.get(this.journalKey(type, company, row.JOURNALNUMBER!));
      if (existing) {
        if (existing.header.IsPosted === 'Yes') { error(entities.headerEntity, null, `Journal ${row.JOURNALNUMBER} is posted; no lines can be added to it.`); failed += 1; continue; }
        numberFor.set(row.JOURNALNUMBER!, row.JOURNALNUMBER!);
        continue;
      }
      // The file's journal number only groups the lines: D365 numbers the journal from its number sequence.
      this.journalSeq += 1;
      const number = `${type === 'adjustment' ? 'IAJ' : 'ICJ'}-${String(this.journalSeq).padStart(6, '0')}`;
      numberFor.set(row.JOURNALNUMBER!, number);
      this.journals.set(this.journalKey(type, company, number), { type, lines: [], header: {
        dataAreaId: company, JournalNumber: number, JournalNameId: row.JOURNALNAMEID ?? null, Description: row.DESCRIPTION ?? null, IsPosted: 'No', PostedDateTime: '1900-01-01T00:00:00Z',
      } });
      applied += 1;
    }
    const knownItems = new Set([...this.extraItems, ...ON_HAND_SETS.flatMap((s) => (this.tables.get(s) ?? []).map((r) => String(r.ItemNumber)))]);
    const knownWarehouses = new Set(ON_HAND_SETS.flatMap((s) => (this.tables.get(s) ?? []).map((r) => String(r.InventoryWarehouseId ?? r.WarehouseId))));
    for (const row of execution.importEntities!.find((f) => f.entityName === entities.lineEntity)?.rows ?? []) {
      const line = Number(row.LINENUMBER);
      const key = { JOURNALNUMBER: row.JOURNALNUMBER ?? '', LINENUMBER: row.LINENUMBER ?? '', ITEMNUMBER: row.ITEMNUMBER ?? '' };
      const fail = (message: string) => { error(entities.lineEntity, Number.isFinite(line) ? line : null, `Line ${row.LINENUMBER}: ${message}`, key); failed += 1; };
      const number = numberFor.get(row.JOURNALNUMBER!) ?? (this.journals.has(this.journalKey(type, company, row.JOURNALNUMBER!)) ? row.JOURNALNUMBER! : undefined);
      const journal = number === undefined ? undefined : this.journals.get(this.journalKey(type, company, number));
      const quantityField = type === 'adjustment' ? 'INVENTORYQUANTITY' : 'COUNTEDQUANTITY';
      const warehouse = row.INVENTORYWAREHOUSEID ?? row.WAREHOUSEID ?? '';
      if (!journal) fail(`journal ${row.JOURNALNUMBER} does not exist.`);
      else if (journal.header.IsPosted === 'Yes') fail(`journal ${number} is posted.`);
      else if (!Number.isInteger(line) || line <= 0) fail(`'${row.LINENUMBER}' is not a valid line number.`);
      else if (!Number.isFinite(Number(row[quantityField])) || row[quantityField] === '') fail(`'${row[quantityField]}' is not a valid quantity.`);
      else if (!knownItems.has(row.ITEMNUMBER!)) fail(`Item number ${row.ITEMNUMBER} does not exist.`);
      else if (knownWarehouses.size > 0 && !knownWarehouses.has(warehouse)) fail(`Warehouse ${warehouse} does not exist.`);
      else if (this.failingItems.has(row.ITEMNUMBER!)) fail(this.failingItems.get(row.ITEMNUMBER!)!);
      else if (journal.lines.some((l) => l.LineNumber === line)) fail(`Cannot create a record in Inventory journal lines (InventJournalTrans). Journal: ${number}, ${line}. The record already exists.`);
      else {
        journal.lines.push(this.lineRow(type, company, number!, line, row));
        applied += 1;
      }
    }
    return { applied, failed };
  }

  private lineRow(type: JournalType, company: string, journalNumber: string, line: number, row: Record<string, string>): Row {
    const entityField: Record<string, string> = {
      JOURNALNAMEID: 'JournalNameId', ITEMNUMBER: 'ItemNumber', PRODUCTCOLORID: 'ProductColorId', PRODUCTCONFIGURATIONID: 'ProductConfigurationId',
      PRODUCTSIZEID: 'ProductSizeId', PRODUCTSTYLEID: 'ProductStyleId', PRODUCTVERSIONID: 'ProductVersionId', INVENTORYSITEID: 'InventorySiteId',
      INVENTORYWAREHOUSEID: 'InventoryWarehouseId', WAREHOUSEID: 'WarehouseId', WAREHOUSELOCATIONID: 'WarehouseLocationId', ITEMBATCHNUMBER: 'ItemBatchNumber',
      ITEMSERIALNUMBER: 'ItemSerialNumber', INVENTORYSTATUSID: 'InventoryStatusId', INVENTORYOWNERID: 'InventoryOwnerId', LICENSEPLATENUMBER: 'LicensePlateNumber',
      INVENTORYQUANTITY: 'InventoryQuantity', UNITCOST: 'UnitCost', TRANSACTIONDATE: 'TransactionDate', DEFAULTLEDGERDIMENSIONDISPLAYVALUE: 'DefaultLedgerDimensionDisplayValue',
      COUNTEDQUANTITY: 'CountedQuantity', ONHANDQUANTITY: 'OnHandQuantity', COUNTINGDATE: 'CountingDate', COUNTINGREASONCODE: 'CountingReasonCode',
    };
    const numeric = new Set(['InventoryQuantity', 'UnitCost', 'CountedQuantity', 'OnHandQuantity']);
    const out: Row = { dataAreaId: company, JournalNumber: journalNumber, LineNumber: line };
    for (const [column, value] of Object.entries(row)) {
      const field = entityField[column];
      if (field) out[field] = numeric.has(field) ? Number(value || 0) : value;
    }
    if (type === 'counting') out.AdjustmentQuantity = Number(out.CountedQuantity ?? 0) - Number(out.OnHandQuantity ?? 0);
    return out;
  }
}
