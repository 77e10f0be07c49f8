/**
 * The same compare on DuckDB and on a real local Spark (issue 17): each scenario is reconciled by both engines and
 * everything a user reads must be identical: discrepancies.csv, rejects.csv and run.json (but its clock times).
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { reconcile } from '../../job/reconcile';
import { D365_V2_HEADER, WMS_HEADER, csv, d365Row, exampleConfig, wmsRow, type Json } from '../helpers/scenario';
import { describeSpark, startSpark, type SharedSpark } from '../helpers/spark';

interface Written { discrepancies: string; rejects: string; run: Json }

function outputs(out: string): Written {
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as Json;
  delete run.startedOn;
  delete run.finishedOn;
  return { discrepancies: readFileSync(join(out, 'discrepancies.csv'), 'utf8'), rejects: readFileSync(join(out, 'rejects.csv'), 'utf8'), run };
}

let spark: SharedSpark;

/** Reconciles the folder's config.json on both engines, each with its own history, and returns both outputs. */
async function both(dir: string, week = 'week'): Promise<{ duckdb: Written; spark: Written }> {
  const configPath = join(dir, 'config.json');
  await reconcile({ configPath, outDir: join(dir, `duckdb-${week}`), historyPath: join(dir, 'duckdb-history.duckdb'), runId: week });
  await reconcile({ configPath, outDir: join(dir, `spark-${week}`), historyPath: join(dir, 'spark-history.duckdb'), runId: week,
    engine: 'spark', sparkSession: spark.session });
  return { duckdb: outputs(join(dir, `duckdb-${week}`)), spark: outputs(join(dir, `spark-${week}`)) };
}

function expectSame(result: { duckdb: Written; spark: Written }): void {
  expect(result.spark.discrepancies).toBe(result.duckdb.discrepancies);
  expect(result.spark.rejects).toBe(result.duckdb.rejects);
  expect(result.spark.run).toEqual(result.duckdb.run);
}

const folder = () => mkdtempSync(join(tmpdir(), 'ibal-spark-eq-'));
const write = (dir: string, name: string, content: string | Json) =>
  writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
const crlf = (text: string) => text.replace(/\r?\n/g, '\r\n');
const VALUATION_HEADER = ['ItemNumber', 'InventorySiteId', 'InventoryWarehouseId', 'Quantity', 'Amount'];

/** Dirty files as they come: BOMs, other delimiters, CRLF, quoted line breaks, padding with Unicode spaces, bad numbers, unknown codes, repeats. */
function dirtyWeek(dir: string, wmsQty: (item: string) => number): void {
  const d365 = [
    d365Row('A1', '11', 100), d365Row('A2', '11', 50), d365Row('A3', '12', 7), d365Row('A4', '11', 12),
    d365Row('A5', '11', 30), d365Row('A6', '12', 5), d365Row('B1', '11', 40), d365Row('B2', '99', 3),
    d365Row('A2', '11', 50), // a repeated key: rejected, naming the first line
    d365Row('C1', '11', '1,5'), d365Row('C2', '11', '1.5d'), d365Row('C3', '11', '0x1p3'), d365Row('X'.repeat(41), '11', 1),
  ];
  write(dir, 'd365-onhand.csv', `\uFEFF${crlf(csv(D365_V2_HEADER, d365, ';'))}`);
  const wms = [
    wmsRow('A1', 'DAL1', wmsQty('A1')), wmsRow('A2', 'DAL1', 4, 'cs'), wmsRow('A2', 'DAL1', 2), wmsRow('A3', 'DAL2', wmsQty('A3'), 'ea', 'B\n2'),
    wmsRow('A4', 'DAL1', 2, 'pk'), wmsRow('\u00a0A5\u3000', 'DAL1', 30), wmsRow('A6', 'DAL9', 5), wmsRow('B1', 'DAL1', 1, 'PAL'),
    wmsRow('D1', 'DAL1', '1_000'), wmsRow('D2', 'DAL1', '1e303'), wmsRow('D3', 'DAL1', ''), wmsRow('D4', 'DAL1', 'seven'),
    wmsRow('E1', 'DAL2', 9, 'ea', 'B1', 'LOT-1', 'HOLD'),
  ];
  const wmsText = csv(WMS_HEADER, wms, '\t').replace(/^(D4\t.*)$/m, '$1\textra'); // one line with a column too many
  write(dir, 'wms.csv', `\uFEFF${wmsText}`);
  write(dir, 'wms-inflight.csv', csv(['sku', 'facility', 'qty', 'uom'], [['A1', 'DAL1', '3', 'ea'], ['A5', 'DAL1', 'x', 'ea']]));
  // A1 and A4 have a warehouse cost, A3 only an item cost (another warehouse), A5 a line whose amount is not a number.
  write(dir, 'd365-value.csv', csv(VALUATION_HEADER, [['A1', '1', '11', '10', '125'], ['A4', '1', '11', '4', '10'],
    ['A3', '1', '14', '2', '31'], ['A5', '1', '11', '1', 'n/a'], ['B1', '1', '11', '0', '0']]));
  const config = exampleConfig();
  config.company = 'USMF';
  config.d365 = { ...(config.d365 as Json), asOf: '2026-11-20T02:00:00Z' };
  config.wms = { ...(config.wms as Json), inFlight: { path: 'wms-inflight.csv', columns: { item: 'sku', facility: 'facility', quantity: 'qty', unit: 'uom' } } };
  config.compareLevel = ['site', 'warehouse', 'status'];
  (config.wms as Json).onHand = { path: 'wms.csv', columns: { item: 'sku', facility: 'facility', location: 'bin', batch: 'lot', status: 'status', quantity: 'qty', unit: 'uom' } };
  config.d365 = { ...(config.d365 as Json), onHand: { path: 'd365-onhand.csv', columns: { company: 'dataAreaId', item: 'ItemNumber', site: 'InventorySiteId', warehouse: 'InventoryWarehouseId', quantity: 'OnHandQuantity' } } };
  config.compareLevel = ['site', 'warehouse'];
  config.rejects = { warnShare: 0.5 };
  write(dir, 'config.json', config);
}

