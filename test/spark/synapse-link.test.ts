/**
 * D365's own tables as Synapse Link / Link to Fabric export them: INVENTSUM and INVENTDIM as Delta tables, written
 * here by delta-spark, joined on Spark into the on-hand a D365 entity export would give (issue 17).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { PROJECT_SPARK, projectPath } from '../../job/spark/environment';
import { Scenario, csv, wmsRow, WMS_HEADER, type Json } from '../helpers/scenario';
import { describeSpark } from '../helpers/spark';

const run = promisify(execFile);
const bin = join(__dirname, '..', '..', 'node_modules', '.bin', 'ibal');

/** Two Delta tables with Synapse Link's lower-case F&O field names, a deleted row and a closed one. */
const WRITE_TABLES = `
import sys
from delta import configure_spark_with_delta_pip
from pyspark.sql import SparkSession
builder = (SparkSession.builder.master('local[1]').config('spark.ui.enabled', 'false')
           .config('spark.sql.extensions', 'io.delta.sql.DeltaSparkSessionExtension')
           .config('spark.sql.catalog.spark_catalog', 'org.apache.spark.sql.delta.catalog.DeltaCatalog'))
spark = configure_spark_with_delta_pip(builder).getOrCreate()
out = sys.argv[1]
spark.sql("""SELECT * FROM VALUES
  ('usmf', 'A', 'D1', CAST(10 AS DECIMAL(32,6)), 0, false),
  ('usmf', 'A', 'D2', CAST(5 AS DECIMAL(32,6)), 0, false),
  ('usmf', 'B', 'D3', CAST(7 AS DECIMAL(32,6)), 0, false),
  ('usmf', 'C', 'D1', CAST(99 AS DECIMAL(32,6)), 0, true),
  ('usmf', 'E', 'D1', CAST(4 AS DECIMAL(32,6)), 1, false),
  ('usmf', 'F', 'DX', CAST(8 AS DECIMAL(32,6)), 0, false),
  ('usmf', 'G', 'D9', CAST(3 AS DECIMAL(32,6)), 0, false)
  AS t(dataareaid, itemid, inventdimid, physicalinvent, closed, IsDelete)""").write.format('delta').save(out + '/inventsum')
spark.sql("""SELECT * FROM VALUES
  ('usmf', 'D1', '1', '11', '', ''), ('usmf', 'D2', '1', '11', 'BIN-7', ''), ('usmf', 'D3', '1', '12', '', 'LOT-1'),
  ('usmf', 'D9', '1', '99', '', '')
  AS t(dataareaid, inventdimid, inventsiteid, inventlocationid, wmslocationid, inventbatchid)""").write.format('delta').save(out + '/inventdim')
spark.stop()
`;

describeSpark('D365 tables from Synapse Link / Link to Fabric (INVENTSUM × INVENTDIM, Delta) on Spark', () => {
  it('joins them into the on-hand, leaves out deleted and closed rows, rejects a row without its dimensions, and compares as an export would', async () => {
    const s = new Scenario().costs({ A: 1, B: 2, G: 1 });
    writeFileSync(join(s.dir, 'write-tables.py'), WRITE_TABLES);
    await run(projectPath(...PROJECT_SPARK, 'bin', 'python'), [join(s.dir, 'write-tables.py'), s.dir], { timeout: 300_000 });
    s.file('wms.csv', csv(WMS_HEADER, [wmsRow('A', 'DAL1', 15), wmsRow('B', 'DAL2', 5)]));
    s.config.d365 = { ...(s.config.d365 as Json), onHand: { path: 'inventsum', type: 'delta', format: 'InventSumInventDim', inventDim: { path: 'inventdim', type: 'delta' } } };
    const config = s.writeConfig();

    const onDuckDb = await run(bin, ['reconcile', '--config', config, '--out', join(s.dir, 'duckdb')]).catch((e: { code: number; stderr: string }) => e);
    expect(onDuckDb).toMatchObject({ code: 2, stderr: expect.stringContaining('d365.onHand.format InventSumInventDim: D365\'s tables from Synapse Link or Link to Fabric are joined on Spark') });

    await run(bin, ['reconcile', '--config', config, '--out', join(s.dir, 'out'), '--engine', 'spark', '--spark-master', 'local[1]', '--quiet'], { timeout: 300_000 });
    const discrepancies = parse(readFileSync(join(s.dir, 'out', 'discrepancies.csv')), { columns: true }) as Array<Record<string, string>>;
    const rejects = parse(readFileSync(join(s.dir, 'out', 'rejects.csv')), { columns: true }) as Array<Record<string, string>>;
    const runJson = JSON.parse(readFileSync(join(s.dir, 'out', 'run.json'), 'utf8')) as { files: Array<Record<string, unknown>>; classifications: Record<string, number> };
    // A: 10 + 5 in two dimensions of warehouse 11 against 15 (balanced); B: 7 against 5; C deleted, E closed: not on hand.
    expect(discrepancies.map((d) => [d.item, d.warehouse, d.d365Qty, d.wmsQty])).toEqual([['B', '12', '7', '5']]);
    expect(rejects).toEqual([expect.objectContaining({ source: 'd365.onHand', file: 'inventsum', line: '6',
      reason: 'INVENTSUM line of item F names inventdimid DX, which INVENTDIM does not have' })]);
    expect(runJson.files.find((f) => f.source === 'd365.onHand')).toMatchObject({ read: 5, accepted: 3, rejected: 1, outOfScope: 1 });
    expect(runJson.classifications).toMatchObject({ Balanced: 1 });
  }, 600_000);
});
