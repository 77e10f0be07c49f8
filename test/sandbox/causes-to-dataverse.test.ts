import { tokenProviderFor } from '../../job/dataverse/auth';
import { join } from 'node:path';
import { CAUSE_INFO, CAUSES } from '../../core/causes';
import { LIKELY_CAUSE } from '../../core/dataverse/tables';
import { DataverseClient } from '../../job/dataverse/client';
import { DataverseTarget } from '../../job/dataverse/target';
import { reconcile } from '../../job/reconcile';
import { DataverseEmulator } from '../../sandbox/dataverse/emulator';
import { Scenario, d365Row, wmsRow } from '../helpers/scenario';

/** Likely causes through the Dataverse target, over HTTP on 127.0.0.1: the columns, the run's findings, and history read back. */
let emulator: DataverseEmulator;
let api: string;
beforeAll(async () => {
  emulator = await DataverseEmulator.open({ database: ':memory:' });
  api = await emulator.listen();
});
afterAll(async () => { await emulator.close(); });

async function get(path: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${api}${path}`, { headers: { Accept: 'application/json', Prefer: 'odata.include-annotations="*"',
    Authorization: `Bearer ${emulator.issueToken('admin@sandbox.local')}` } });
  return response.json();
}
const FORMATTED = '@OData.Community.Display.V1.FormattedValue';

/** One week: STUCK is 9 short every week, three items in DAL1 come in cases the D365 side holds as eaches' count, A balances. */
async function week(day: string): Promise<string> {
  const s = new Scenario().costs({ STUCK: 10, CASED1: 2, CASED2: 2, CASED3: 2, A: 1 });
  s.config.company = 'cause';
  (s.config.d365 as Record<string, unknown>).asOf = `2026-11-${day}T02:00:00Z`;
  (s.config.wms as Record<string, unknown>).asOf = `2026-11-${day}T02:05:00Z`;
  (s.config.mappings as Record<string, unknown>).units = { default: 'ea', conversions: [{ item: '*', from: 'cs', factor: 12 }] };
  s.d365([d365Row('STUCK', '11', 100, '1', 'cause'), d365Row('A', '11', 7, '1', 'cause'),
    ...[1, 2, 3].map((n) => d365Row(`CASED${n}`, '11', 4 + n, '1', 'cause'))]);
  s.wms([wmsRow('STUCK', 'DAL1', 91), wmsRow('A', 'DAL1', 7), ...[1, 2, 3].map((n) => wmsRow(`CASED${n}`, 'DAL1', 4 + n, 'cs'))]);
  const { summary } = await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out'),
    target: new DataverseTarget(new DataverseClient({ apiUrl: api, token: tokenProviderFor(api), backoffBaseMs: 5 }), api) });
  return summary.runId;
}

describe('likely causes in Dataverse', () => {
  it('stores each discrepancy\'s cause as a choice with its evidence, the run\'s systematic findings, and finds a persistent residual from the runs in Dataverse', async () => {
    await week('06');
    await week('13');
    const runId = await week('20');
    const run = await get(`ibal_snapshotruns(ibal_name='${runId}')`);
    const rows = (await get(`ibal_discrepancies?$filter=_ibal_run_value eq ${run.ibal_snapshotrunid}&$orderby=ibal_item`)).value as Array<Record<string, unknown>>;
    const choiceOf = (cause: (typeof CAUSES)[number]) => LIKELY_CAUSE[CAUSES.indexOf(cause)]!.value;

    expect(rows.map((r) => [r.ibal_item, r.ibal_likelycause, r[`ibal_likelycause${FORMATTED}`]])).toEqual([
      ['CASED1', choiceOf('uom-factor'), CAUSE_INFO['uom-factor'].label], ['CASED2', choiceOf('uom-factor'), CAUSE_INFO['uom-factor'].label],
      ['CASED3', choiceOf('uom-factor'), CAUSE_INFO['uom-factor'].label], ['STUCK', choiceOf('persistent'), CAUSE_INFO.persistent.label]]);
    // The earlier runs are named by their run numbers, as Dataverse holds them.
    expect(rows[3]!.ibal_causeevidence).toBe('residual -9 in each of the last 3 runs (cause-20261106T020000Z, cause-20261113T020000Z, this run); '
      + 'Material 3 runs in a row (high confidence)');
    expect(rows[0]!.ibal_causeevidence).toContain(`WMS ${5 * 12} = D365 5 × 12`);

    // 3 items × 11 × (4 + n) units at 2.00.
    const value = [1, 2, 3].reduce((sum, n) => sum + 11 * (4 + n) * 2, 0);
    expect(run.ibal_systematicfindings).toBe(`3 lines in warehouse 11 (facility DAL1) look like a 12× unit error (CS): value ${value.toFixed(2)} `
      + `(net ${value.toFixed(2)}). ${CAUSE_INFO['uom-factor'].check}`);
  });
});
