import { tokenProviderFor } from '../../job/dataverse/auth';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_PATH, DataverseEmulator } from '../../sandbox/dataverse/emulator';
import { serveOnLoopback, type Listening, type PlainRequest } from '../../sandbox/http';
import { DataverseClient } from '../../job/dataverse/client';
import { DataverseTarget } from '../../job/dataverse/target';
import { reconcile } from '../../job/reconcile';
import { REVIEW_STATUS, RUN_STATUS } from '../../core/dataverse/tables';
import { Scenario, csv, d365Row, D365_V2_HEADER, wmsRow } from '../helpers/scenario';

/**
 * Issue 12.9–12.11: a run never lies about itself in Dataverse. The job runs as the built CLI (or in-process where a
 * fault must be placed exactly) against the Dataverse emulator over HTTP on 127.0.0.1, behind a gate that can hold a
 * request, the way a job is caught mid-write when it is killed.
 */
const bin = join(__dirname, '..', '..', 'node_modules', '.bin', 'ibal');
const status = (label: string) => RUN_STATUS.find((s) => s.label === label)!.value;

class Gate {
  private held: Array<() => void> = [];
  private rules: Array<{ match: (r: PlainRequest) => boolean; arrived: () => void }> = [];
  private watches: Array<{ match: (r: PlainRequest) => boolean; answered: () => void }> = [];

  constructor(private readonly emulator: DataverseEmulator) {}

  async listen(): Promise<Listening> {
    return serveOnLoopback(async (request) => {
      const rule = this.rules.find((r) => r.match(request));
      if (rule) {
        this.rules.splice(this.rules.indexOf(rule), 1);
        rule.arrived();
        await new Promise<void>((release) => this.held.push(release));
        return { status: 503, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error: { code: '0x80040216', message: 'held by the test' } }) };
      }
      const watch = this.watches.find((w) => w.match(request));
      const response = await this.emulator.handle(request);
      if (watch) { this.watches.splice(this.watches.indexOf(watch), 1); watch.answered(); }
      return response;
    });
  }

  /** Resolves when a matching request has been answered. */
  answered(match: (request: PlainRequest) => boolean): Promise<void> {
    return new Promise((answered) => this.watches.push({ match, answered }));
  }

  /** Resolves when a matching request arrives; that request gets no answer until release(). */
  hold(match: (request: PlainRequest) => boolean): Promise<void> {
    return new Promise((arrived) => this.rules.push({ match, arrived }));
  }

  release(): void {
    this.held.splice(0).forEach((release) => release());
    this.rules = [];
    this.watches = [];
  }
}

let emulator: DataverseEmulator;
let gate: Gate;
let server: Listening;
let api: string;
beforeAll(async () => {
  emulator = await DataverseEmulator.open({ database: ':memory:' });
  gate = new Gate(emulator);
  server = await gate.listen();
  emulator.useOrigin(server.origin);
  api = `${server.origin}${API_PATH}`;
});
afterEach(() => gate.release());
afterAll(async () => { await server.close(); await emulator.close(); });

