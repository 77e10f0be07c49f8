/**
 * The baseline: one hand-written DuckDB SQL full outer join over the same files, doing the least the job must
 * do (read both, map facility and unit, sum to the key, join, write the differences). Run as its own process.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { join } from 'node:path';
import { WAREHOUSES } from './generate.js';

const [dir, outDir] = process.argv.slice(2) as [string, string];
const started = performance.now();
const db = await DuckDBInstance.create(':memory:');
const connection = await db.connect();
const facilities = WAREHOUSES.map((w) => `('FAC${w}', '${w[0]}', '${w}')`).join(', ');
await connection.run(`COPY (
  WITH d AS (
    SELECT ItemNumber AS item, WarehouseId::VARCHAR AS warehouse, WarehouseLocationId AS location, ItemBatchNumber AS batch,
      InventoryStatusId AS status, sum(OnHandQuantity) AS qty
    FROM read_csv('${join(dir, 'd365-onhand.csv')}') GROUP BY ALL),
  f(facility, site, warehouse) AS (VALUES ${facilities}),
  w AS (
    SELECT sku AS item, f.warehouse, bin AS location, lot AS batch, 'Available' AS status,
      sum(CASE WHEN lower(uom) = 'cs' THEN qty * 12 ELSE qty END) AS qty
    FROM read_csv('${join(dir, 'wms.csv')}') JOIN f USING (facility) GROUP BY ALL)
  SELECT item, warehouse, location, batch, status, coalesce(d.qty, 0) AS d365_qty, coalesce(w.qty, 0) AS wms_qty
  FROM d FULL JOIN w USING (item, warehouse, location, batch, status)
  WHERE coalesce(d.qty, 0) <> coalesce(w.qty, 0)
) TO '${join(outDir, 'baseline-differences.csv')}' (HEADER)`);
connection.closeSync();
db.closeSync();
process.stdout.write(`${JSON.stringify({ seconds: (performance.now() - started) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024,
  cpuSeconds: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1e6 })}\n`);
