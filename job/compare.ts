/**
 * The compare (DOMAIN.md §3–§4) in DuckDB: full outer join of D365, WMS and in-flight quantities at the compare
 * level, and every key that is not plainly balanced handed to `core/` for classification.
 * The SQL is portable: the same statements run on a distributed engine over the same files.
 */
import { assessKey } from '../core/classification.js';
import type { ThresholdRule } from '../core/config.js';
import { discrepancyOf, type Discrepancy } from '../core/discrepancy.js';
import { KEY_FIELDS, KEY_SEPARATOR, comparedFields, type ComparisonKey, type LevelField } from '../core/keys.js';
import type { Database } from './db.js';

export interface CompareInputs {
  level: readonly LevelField[];
  /** Queries of accepted quantities at the compare level: `key` (core's keyString) and `qty`. */
  d365: string;
  wms: string;
  inFlight: string | undefined;
  valuation: { view: string; hasSite: boolean; hasWarehouse: boolean } | undefined;
  /** The previous run's Material keys as (key_hash, runs_unbalanced), or undefined when there is no previous run. */
  previousMaterial: string | undefined;
}

export interface CompareResult {
  keysCompared: number;
  discrepancies: Discrepancy[];
  balanced: number;
  keysWithoutRule: number;
}

/** Positions of fields in a key string (DuckDB lists count from 1). */
const part = (field: (typeof KEY_FIELDS)[number]) => `parts[${KEY_FIELDS.indexOf(field) + 1}]`;

export async function compareSnapshots(db: Database, inputs: CompareInputs,
  rules: readonly ThresholdRule[], auditAfterRuns: number): Promise<CompareResult> {
  const fields = comparedFields(inputs.level);
  const joined = `(${inputs.d365}) d FULL JOIN (${inputs.wms}) w USING (key)`
    + (inputs.inFlight ? ` FULL JOIN (${inputs.inFlight}) i USING (key)` : '');

  const costJoins: string[] = [];
  let costColumns = 'NULL::DOUBLE AS cost_warehouse, NULL::DOUBLE AS cost_item';
  const valuation = inputs.valuation;
  if (valuation) {
    // Average unit cost = amount / quantity at each level; a level whose quantity nets to 0 has no cost.
    const finer = [valuation.hasSite && fields.includes('site') ? 'site' : undefined,
      valuation.hasWarehouse && fields.includes('warehouse') ? 'warehouse' : undefined]
      .filter((f): f is 'site' | 'warehouse' => f !== undefined);
    await db.run(`CREATE TABLE cost_by_item AS SELECT item, sum(amount) / nullif(sum(qty), 0) AS cost
      FROM ${valuation.view} WHERE reason IS NULL GROUP BY item`);
    costJoins.push(`LEFT JOIN cost_by_item ci ON ci.item = ${part('item')}`);
    costColumns = 'NULL::DOUBLE AS cost_warehouse, ci.cost AS cost_item';
    if (finer.length > 0) {
      await db.run(`CREATE TABLE cost_by_warehouse AS SELECT item, ${finer.join(', ')}, sum(amount) / nullif(sum(qty), 0) AS cost
        FROM ${valuation.view} WHERE reason IS NULL GROUP BY item, ${finer.join(', ')}`);
      costJoins.push(`LEFT JOIN cost_by_warehouse cw ON cw.item = ${part('item')} AND ${finer.map((f) => `cw.${f} = ${part(f)}`).join(' AND ')}`);
      costColumns = 'cw.cost AS cost_warehouse, ci.cost AS cost_item';
    }
  }
  const history = inputs.previousMaterial
    ? { join: `LEFT JOIN ${inputs.previousMaterial} h ON h.key_hash = sha256(c.key)`, column: 'coalesce(h.runs_unbalanced, 0)' }
    : { join: '', column: '0' };

  // The filter is loose on purpose: core decides what is balanced, SQL only skips the plainly equal.
  await db.run(`CREATE TABLE candidates AS
    WITH c AS (SELECT key, string_split(key, chr(31)) AS parts, coalesce(d.qty, 0) AS d365_qty, coalesce(w.qty, 0) AS wms_qty,
        ${inputs.inFlight ? 'coalesce(i.qty, 0)' : '0::DOUBLE'} AS inflight_qty,
        d.qty IS NOT NULL AS on_d365, w.qty IS NOT NULL AS on_wms
      FROM ${joined}
      WHERE abs(coalesce(w.qty, 0) - coalesce(d.qty, 0)) > 1e-9 ${inputs.inFlight ? 'OR abs(coalesce(i.qty, 0)) > 1e-9' : ''})
    SELECT c.key, c.d365_qty, c.wms_qty, c.inflight_qty, c.on_d365, c.on_wms, ${costColumns}, ${history.column} AS previous_runs
    FROM c ${costJoins.join(' ')} ${history.join}`);
  const { keysCompared } = await db.one<{ keysCompared: number }>(`SELECT count(*) AS keysCompared FROM ${joined}`);

  const rows = await db.columns('SELECT * FROM candidates');
  const discrepancies: Discrepancy[] = [];
  let keysWithoutRule = 0;
  for (let i = 0; i < rows.key!.length; i += 1) {
    const values = String(rows.key![i]).split(KEY_SEPARATOR);
    const key = {} as ComparisonKey;
    KEY_FIELDS.forEach((field, n) => { key[field] = values[n] ?? ''; });
    const assessed = assessKey(key, {
      d365Qty: rows.d365_qty![i] as number, wmsQty: rows.wms_qty![i] as number, inFlightQty: rows.inflight_qty![i] as number,
      onD365: rows.on_d365![i] as boolean, onWms: rows.on_wms![i] as boolean,
    }, { warehouseLevel: finiteOrNull(rows.cost_warehouse![i]), itemLevel: finiteOrNull(rows.cost_item![i]) },
    { rules, previousRunsUnbalanced: rows.previous_runs![i] as number, auditAfterRuns });
    if (assessed.classification === 'Balanced') continue;
    if (assessed.residual !== 0 && assessed.rule === '') keysWithoutRule += 1;
    discrepancies.push(discrepancyOf(key, assessed));
  }
  return { keysCompared, discrepancies, balanced: keysCompared - discrepancies.length, keysWithoutRule };
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
