import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { CAUSES, CAUSE_INFO, type Cause } from '../../core/causes';
import type { RunSummary } from '../../core/run';
import { seededRandom } from '../../core/random';
import { Scenario, csv } from '../helpers/scenario';

const run = promisify(execFile);
const bin = join(__dirname, '..', '..', 'node_modules', '.bin', 'ibal');

const D365_HEADER = ['dataAreaId', 'ItemNumber', 'InventorySiteId', 'InventoryWarehouseId', 'WMSLocationId', 'InventBatchId', 'InventoryStatusId', 'OnHandQuantity'];
const WMS_HEADER = ['sku', 'facility', 'bin', 'lot', 'status', 'qty', 'uom'];
const WAREHOUSE_OF: Record<string, string> = { DAL1: '11', DAL2: '12' };

/**
 * A week of files at bin level with faults planted on their own items, random noise on many others, and a few real
 * differences; each row is [item, facility, bin, quantity, …].
 */
class Week {
  d365: string[][] = [];
  wms: string[][] = [];
  inFlight: string[][] = [];
  costs = new Map<string, number>();

  onHand(item: string, facility: string, bin: string, qty: number, status = 'Available'): this {
    this.d365.push(['usmf', item, '1', WAREHOUSE_OF[facility]!, bin, '', status, String(qty)]);
    return this;
  }
  counted(item: string, facility: string, bin: string, qty: number, uom = 'EA', status = 'AVAIL'): this {
    this.wms.push([item, facility, bin, '', status, String(qty), uom]);
    return this;
  }
  /** The line the last `counted` call wrote, as rejects.csv and the evidence number it (header = line 1). */
  get lastWmsLine(): number { return this.wms.length + 1; }
  inTransit(item: string, facility: string, bin: string, qty: number, uom = 'EA'): this {
    this.inFlight.push([item, facility, bin, '', 'AVAIL', String(qty), uom]);
    return this;
  }
  cost(item: string, unitCost: number): this { this.costs.set(item, unitCost); return this; }

  async reconcile(s: Scenario, runId: string): Promise<{ rows: Array<Record<string, string>>; summary: RunSummary; stderr: string }> {
    s.file('d365-onhand.csv', csv(D365_HEADER, this.d365)).file('wms.csv', csv(WMS_HEADER, this.wms)).file('wms-inflight.csv', csv(WMS_HEADER, this.inFlight));
    s.file('d365-value.csv', csv(['ItemNumber', 'InventorySiteId', 'InventoryWarehouseId', 'Quantity', 'Amount'],
      [...new Set(this.d365.map((r) => r[1]!))].flatMap((item) => ['11', '12'].map((w) => [item, '1', w, '10', String(10 * (this.costs.get(item) ?? 2))]))));
    const out = join(s.dir, runId);
    const { stderr } = await run(bin, ['reconcile', '--config', s.writeConfig(), '--out', out, '--run-id', runId]);
    return {
      rows: parse(readFileSync(join(out, 'discrepancies.csv')), { columns: true }) as Array<Record<string, string>>,
      summary: JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunSummary,
      stderr,
    };
  }
}

function binLevelScenario(): Scenario {
  const s = new Scenario();
  s.config.compareLevel = ['site', 'warehouse', 'location', 'batch', 'status'];
  (s.config.d365 as Record<string, unknown>).onHand = { path: 'd365-onhand.csv', columns: { company: 'dataAreaId', item: 'ItemNumber',
    site: 'InventorySiteId', warehouse: 'InventoryWarehouseId', location: 'WMSLocationId', batch: 'InventBatchId', status: 'InventoryStatusId', quantity: 'OnHandQuantity' } };
  (s.config.wms as Record<string, unknown>).inFlight = { path: 'wms-inflight.csv', columns: { item: 'sku', facility: 'facility', location: 'bin', batch: 'lot',
    status: 'status', quantity: 'qty', unit: 'uom' } };
  (s.config.mappings as Record<string, unknown>).statuses = { AVAIL: 'Available', HOLD: 'Blocked' };
  (s.config.mappings as Record<string, unknown>).units = { default: 'ea', conversions: [{ item: '*', from: 'cs', factor: 12 }, { item: '*', from: 'pk', factor: 6 }] };
  return s;
}