/** The test reads and sets up as the sandbox's administrator; the job signs in as its own application user. */
const asAdmin = () => ({ Authorization: `Bearer ${emulator.issueToken('admin@sandbox.local')}` });
async function get(path: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${api}${path}`, { headers: { Accept: 'application/json', Prefer: 'odata.include-annotations="*"', ...asAdmin() } });
  return response.json();
}
async function patch(path: string, body: object): Promise<void> {
  const response = await fetch(`${api}${path}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json', 'If-Match': '*', ...asAdmin() }, body: JSON.stringify(body) });
  expect(response.status).toBe(204);
}
const q = (value: string) => encodeURIComponent(`'${value.replace(/'/g, "''")}'`);
const runRow = async (name: string) => (await get(`ibal_snapshotruns?$filter=ibal_name eq ${q(name)}`)).value[0];
const rowsOf = async (runGuid: string) => (await get(`ibal_discrepancies?$filter=_ibal_run_value eq ${runGuid}&$orderby=ibal_item&$count=true`));
/** A saved view of solution/src, run as FetchXML: the names of the rows it shows of one company, sorted. */
async function view(name: string, company: string): Promise<string[]> {
  const dir = join(__dirname, '..', '..', 'solution', 'src', 'Entities', 'ibal_Discrepancy', 'SavedQueries');
  const file = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).find((t) => t.includes(`<LocalizedName description="${name}"`))!;
  const fetchXml = /<fetch [\s\S]*<\/fetch>/.exec(file)![0].replace('<fetch ', '<fetch count="5000" ');
  const rows = (await get(`ibal_discrepancies?fetchXml=${encodeURIComponent(fetchXml)}`)).value as Array<{ ibal_discrepancyid: string; ibal_name: string }>;
  const ofCompany = new Set(((await get(`ibal_discrepancies?$select=ibal_discrepancyid&$filter=ibal_company eq ${q(company)}`)).value as
    Array<{ ibal_discrepancyid: string }>).map((r) => r.ibal_discrepancyid));
  return rows.filter((r) => ofCompany.has(r.ibal_discrepancyid)).map((r) => r.ibal_name).sort();
}

/** A week of `company`: D365 holds `items` keys of 10 each; the WMS holds `wmsQty` of the first and nothing of the rest. */
function week(company: string, day: string, items: number, wmsQty = 10): Scenario {
  const s = new Scenario().costs({});
  s.config.company = company;
  (s.config.d365 as Record<string, unknown>).asOf = `2026-11-${day}T02:00:00Z`;
  (s.config.wms as Record<string, unknown>).asOf = `2026-11-${day}T02:00:00Z`;
  s.file('d365-onhand.csv', csv(D365_V2_HEADER, Array.from({ length: items }, (_, i) => d365Row(`I${String(i).padStart(4, '0')}`, '11', 10, '1', company))));
  s.wms([wmsRow('I0000', 'DAL1', wmsQty)]);
  return s;
}

interface Child { exited: Promise<{ code: number | null; signal: string | null; stderr: string }>; kill(signal: NodeJS.Signals): void }
function startIbal(s: Scenario, ...more: string[]): Child {
  const child = spawn(bin, ['reconcile', '--config', s.writeConfig(), '--out', join(s.dir, 'out'), '--target', api, '--quiet', ...more]);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return {
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr }))),
    kill: (signal) => child.kill(signal),
  };
}
const upsertMultiple = (r: PlainRequest) => r.method === 'POST' && r.url.includes('UpsertMultiple');

