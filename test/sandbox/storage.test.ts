import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { DataverseEmulator } from '../../sandbox/dataverse/emulator';
import { tokenProviderFor } from '../../job/dataverse/auth';
import { DataverseClient } from '../../job/dataverse/client';
import { DataverseTarget } from '../../job/dataverse/target';
import { reconcile } from '../../job/reconcile';
import { runCli } from '../../job/cli';
import { REVIEW_STATUS } from '../../core/dataverse/tables';
import { Scenario, WMS_HEADER, csv, d365Row, wmsRow } from '../helpers/scenario';

/**
 * What a run stores in Dataverse (README "What a run stores"): by default only the differences that need review,
 * the rest counted on the run and kept in discrepancies.csv; and retention, which removes old runs' rows nobody
 * reviews any more and keeps lines in review, posted lines and their batches.
 */
let emulator: DataverseEmulator;
let api: string;
beforeAll(async () => {
  emulator = await DataverseEmulator.open({ database: ':memory:' });
  api = await emulator.listen();
});
afterAll(async () => { await emulator.close(); });

const asAdmin = () => ({ Authorization: `Bearer ${emulator.issueToken('admin@sandbox.local')}` });
async function call(method: string, path: string, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${api}${path}`, { method, headers: { Accept: 'application/json', 'Content-Type': 'application/json',
    Prefer: 'odata.include-annotations="*"', ...asAdmin() }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : response.json();
}
const client = () => new DataverseClient({ apiUrl: api, token: tokenProviderFor(api), backoffBaseMs: 5 });
const status = (label: string) => REVIEW_STATUS.find((s) => s.label === label)!.value;
const rowsOf = async (runId: string): Promise<Array<Record<string, any>>> => // eslint-disable-line @typescript-eslint/no-explicit-any
  (await call('GET', `ibal_discrepancies?$filter=_ibal_run_value eq ${(await call('GET', `ibal_snapshotruns(ibal_name='${runId}')`)).ibal_snapshotrunid}&$orderby=ibal_item`)).value;

/** A week whose differences are: M (Material, −30 at 10), I (Immaterial, +2 at 10), T (Timing: all of it in flight). */
function week(company: string, asOf: string): Scenario {
  const s = new Scenario().costs({ M: 10, I: 10, T: 10 });
  s.config.company = company;
  (s.config.d365 as Record<string, unknown>).asOf = asOf;
  (s.config.wms as Record<string, unknown>).asOf = asOf;
  s.config.thresholds = [{ name: 'default', quantity: 5 }];
  s.d365([d365Row('M', '11', 100, '1', company), d365Row('I', '11', 100, '1', company), d365Row('T', '11', 100, '1', company)]);
  s.wms([wmsRow('M', 'DAL1', 70), wmsRow('I', 'DAL1', 102), wmsRow('T', 'DAL1', 120)]);
  const wms = s.config.wms as Record<string, { columns: unknown }>;
  (s.config.wms as Record<string, unknown>).inFlight = { path: 'inflight.csv', columns: wms.onHand!.columns };
  s.file('inflight.csv', csv(WMS_HEADER, [wmsRow('T', 'DAL1', 20)]));
  return s;
}

describe('what a run writes to Dataverse', () => {
  it('writes the differences that need review and counts the rest on the run; the CSV keeps every one', async () => {
    const s = week('st1', '2026-11-06T02:00:00Z');
    const { summary } = await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out'), target: new DataverseTarget(client(), api) });
    expect(summary.classifications).toEqual({ Material: 1, Timing: 1, Immaterial: 1, Balanced: 0 });
    expect((await rowsOf(summary.runId)).map((r) => [r.ibal_item, r['ibal_classification@OData.Community.Display.V1.FormattedValue']]))
      .toEqual([['M', 'Material'], ['T', 'Timing']]);
    expect(await call('GET', `ibal_snapshotruns(ibal_name='${summary.runId}')`)).toMatchObject({ ibal_immaterialcount: 1, ibal_notstoredcount: 1 });
    expect(readFileSync(join(s.dir, 'out', 'discrepancies.csv'), 'utf8').split('\n').filter((l) => /^st1,/.test(l)).map((l) => l.split(',')[1]).sort())
      .toEqual(['I', 'M', 'T']);
  });

  it('writes every difference when the admin chooses all', async () => {
    const s = week('st2', '2026-11-06T02:00:00Z');
    const { summary } = await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out'),
      target: new DataverseTarget(client(), api, { discrepancyRows: 'all' }) });
    expect((await rowsOf(summary.runId)).map((r) => r.ibal_item)).toEqual(['I', 'M', 'T']);
    expect(await call('GET', `ibal_snapshotruns(ibal_name='${summary.runId}')`)).toMatchObject({ ibal_notstoredcount: 0 });
  });

  it('keeps writing a line already in review when a re-run finds it Immaterial', async () => {
    const s = week('st3', '2026-11-06T02:00:00Z');
    s.wms([wmsRow('M', 'DAL1', 70), wmsRow('I', 'DAL1', 130), wmsRow('T', 'DAL1', 120)]); // I is Material (+30) at first
    const first = await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out1'), target: new DataverseTarget(client(), api) });
    const i = (await rowsOf(first.summary.runId)).find((r) => r.ibal_item === 'I')!;
    await call('PATCH', `ibal_discrepancies(${i.ibal_discrepancyid})`, { ibal_reviewstatus: status('Count requested') });
    // Finance raises the default limit in the app (the runs use Dataverse's rules): I, +30, is Immaterial now, but
    // someone is counting it.
    const rule = (await call('GET', "ibal_thresholdrules?$filter=ibal_name eq 'default'")).value[0];
    await call('PATCH', `ibal_thresholdrules(${rule.ibal_thresholdruleid})`, { ibal_quantitylimit: 50 });
    delete s.config.thresholds;
    const second = await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out2'), target: new DataverseTarget(client(), api) })
      .finally(() => call('PATCH', `ibal_thresholdrules(${rule.ibal_thresholdruleid})`, { ibal_quantitylimit: 5 }));
    const rows = await rowsOf(second.summary.runId);
    expect(rows.find((r) => r.ibal_item === 'I')).toMatchObject({ ibal_reviewstatus: status('Count requested'),
      'ibal_classification@OData.Community.Display.V1.FormattedValue': 'Immaterial', ibal_rule: 'default' });
  });
});

describe('retention', () => {
  it('removes old runs\u2019 rows nobody reviews, keeps lines in review, posted lines and the latest run, in one request per thousand rows', async () => {
    const company = 'ret1';
    const old = week(company, '2026-08-07T02:00:00Z');
    const oldRun = await reconcile({ configPath: old.writeConfig(), outDir: join(old.dir, 'out'),
      target: new DataverseTarget(client(), api, { discrepancyRows: 'all' }) });
    const rows = await rowsOf(oldRun.summary.runId);
    const id = (item: string) => rows.find((r) => r.ibal_item === item)!.ibal_discrepancyid as string;
    // T is being counted; M was posted in a batch; I was never reviewed.
    await call('PATCH', `ibal_discrepancies(${id('T')})`, { ibal_reviewstatus: status('Count requested') });
    const batch = randomUUID();
    await call('POST', 'ibal_postingbatches', { ibal_postingbatchid: batch, ibal_name: 'B-1' });
    await call('PATCH', `ibal_discrepancies(${id('M')})`, { ibal_reviewstatus: status('New'), 'ibal_postingbatch@odata.bind': `/ibal_postingbatches(${batch})` });
    // Many more untouched rows in the old run, so deleting them one by one would show.
    const extra = Array.from({ length: 1000 }, (_, n) => ({ '@odata.type': 'Microsoft.Dynamics.CRM.ibal_discrepancy', ibal_name: `X${n}`, ibal_company: company,
      ibal_item: `X${n}`, ibal_keyhash: `extra-${n}`, 'ibal_run@odata.bind': `/ibal_snapshotruns(${rows[0]!._ibal_run_value})` }));
    for (let n = 0; n < extra.length; n += 1000) await call('POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: extra.slice(n, n + 1000) });

    const latest = week(company, '2026-11-06T02:00:00Z');
    const latestRun = await reconcile({ configPath: latest.writeConfig(), outDir: join(latest.dir, 'out'),
      target: new DataverseTarget(client(), api, { discrepancyRows: 'all' }) });
    // As a scheduled step would, eight weeks after the old run's snapshot.
    emulator.resetStats();
    const outcome = await new DataverseTarget(client(), api, { retentionWeeks: 8 }).removeOldRows();
    expect(outcome).toMatchObject({ runs: 1, removed: 1001, failed: [] });
    expect(emulator.stats.byRoute['POST $batch']).toBe(2);
    expect((await rowsOf(oldRun.summary.runId)).map((r) => r.ibal_item)).toEqual(['M', 'T']);
    expect((await rowsOf(latestRun.summary.runId)).map((r) => r.ibal_item)).toEqual(['I', 'M', 'T']);
    expect(await call('GET', `ibal_postingbatches(${batch})`)).toMatchObject({ ibal_name: 'B-1' });
  });

  it('runs after a reconcile, and counts rows a lost $batch answer had already removed as removed when the batch is sent again', async () => {
    const company = 'ret2';
    const old = week(company, '2026-08-07T02:00:00Z');
    const oldRun = await reconcile({ configPath: old.writeConfig(), outDir: join(old.dir, 'out'),
      target: new DataverseTarget(client(), api, { discrepancyRows: 'all' }) });
    const latest = week(company, '2026-11-06T02:00:00Z');
    let batches = 0;
    const answerLost: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).endsWith('$batch') && (batches += 1) === 1) throw new Error('socket hang up'); // done, but the answer never came
      return response;
    };
    const said: string[] = [];
    const target = new DataverseTarget(new DataverseClient({ apiUrl: api, token: tokenProviderFor(api), fetch: answerLost, backoffBaseMs: 1 }), api,
      { retentionWeeks: 8, log: (text) => said.push(text) });
    await reconcile({ configPath: latest.writeConfig(), outDir: join(latest.dir, 'out'), target });
    expect(batches).toBe(2);
    expect(said.join('')).toMatch(/^retention \(8 weeks\): \d+ rows of \d+ older runs removed\n$/);
    expect(await rowsOf(oldRun.summary.runId)).toEqual([]);
  });

  it('runs as a scheduled step from the command line, and refuses weeks that are not a whole number', async () => {
    const out: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t) };
    expect(await runCli(['retention', '--target', api, '--weeks', '1.5'], io)).toBe(2);
    expect(out.join('')).toContain("--weeks: retention '1.5' is not a whole number of weeks (0 keeps every row)");
    out.length = 0;
    expect(await runCli(['retention', '--target', api, '--weeks', '8'], io)).toBe(0);
    expect(out.join('')).toMatch(/^\d+ rows of \d+ older runs removed\n$/);
  });
});