describe('ibal reconcile: likely causes of planted faults', () => {
  it('names every planted cause with its evidence, and none on the noise or the real differences', async () => {
    const s = binLevelScenario();
    // Two earlier weeks in which STUCK was 9 short, as it is again this week.
    for (const runId of ['w1', 'w2']) {
      await new Week().onHand('STUCK', 'DAL1', 'S-01', 300).counted('STUCK', 'DAL1', 'S-01', 291).onHand('OK', 'DAL1', 'O-01', 5).counted('OK', 'DAL1', 'O-01', 5)
        .reconcile(s, runId);
    }

    const week = new Week();
    const planted = new Map<string, Cause>();
    const plant = (cause: Cause, ...keys: string[]) => keys.forEach((k) => planted.set(k, cause));
    // uom-factor: four items in DAL2 counted in cases by the WMS and kept as eaches' worth of cases in D365.
    for (const n of [1, 2, 3, 4]) week.onHand(`CASED${n}`, 'DAL2', 'C-01', 10 + n).counted(`CASED${n}`, 'DAL2', 'C-01', 10 + n, 'CS');
    plant('uom-factor', 'CASED1|C-01', 'CASED2|C-01', 'CASED3|C-01', 'CASED4|C-01');
    // uom-factor on one line: 5 cases entered as eaches beside 200 eaches (D365 has 200 + 60).
    week.onHand('MIXED', 'DAL1', 'M-01', 260).counted('MIXED', 'DAL1', 'M-01', 200).counted('MIXED', 'DAL1', 'M-01', 5);
    const mixedLine = week.lastWmsLine;
    plant('uom-factor', 'MIXED|M-01');
    // bin-move: 15 moved from; status move: 5 put on hold.
    week.onHand('MOVED', 'DAL1', 'A-01', 60).counted('MOVED', 'DAL1', 'A-01', 45).counted('MOVED', 'DAL1', 'A-02', 15);
    week.onHand('HELD', 'DAL1', 'H-01', 40).counted('HELD', 'DAL1', 'H-01', 35).counted('HELD', 'DAL1', 'H-01', 5, 'EA', 'HOLD');
    plant('bin-move', 'MOVED|A-01', 'MOVED|A-02', 'HELD|H-01');
    // duplicate-line: the WMS export repeats a line; and an in-flight receipt D365 already has.
    week.onHand('TWICE', 'DAL1', 'B-01', 60).counted('TWICE', 'DAL1', 'B-01', 48).counted('TWICE', 'DAL1', 'B-01', 12, 'EA');
    const firstTwice = week.lastWmsLine;
    week.counted('TWICE', 'DAL1', 'B-01', 12, 'EA');
    week.onHand('POSTED', 'DAL1', 'P-01', 130).counted('POSTED', 'DAL1', 'P-01', 130).inTransit('POSTED', 'DAL1', 'P-01', 30);
    plant('duplicate-line', 'TWICE|B-01', 'POSTED|P-01');
    // missing-line: 30 in flight, and a second 30 neither D365 nor the in-flight list has.
    week.onHand('LOST', 'DAL1', 'L-01', 72).counted('LOST', 'DAL1', 'L-01', 132).inTransit('LOST', 'DAL1', 'L-01', 5, 'PK');
    plant('missing-line', 'LOST|L-01');
    week.onHand('FLIP', 'DAL1', 'F-01', -30).counted('FLIP', 'DAL1', 'F-01', 30);
    plant('sign-flip', 'FLIP|F-01');
    week.onHand('PARTIAL', 'DAL1', 'R-01', 500).counted('PARTIAL', 'DAL1', 'R-01', 541).inTransit('PARTIAL', 'DAL1', 'R-01', 40).cost('PARTIAL', 1);
    plant('in-flight-partial', 'PARTIAL|R-01');
    week.onHand('STUCK', 'DAL1', 'S-01', 300).counted('STUCK', 'DAL1', 'S-01', 291);
    plant('persistent', 'STUCK|S-01');
    week.onHand('SHORT', 'DAL1', 'N-01', -6).counted('SHORT', 'DAL1', 'N-01', 20);
    plant('negative-on-hand', 'SHORT|N-01');

    // Noise: small random differences of one-line keys of other items (quantities ≥ 24, |noise| ≤ 15), and
    // real differences without a pattern.
    const random = seededRandom(1818);
    const noise: string[] = [];
    for (let i = 0; i < 200; i += 1) {
      const qty = 24 + Math.floor(random() * 700);
      const delta = (random() < 0.5 ? -1 : 1) * (1 + Math.floor(random() * 15));
      const facility = random() < 0.5 ? 'DAL1' : 'DAL2';
      week.onHand(`N${i}`, facility, 'X-01', qty).counted(`N${i}`, facility, 'X-01', qty + delta);
      noise.push(`N${i}|X-01`);
    }
    week.onHand('REAL1', 'DAL1', 'R-01', 137).counted('REAL1', 'DAL1', 'R-01', 100);
    week.onHand('REAL2', 'DAL2', 'R-01', 40).counted('REAL2', 'DAL2', 'R-01', 71);
    for (let i = 0; i < 50; i += 1) week.onHand(`BAL${i}`, 'DAL1', 'Z-01', 12 * (i + 1)).counted(`BAL${i}`, 'DAL1', 'Z-01', i + 1, 'CS');

    const { rows, summary, stderr } = await week.reconcile(s, 'w3');
    const causeOf = (id: string) => {
      const [item, location] = id.split('|');
      return rows.filter((r) => r.item === item && r.location === location && r.status === 'Available').map((r) => r.likelyCause);
    };
    for (const [id, cause] of planted) expect([id, causeOf(id)]).toEqual([id, [cause]]);
    // The held units are a WMS-only key with status Blocked, paired with the Available one.
    expect(rows.find((r) => r.item === 'HELD' && r.status === 'Blocked')?.likelyCause).toBe('bin-move');
    expect(noise.filter((id) => causeOf(id)[0] !== '').map((id) => [id, causeOf(id)])).toEqual([]);
    expect([causeOf('REAL1|R-01'), causeOf('REAL2|R-01')]).toEqual([[''], ['']]);
    expect(new Set(planted.values())).toEqual(new Set(CAUSES));

    // Evidence names the figures and the lines.
    const row = (item: string) => rows.find((r) => r.item === item)!;
    expect(row('CASED1').causeEvidence).toContain(`WMS ${11 * 12} = D365 11 × 12 (1 CS = 12 EA for all items)`);
    expect(row('MIXED').causeEvidence).toContain(`wms.csv line ${mixedLine} (5 EA, DAL1 · bin M-01 · status AVAIL) read as CS`);
    expect(row('TWICE').causeEvidence).toContain(`wms.csv lines ${firstTwice} and ${firstTwice + 1} are the same line (12 EA, DAL1 · bin B-01 · status AVAIL)`);
    expect(row('LOST').causeEvidence).toContain('the residual +30 equals wms-inflight.csv line 3 (5 PK in flight, DAL1 · bin L-01 · status AVAIL)');
    expect(row('STUCK').causeEvidence).toContain('residual -9 in each of the last 3 runs (w1, w2, this run)');

    // run.json: lines and value per cause, adding up to every row of discrepancies.csv.
    const valueOf = (cause: string) => Math.round(rows.filter((r) => r.likelyCause === cause).reduce((sum, r) => sum + Math.abs(Number(r.valueVariance)), 0) * 100) / 100;
    expect(summary.causes.byCause['uom-factor']).toMatchObject({ lines: 5, absoluteValue: valueOf('uom-factor') });
    expect(summary.causes.byCause['bin-move'].lines).toBe(4);
    expect(summary.causes.byCause['duplicate-line'].lines).toBe(2);
    for (const cause of ['missing-line', 'sign-flip', 'in-flight-partial', 'persistent', 'negative-on-hand'] as const) {
      expect([cause, summary.causes.byCause[cause].lines]).toEqual([cause, 1]);
    }
    expect(Object.values(summary.causes.byCause).reduce((n, t) => n + t.lines, 0) + summary.causes.withoutCause.lines).toBe(rows.length);

    // The four unit errors in DAL2 are one systematic finding, and the command says so.
    // Each: 12 × (10 + n) − (10 + n) = 11 × (10 + n) units at 2.00.
    const casedValue = [1, 2, 3, 4].reduce((sum, n) => sum + 11 * (10 + n) * 2, 0);
    const unitFinding = summary.causes.systematic.find((f) => f.cause === 'uom-factor');
    expect(unitFinding).toMatchObject({ scope: { kind: 'warehouse', warehouse: '12' }, lines: 4, absoluteValue: casedValue });
    expect(unitFinding!.text).toBe(`4 lines in warehouse 12 (facility DAL2) look like a 12× unit error (CS): value ${casedValue.toFixed(2)} (net ${casedValue.toFixed(2)})`);
    expect(unitFinding!.check).toBe(CAUSE_INFO['uom-factor'].check);
    expect(stderr).toContain(`systematic: ${unitFinding!.text}`);
  });
});