describe('a run that did not finish (issue 12.9)', () => {
  it('a killed job leaves partial rows that no review view shows, and the next job of the company marks the run Failed', async () => {
    const done = week('k1co', '06', 3, 4);
    expect((await startIbal(done).exited).code).toBe(0);

    // Week 13 has 1,500 differences: two UpsertMultiple requests. The first is written, the second held, and the job killed.
    const killed = week('k1co', '13', 1500, 4);
    let upserts = 0;
    const firstWritten = gate.answered(upsertMultiple);
    const secondHeld = gate.hold((r) => upsertMultiple(r) && (upserts += 1) === 2);
    const child = startIbal(killed);
    await Promise.all([firstWritten, secondHeld]);
    child.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');

    const stuck = await runRow('k1co-20261113T020000Z');
    expect(stuck['ibal_runstatus@OData.Community.Display.V1.FormattedValue']).toBe('Running');
    expect((await rowsOf(stuck.ibal_snapshotrunid))['@odata.count']).toBe(1000);
    // The review views show the finished week only: its three Material keys (6 short, and two the WMS does not hold).
    const finished = ['I0000 · 11', 'I0001 · 11', 'I0002 · 11'];
    expect(await view('Material (latest run)', 'k1co')).toEqual(finished);
    expect(await view('All discrepancies', 'k1co')).toEqual(finished);

    // Its lease (15 minutes, renewed while the job lives) has run out: the next run of the company says so.
    await patch(`ibal_snapshotruns(${stuck.ibal_snapshotrunid})`, { ibal_leaseuntil: '2026-11-13T02:30:00Z' });
    const next = week('k1co', '20', 3, 4);
    const after = await startIbal(next).exited;
    expect(after.code).toBe(0);
    expect(after.stderr).toContain('Run k1co-20261113T020000Z had been left Running by a job that stopped; it is now marked Failed');
    const failed = await runRow('k1co-20261113T020000Z');
    expect(failed).toMatchObject({ 'ibal_runstatus@OData.Community.Display.V1.FormattedValue': 'Failed',
      ibal_warnings: expect.stringContaining('The run did not finish: its job (started ') });
    expect((await runRow('k1co-20261120T020000Z')).ibal_islatest).toBe(true);
  });

  it('refuses a run of the same id while its lease lives, and marks the earlier attempt Failed once it has run out', async () => {
    const s = week('k2co', '06', 1500, 4);
    let upserts = 0;
    const held = gate.hold((r) => upsertMultiple(r) && (upserts += 1) === 1);
    const child = startIbal(s);
    await held;
    child.kill('SIGKILL');
    await child.exited;
    gate.release();

    const busy = await startIbal(s).exited;
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain('run k2co-20261106T020000Z is being written by another job');

    const stuck = await runRow('k2co-20261106T020000Z');
    await patch(`ibal_snapshotruns(${stuck.ibal_snapshotrunid})`, { ibal_leaseuntil: '2026-11-06T02:30:00Z' });
    const again = await startIbal(s).exited;
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('An earlier attempt of run k2co-20261106T020000Z (started ');
    const done = await runRow('k2co-20261106T020000Z');
    expect(done['ibal_runstatus@OData.Community.Display.V1.FormattedValue']).toBe('Completed');
    expect((await rowsOf(done.ibal_snapshotrunid))['@odata.count']).toBe(1500);
  });

  it('marks the run Failed when the job is stopped with SIGTERM', async () => {
    const s = week('k3co', '06', 20, 4);
    const held = gate.hold(upsertMultiple);
    const child = startIbal(s);
    await held;
    child.kill('SIGTERM');
    const { code, stderr } = await child.exited;
    expect(code).toBe(143);
    expect(stderr).toContain('stopped by SIGTERM');
    expect(await runRow('k3co-20261106T020000Z')).toMatchObject({ ibal_runstatus: status('Failed'), ibal_warnings: 'The run failed: the job was stopped by SIGTERM' });
  });

  it('marks the run Failed when begin() itself fails after creating the row', async () => {
    const s = week('k4co', '06', 3);
    const refusingRules: typeof fetch = async (input, init) => (String(input).includes('ibal_thresholdrules')
      ? new Response(JSON.stringify({ error: { code: '0x80040220', message: 'threshold rules are not readable' } }), { status: 403 })
      : fetch(input, init));
    const client = new DataverseClient({ apiUrl: api, token: tokenProviderFor(api), fetch: refusingRules, backoffBaseMs: 1 });
    await expect(reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out'), target: new DataverseTarget(client, api) }))
      .rejects.toThrow('threshold rules are not readable');
    expect(await runRow('k4co-20261106T020000Z')).toMatchObject({ ibal_runstatus: status('Failed'), ibal_warnings: expect.stringContaining('threshold rules are not readable') });
  });

  it('takes a retried DELETE of a stale row that answers 404 as done', async () => {
    // The WMS counts I0001 in cases the config cannot convert: its row is a difference until the conversion is added.
    const s = week('k5co', '06', 2);
    s.wms([wmsRow('I0000', 'DAL1', 10), wmsRow('I0001', 'DAL1', 1, 'cs')]);
    const plain = new DataverseClient({ apiUrl: api, token: tokenProviderFor(api), backoffBaseMs: 1 });
    await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out1'), target: new DataverseTarget(plain, api) });
    (s.config.mappings as Record<string, unknown>).units = { default: 'ea', conversions: [{ item: '*', from: 'cs', factor: 10 }] };
    let deletes = 0;
    const answerLost: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === 'DELETE' && (deletes += 1) === 1) throw new Error('socket hang up'); // done, but the answer never came
      return response;
    };
    const client = new DataverseClient({ apiUrl: api, token: tokenProviderFor(api), fetch: answerLost, backoffBaseMs: 1 });
    await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out2'), target: new DataverseTarget(client, api) });
    expect(deletes).toBe(2);
    const run = await runRow('k5co-20261106T020000Z');
    expect(run['ibal_runstatus@OData.Community.Display.V1.FormattedValue']).toBe('Completed');
    expect((await rowsOf(run.ibal_snapshotrunid))['@odata.count']).toBe(0);
  });
});

