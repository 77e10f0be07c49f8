import { join } from 'node:path';
import { DataverseEmulator } from '../../sandbox/dataverse/emulator';
import { tokenProviderFor } from '../../job/dataverse/auth';
import { DataverseClient } from '../../job/dataverse/client';
import { DataverseTarget, keyHash } from '../../job/dataverse/target';
import { reconcile } from '../../job/reconcile';
import { runCli } from '../../job/cli';
import { REVIEW_STATUS, RUN_STATUS } from '../../core/dataverse/tables';
import { Scenario, csv, d365Row, D365_V2_HEADER, wmsRow } from '../helpers/scenario';

/** The reconcile job writing to the Dataverse emulator over HTTP on 127.0.0.1 (issue "Sandbox", done-when list). */
let emulator: DataverseEmulator;
let api: string;
beforeAll(async () => {
  emulator = await DataverseEmulator.open({ database: ':memory:' });
  api = await emulator.listen();
});
afterAll(async () => { await emulator.close(); });
afterEach(() => { emulator.setFaults(undefined); emulator.setServiceProtection(undefined); });

const asAdmin = () => ({ Authorization: `Bearer ${emulator.issueToken('admin@sandbox.local')}` });
async function get(path: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${api}${path}`, { headers: { Accept: 'application/json', Prefer: 'odata.include-annotations="*"',
    ...asAdmin() } });
  return response.json();
}
const client = (options: Partial<ConstructorParameters<typeof DataverseClient>[0]> = {}) =>
  new DataverseClient({ apiUrl: api, token: tokenProviderFor(api), backoffBaseMs: 5, ...options });

function week(company: string, d365AsOf: string, wmsQty: Record<string, number>, d365Qty: Record<string, number> = { A: 100, B: 100, C: 100 }): Scenario {
  const s = new Scenario().costs({ A: 10, B: 10, C: 10 });
  s.config.company = company;
  (s.config.d365 as Record<string, unknown>).asOf = d365AsOf;
  (s.config.wms as Record<string, unknown>).asOf = d365AsOf;
  s.d365(Object.entries(d365Qty).map(([item, qty]) => d365Row(item, '11', qty, '1', company)));
  s.wms(Object.entries(wmsQty).map(([item, qty]) => wmsRow(item, 'DAL1', qty)));
  return s;
}
const runRow = (runId: string) => get(`ibal_snapshotruns(ibal_name='${runId}')`);
const discrepanciesOf = async (runGuid: string) => (await get(`ibal_discrepancies?$filter=_ibal_run_value eq ${runGuid}&$orderby=ibal_item`)).value;

describe('the job writes runs and discrepancies to Dataverse', () => {
  it('records the run as Completed with its figures, and each discrepancy once under its key hash', async () => {
    const s = week('w1co', '2026-11-06T02:00:00Z', { A: 90, B: 100, C: 130 });
    const { summary } = await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out'), target: new DataverseTarget(client(), api) });
    const run = await runRow(summary.runId);
    expect(run).toMatchObject({ ibal_runstatus: RUN_STATUS[1]!.value, 'ibal_runstatus@OData.Community.Display.V1.FormattedValue': 'Completed',
      ibal_materialcount: 2, ibal_keyscompared: 3, ibal_balancedcount: 1, ibal_materialabsolutevalue: 400, ibal_materialnetvalue: 200, ibal_islatest: true,
      // The first run puts the config's rules into Dataverse, where finance keeps them from then on.
      ibal_rulesused: 'The config\'s threshold rules, which this run put into Dataverse (Threshold rules):\n• default: quantity 5, percent 10, value 250', ibal_d365linesread: 3, ibal_wmslinesread: 3 });
    const rows = await discrepanciesOf(run.ibal_snapshotrunid);
    expect(rows.map((r: Record<string, unknown>) => [r.ibal_item, r.ibal_residual, r.ibal_valuevariance, r['ibal_classification@OData.Community.Display.V1.FormattedValue'],
      r['ibal_reviewstatus@OData.Community.Display.V1.FormattedValue']])).toEqual([['A', -10, -100, 'Material', 'New'], ['C', 30, 300, 'Material', 'New']]);
    const a = summary.runId && rows[0];
    expect(a.ibal_keyhash).toBe(keyHash({ company: 'w1co', item: 'A', color: '', size: '', style: '', config: '', version: '', site: '1', warehouse: '11',
      location: '', batch: '', serial: '', status: '', owner: '' } as never));
  });

  it('updates a re-run of the same files instead of adding rows, and keeps what reviewers did', async () => {
    const s = week('w2co', '2026-11-06T02:00:00Z', { A: 90, B: 100, C: 130 });
    const first = await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out1'), target: new DataverseTarget(client(), api) });
    const runGuid = (await runRow(first.summary.runId)).ibal_snapshotrunid;
    const [row] = await discrepanciesOf(runGuid);
    await fetch(`${api}ibal_discrepancies(${row.ibal_discrepancyid})`, { method: 'PATCH', headers: { 'Content-Type': 'application/json', ...asAdmin() },
      body: JSON.stringify({ ibal_reviewstatus: REVIEW_STATUS[1]!.value, ibal_comment: 'count bin A-01' }) });
    await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out2'), target: new DataverseTarget(client(), api) });
    const again = await discrepanciesOf(runGuid);
    expect(again).toHaveLength(2);
    expect(again[0]).toMatchObject({ ibal_discrepancyid: row.ibal_discrepancyid, ibal_comment: 'count bin A-01',
      'ibal_reviewstatus@OData.Community.Display.V1.FormattedValue': 'Count requested' });
    expect((await get("ibal_snapshotruns?$filter=ibal_company eq 'w2co'&$count=true"))['@odata.count']).toBe(1);
  });

  it('removes differences a re-run with a corrected mapping no longer finds, unless someone is already reviewing them', async () => {
    // The WMS counts A and B in cases, for which the config has no conversion yet: both lines are rejected.
    const s = week('w7co', '2026-11-06T02:00:00Z', { C: 130 });
    s.wms([wmsRow('A', 'DAL1', 10, 'cs'), wmsRow('B', 'DAL1', 10, 'cs'), wmsRow('C', 'DAL1', 130)]);
    const first = await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out1'), target: new DataverseTarget(client(), api) });
    const runGuid = (await runRow(first.summary.runId)).ibal_snapshotrunid;
    const [a] = await discrepanciesOf(runGuid);
    expect(a).toMatchObject({ ibal_item: 'A', ibal_flags: 'd365-only;incomplete' });
    await fetch(`${api}ibal_discrepancies(${a.ibal_discrepancyid})`, { method: 'PATCH', headers: { 'Content-Type': 'application/json', ...asAdmin() },
      body: JSON.stringify({ ibal_reviewstatus: REVIEW_STATUS[1]!.value }) });
    // The same files, and the missing conversion added: A and B now agree with D365, only C still differs.
    (s.config.mappings as Record<string, unknown>).units = { default: 'ea', conversions: [{ item: '*', from: 'cs', factor: 10 }] };
    const second = await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out2'), target: new DataverseTarget(client(), api) });
    expect((await discrepanciesOf(runGuid)).map((r: { ibal_item: string }) => r.ibal_item)).toEqual(['A', 'C']);
    expect(second.summary.warnings).toContainEqual(expect.stringMatching(/^1 discrepancies of this run are no longer differences but were kept because they are in review: A · 11/));
  });

  it('reads history from the target: the streak grows over weeks and the latest-run flag moves', async () => {
    const weeks = ['2026-11-06', '2026-11-13', '2026-11-20'];
    let last;
    for (const day of weeks) {
      const s = week('w3co', `${day}T02:00:00Z`, { A: 50, B: 100, C: 100 });
      last = await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out'), target: new DataverseTarget(client(), api) });
    }
    const latest = await runRow(last!.summary.runId);
    const [a] = await discrepanciesOf(latest.ibal_snapshotrunid);
    expect(a).toMatchObject({ ibal_item: 'A', ibal_runsunbalanced: 3, ibal_flags: 'audit' });
    expect(last!.summary.trend.map((t) => t.materialCount)).toEqual([1, 1, 1]);
    const flagged = (await get("ibal_snapshotruns?$filter=ibal_company eq 'w3co' and ibal_islatest eq true&$select=ibal_name")).value;
    expect(flagged.map((r: { ibal_name: string }) => r.ibal_name)).toEqual([last!.summary.runId]);
  });

  it('classifies with the active threshold rules kept in Dataverse, and says so on the run', async () => {
    const rule = await fetch(`${api}ibal_thresholdrules`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...asAdmin() },
      body: JSON.stringify({ ibal_name: 'strict warehouse 11', ibal_scopewarehouse: '11', ibal_quantitylimit: 1 }) });
    expect(rule.status).toBe(204);
    try {
      const s = week('w4co', '2026-11-06T02:00:00Z', { A: 98, B: 100, C: 100 });
      // The rules live in Dataverse now (the first run put the config's there): a config that still holds others is refused.
      await expect(reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out-refused'), target: new DataverseTarget(client(), api) }))
        .rejects.toThrow(/thresholds: the config holds threshold rules and Dataverse holds others[\s\S]*strict warehouse 11 \(warehouse 11\): quantity 1/);
      delete (s.config as { thresholds?: unknown }).thresholds;
      const { summary } = await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out'), target: new DataverseTarget(client(), api) });
      expect(summary.rules).toMatchObject({ source: 'target', names: ['default', 'strict warehouse 11'] });
      expect(summary.classifications.Material).toBe(1); // 2 units: immaterial under the default's 5, material under warehouse 11's 1
      expect((await runRow(summary.runId)).ibal_rulesused).toBe('The active threshold rules in Dataverse:\n• default: quantity 5, percent 10, value 250\n• strict warehouse 11 (warehouse 11): quantity 1');
    } finally {
      await fetch(rule.headers.get('OData-EntityId')!, { method: 'DELETE', headers: asAdmin() });
    }
  });

  it('marks the run Failed with the reason when the input is unusable', async () => {
    const s = week('w5co', '2026-11-06T02:00:00Z', { A: 100 });
    (s.config.wms as Record<string, Record<string, unknown>>).onHand!.path = 'missing.csv';
    const configPath = s.writeConfig();
    let stderr = '';
    const code = await runCli(['reconcile', '--config', configPath, '--out', join(s.dir, 'out'), '--target', api, '--quiet'],
      { stdout: () => undefined, stderr: (t) => { stderr += t; } });
    expect(code).toBe(2);
    expect(stderr).toContain('file not found');
    const run = await runRow('w5co-20261106T020000Z');
    expect(run).toMatchObject({ 'ibal_runstatus@OData.Community.Display.V1.FormattedValue': 'Failed', ibal_warnings: expect.stringContaining('missing.csv') });
  });

  it('writes every discrepancy exactly once while a fifth of the requests fail with 429, 503 or time out', async () => {
    const items = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`F${i}`, 100]));
    const s = week('w6co', '2026-11-06T02:00:00Z', Object.fromEntries(Object.keys(items).map((k, i) => [k, 100 + (i % 7) + 1])), items);
    emulator.setFaults({ share: 0.2, kinds: ['429', '503', 'timeout'], delayMs: 2000, retryAfterSeconds: 0, seed: 7 });
    const dataverse = client({ timeoutMs: 1500 });
    const { summary } = await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out'),
      target: new DataverseTarget(dataverse, api, { batchSize: 25, discrepancyRows: 'all' }) });
    emulator.setFaults(undefined);
    expect(dataverse.retries).toBeGreaterThan(0);
    const run = await runRow(summary.runId);
    expect(run['ibal_runstatus@OData.Community.Display.V1.FormattedValue']).toBe('Completed');
    const written = await get(`ibal_discrepancies?$filter=_ibal_run_value eq ${run.ibal_snapshotrunid}&$count=true&$select=ibal_keyhash`);
    expect(written['@odata.count']).toBe(300);
    expect(new Set(written.value.map((r: { ibal_keyhash: string }) => r.ibal_keyhash)).size).toBe(300);
  });

  it('loads 50,000 discrepancies in at most 50 write requests', async () => {
    const s = new Scenario().costs({});
    s.config.company = 'bulk';
    s.file('d365-onhand.csv', csv(D365_V2_HEADER, Array.from({ length: 50000 }, (_, i) => d365Row(`S${i}`, '11', 10, '1', 'bulk'))));
    s.wms([wmsRow('S0', 'DAL1', 9)]); // 1 of 10 short: 10 %, Material like the 49,999 the WMS does not hold
    emulator.resetStats();
    const { summary } = await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out'), target: new DataverseTarget(client(), api) });
    expect(summary.classifications.Material).toBe(50000);
    expect(emulator.stats.byRoute['POST ibal_discrepancies/UpsertMultiple']).toBe(50);
    const run = await runRow(summary.runId);
    expect((await get(`ibal_discrepancies?$filter=_ibal_run_value eq ${run.ibal_snapshotrunid}&$count=true&$top=1`))['@odata.count']).toBe(50000);
  }, 120000);
});