describeSpark('the compare on Spark gives what it gives on DuckDB (issue 17)', () => {
  beforeAll(async () => { spark = await startSpark(); }, 240_000);
  afterAll(async () => { await spark?.close(); });

  it('on the sample week: units, item groups, a SKU cross-reference, in-flight, rejects and incomplete keys', async () => {
    const dir = folder();
    cpSync(join(__dirname, '..', '..', 'examples', 'weekly'), dir, { recursive: true, filter: (path) => !path.includes(`${join('weekly', 'out')}`) });
    const result = await both(dir);
    expectSame(result);
    expect(result.spark.run).toMatchObject({ incompleteKeys: 2, classifications: { Material: 4, Timing: 1, Immaterial: 2, Balanced: 4 } });
  }, 240_000);

  it('on dirty files: BOMs, semicolons, tabs, CRLF, a quoted line break, bad numbers, unknown codes, a repeat, a malformed line, valuation fallbacks', async () => {
    const dir = folder();
    dirtyWeek(dir, (item) => (item === 'A1' ? 90 : 7));
    const result = await both(dir);
    expectSame(result);
    // Every kind of reject made it through Spark's reader, with its line.
    const rejects = result.spark.rejects;
    for (const reason of ['is not a number', 'the same key as line', 'has no conversion', 'has no mapping', 'malformed CSV line', 'more than the 40', 'outside what Dataverse stores']) {
      expect(rejects).toContain(reason);
    }
    const files = result.spark.run.files as Array<{ read: number; accepted: number; rejected: number; outOfScope: number }>;
    for (const file of files) expect(file.read).toBe(file.accepted + file.rejected + file.outOfScope);
  }, 240_000);

  it('over three runs of history: the audit streak and a persistent residual come out the same', async () => {
    const dir = folder();
    const weeks: Written[][] = [];
    for (const [n, shortBy] of [[1, 10], [2, 10], [3, 10]] as const) {
      dirtyWeek(dir, (item) => (item === 'A1' ? 100 - shortBy : 7));
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Json;
      (config.d365 as Json).asOf = `2026-11-${String(7 * n - 1).padStart(2, '0')}T02:00:00Z`;
      (config.wms as Json).asOf = `2026-11-${String(7 * n - 1).padStart(2, '0')}T02:05:00Z`;
      write(dir, 'config.json', config);
      const result = await both(dir, `week-${n}`);
      expectSame(result);
      weeks.push([result.duckdb, result.spark]);
    }
    expect(weeks[2]![1]!.discrepancies).toMatch(/audit/);
  }, 480_000);

  it('writes every rejected line when there are thousands (read back in chunks while the keys they leave go to Spark)', async () => {
    const dir = folder();
    dirtyWeek(dir, () => 7);
    const lines = Array.from({ length: 5000 }, (_, i) => wmsRow(`Z${i}`, i % 2 === 0 ? 'DAL8' : 'DAL1', 1, i % 2 === 0 ? 'ea' : 'PAL'));
    write(dir, 'wms.csv', csv(WMS_HEADER, [wmsRow('A1', 'DAL1', 90), ...lines]));
    const result = await both(dir);
    expectSame(result);
    expect(result.spark.rejects.split('\n').filter((line) => line.startsWith('wms.onHand,'))).toHaveLength(5000);
    expect(result.spark.run).toMatchObject({ files: expect.arrayContaining([expect.objectContaining({ source: 'wms.onHand', read: 5001, rejected: 5000 })]) });
  }, 240_000);

  it('reads Parquet from a lake the same way', async () => {
    const dir = folder();
    dirtyWeek(dir, () => 7);
    write(dir, 'wms.csv', csv(WMS_HEADER, [wmsRow('A1', 'DAL1', 90), wmsRow('A2', 'DAL1', 4, 'cs'), wmsRow('A3', 'DAL2', 7), wmsRow('B1', 'DAL1', 2, 'PAL')]));
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`COPY (SELECT * FROM read_csv('${join(dir, 'wms.csv')}', all_varchar = true)) TO '${join(dir, 'wms.parquet')}' (FORMAT parquet)`);
    connection.closeSync();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Json;
    ((config.wms as Json).onHand as Json).path = 'wms.parquet';
    write(dir, 'config.json', config);
    expectSame(await both(dir));
    expect(readdirSync(dir)).toContain('spark-week');
  }, 240_000);
});