describe('a run id stays bound to its snapshot files (issue 12.10)', () => {
  it('refuses other files for the same run id, and with --replace keeps the reviewed rows with the old run', async () => {
    const first = week('r1co', '20', 3, 4);
    expect((await startIbal(first).exited).code).toBe(0);
    const original = await runRow('r1co-20261120T020000Z');
    const [reviewed] = (await rowsOf(original.ibal_snapshotrunid)).value;
    await patch(`ibal_discrepancies(${reviewed.ibal_discrepancyid})`, { ibal_reviewstatus: REVIEW_STATUS[1]!.value, ibal_comment: 'count bin A-01' });

    // Another export of the same company and as-of date, e.g. the sample week reconciled into the same environment.
    const other = week('r1co', '20', 5, 9);
    const refused = await startIbal(other).exited;
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('run r1co-20261120T020000Z was already reconciled from other snapshot files');
    expect(await runRow('r1co-20261120T020000Z')).toMatchObject({ ibal_snapshotrunid: original.ibal_snapshotrunid, ibal_runstatus: status('Completed') });
    expect((await rowsOf(original.ibal_snapshotrunid))['@odata.count']).toBe(3);

    const replaced = await startIbal(other, '--replace').exited;
    expect(replaced.code).toBe(0);
    const old = (await get(`ibal_snapshotruns(${original.ibal_snapshotrunid})`));
    expect(old).toMatchObject({ ibal_runstatus: status('Replaced'), ibal_islatest: false, ibal_name: expect.stringMatching(/^r1co-20261120T020000Z \(replaced \d{4}-/) });
    const kept = (await rowsOf(original.ibal_snapshotrunid)).value;
    expect(kept).toHaveLength(3);
    expect(kept.find((r: { ibal_discrepancyid: string }) => r.ibal_discrepancyid === reviewed.ibal_discrepancyid)).toMatchObject({ ibal_comment: 'count bin A-01' });

    const fresh = await runRow('r1co-20261120T020000Z');
    expect(fresh.ibal_snapshotrunid).not.toBe(original.ibal_snapshotrunid);
    expect(fresh).toMatchObject({ ibal_runstatus: status('Completed'), ibal_islatest: true });
    const freshRows = (await rowsOf(fresh.ibal_snapshotrunid)).value;
    expect(freshRows).toHaveLength(5);
    expect(freshRows.every((r: { ibal_reviewstatus: number }) => r.ibal_reviewstatus === REVIEW_STATUS[0]!.value)).toBe(true);
    // The review views show the new snapshot only.
    expect(await view('All discrepancies', 'r1co')).toHaveLength(5);
  });
});

describe('names the job puts into OData queries (issue 12.11)', () => {
  it('reconciles a run id and a company holding quotes, ampersands, hashes and plus signs, and finds their history', async () => {
    const company = "a'b&c+d#e";
    const first = week(company, '06', 2, 4);
    const second = week(company, '13', 2, 4);
    expect((await startIbal(first, '--run-id', "wk 45 a'b & c#1+2%").exited).code).toBe(0);
    const result = await startIbal(second, '--run-id', "wk 46 a'b & c#1+2%").exited;
    expect(result.code).toBe(0);
    const run = await runRow("wk 46 a'b & c#1+2%");
    expect(run).toMatchObject({ ibal_company: company, 'ibal_runstatus@OData.Community.Display.V1.FormattedValue': 'Completed', ibal_islatest: true });
    // I0000 was Material in the first run too: the second found the first through the company filter.
    expect((await rowsOf(run.ibal_snapshotrunid)).value.find((r: { ibal_item: string }) => r.ibal_item === 'I0000')).toMatchObject({ ibal_runsunbalanced: 2 });
  });
});

describe('rules and values from and for Dataverse (issue 12.5, 12.12)', () => {
  it('completes a run whose WMS file holds numbers Dataverse cannot store, rejecting those lines', async () => {
    const s = week('v1co', '06', 2);
    s.wms([wmsRow('I0000', 'DAL1', '99999999999999999999'), wmsRow('I0001', 'DAL1', '1e303'), wmsRow('I0001', 'DAL1', 10)]);
    const { code } = await startIbal(s).exited;
    expect(code).toBe(0);
    const run = await runRow('v1co-20261106T020000Z');
    expect(run).toMatchObject({ 'ibal_runstatus@OData.Community.Display.V1.FormattedValue': 'Completed', ibal_wmslinesrejected: 2, ibal_incompletecount: 2 });
    const rows = (await rowsOf(run.ibal_snapshotrunid)).value as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.ibal_item, r.ibal_wmsqty, r.ibal_flags])).toEqual([['I0000', 0, 'no-cost;d365-only;incomplete'], ['I0001', 10, 'no-cost;incomplete']]);
  });

  it('applies an active threshold rule scoped by item group', async () => {
    // Finance's rules in the app replace what earlier runs seeded.
    for (const existing of (await (await fetch(`${api}ibal_thresholdrules?$select=ibal_name`, { headers: asAdmin() })).json() as { value: Array<{ ibal_thresholdruleid: string }> }).value) {
      await fetch(`${api}ibal_thresholdrules(${existing.ibal_thresholdruleid})`, { method: 'DELETE', headers: asAdmin() });
    }
    const rule = await fetch(`${api}ibal_thresholdrules`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...asAdmin() },
      body: JSON.stringify({ ibal_name: 'audio', ibal_scopeitemgroup: 'AUDIO', ibal_quantitylimit: 1 }) });
    const fallback = await fetch(`${api}ibal_thresholdrules`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...asAdmin() },
      body: JSON.stringify({ ibal_name: 'default', ibal_quantitylimit: 50 }) });
    try {
      const s = week('g1co', '06', 2, 8);
      s.wms([wmsRow('I0000', 'DAL1', 8), wmsRow('I0001', 'DAL1', 8)]);
      (s.config.d365 as Record<string, unknown>).items = { path: 'items.csv', columns: { item: 'ItemNumber', itemGroup: 'ItemGroupId' } };
      s.file('items.csv', csv(['ItemNumber', 'ItemGroupId'], [['I0000', 'AUDIO'], ['I0001', 'VIDEO']]));
      delete (s.config as { thresholds?: unknown }).thresholds;
      expect((await startIbal(s).exited).code).toBe(0);
      const run = await runRow('g1co-20261106T020000Z');
      const rows = (await rowsOf(run.ibal_snapshotrunid)).value as Array<Record<string, unknown>>;
      expect(rows.map((r) => [r.ibal_item, r.ibal_rule, r['ibal_classification@OData.Community.Display.V1.FormattedValue']]))
        .toEqual([['I0000', 'audio', 'Material']]);
      // The Immaterial one needs no review: the run counts it and discrepancies.csv keeps it (README "What a run stores").
      expect(run).toMatchObject({ ibal_immaterialcount: 1, ibal_notstoredcount: 1 });
      expect(readFileSync(join(s.dir, 'out', 'discrepancies.csv'), 'utf8')).toMatch(/I0001,.*,default,/);
    } finally {
      for (const created of [rule, fallback]) await fetch(created.headers.get('OData-EntityId')!, { method: 'DELETE', headers: asAdmin() });
    }
  });
});