describe('history kept before likely causes', () => {
  it('keeps working: the old runs count for the audit streak but, having no residuals, never for a persistent residual', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const s = binLevelScenario();
    const history = join(s.dir, 'old-history.duckdb');
    // The history file as the job wrote it before: material keys without residuals.
    const instance = await DuckDBInstance.create(history);
    const connection = await instance.connect();
    await connection.run(`CREATE TABLE runs (run_id VARCHAR PRIMARY KEY, seq INTEGER NOT NULL, company VARCHAR NOT NULL, d365_as_of VARCHAR, wms_as_of VARCHAR,
      finished_on VARCHAR, keys_compared INTEGER, material_count INTEGER, material_absolute_value DOUBLE, material_net_value DOUBLE, timing_count INTEGER, immaterial_count INTEGER)`);
    await connection.run('CREATE TABLE material_keys (run_id VARCHAR NOT NULL, key VARCHAR NOT NULL, runs_unbalanced INTEGER NOT NULL)');
    const stuck = ['usmf', 'STUCK', '', '', '', '', '', '1', '11', 'S-01', '', '', 'Available', ''].join('\u001f');
    for (const [seq, runId] of [[1, 'old1'], [2, 'old2']] as const) {
      await connection.run(`INSERT INTO runs VALUES ('${runId}', ${seq}, 'usmf', '2026-11-0${seq}T02:00:00Z', '2026-11-0${seq}T02:05:00Z', '', 2, 1, 90, -90, 0, 0)`);
      await connection.run(`INSERT INTO material_keys VALUES ('${runId}', '${stuck}', ${seq})`);
    }
    connection.closeSync();
    instance.closeSync();

    const week = new Week().onHand('STUCK', 'DAL1', 'S-01', 300).counted('STUCK', 'DAL1', 'S-01', 291);
    s.file('d365-onhand.csv', csv(D365_HEADER, week.d365)).file('wms.csv', csv(WMS_HEADER, week.wms)).file('wms-inflight.csv', csv(WMS_HEADER, []));
    s.costs({ STUCK: 2 });
    const reconcileAs = async (runId: string) => {
      await run(bin, ['reconcile', '--config', s.writeConfig(), '--out', join(s.dir, runId), '--run-id', runId, '--history', history]);
      return (parse(readFileSync(join(s.dir, runId, 'discrepancies.csv')), { columns: true }) as Array<Record<string, string>>)[0]!;
    };
    expect(await reconcileAs('w3')).toMatchObject({ item: 'STUCK', runsUnbalanced: '3', flags: 'audit', likelyCause: '' });
    // From this run on the residuals are kept: two more runs with the same one make it persistent.
    expect(await reconcileAs('w4')).toMatchObject({ runsUnbalanced: '4', likelyCause: '' });
    const fifth = await reconcileAs('w5');
    expect(fifth).toMatchObject({ runsUnbalanced: '5', likelyCause: 'persistent' });
    expect(fifth.causeEvidence).toContain('residual -9 in each of the last 3 runs (w3, w4, this run)');
  });
});
