/**
 * The compare (DOMAIN.md §3–§4): full outer join of D365, WMS and in-flight quantities at the compare level, and every
 * key that is not plainly balanced handed to `core/` for classification. This folder builds all of the compare's SQL;
 * what engines spell differently is in dialect.ts (DuckDB here, Spark SQL past one machine), so the statements are
 * the same on both.
 */
import { assessKey } from '../../core/classification.js';
import type { ThresholdRule } from '../../core/config.js';
import { discrepancyOf, type Discrepancy } from '../../core/discrepancy.js';
import { KEY_FIELDS, KEY_SEPARATOR, comparedFields, type ComparisonKey, type LevelField } from '../../core/keys.js';
import { QUANTITY_RANGE, UNIT_COST_RANGE, VALUE_RANGE, describeRange, withinRange } from '../../core/stored-limits.js';
import type { Session } from '../db.js';
import type { SqlDialect } from './dialect.js';
import { InputError } from '../errors.js';

export interface CompareInputs {
  level: readonly LevelField[];
  /** Queries of accepted quantities at the compare level: `key` (core's keyString) and `qty`. */
  d365: string;
  wms: string;
  inFlight: string | undefined;
  valuation: { view: string; hasSite: boolean; hasWarehouse: boolean } | undefined;
  /** The previous run's Material keys as (key_hash, runs_unbalanced), or undefined when there is no previous run. */
  previousMaterial: string | undefined;
  /** Keys a rejected line may belong to (`key`), or undefined when no line was rejected. */
  incompleteKeys?: string | undefined;
  /** Each item's group (`item`, `item_group`), for threshold rules scoped by item group. */
  itemGroups?: string | undefined;
}

export interface CompareResult {
  keysCompared: number;
  discrepancies: Discrepancy[];
  balanced: number;
  keysWithoutRule: number;
}

/** Positions of fields in a key string (DuckDB lists count from 1). */
const part = (sql: SqlDialect, field: (typeof KEY_FIELDS)[number]) => sql.part('parts', KEY_FIELDS.indexOf(field) + 1);

export async function compareSnapshots(db: Session, inputs: CompareInputs,
  rules: readonly ThresholdRule[], auditAfterRuns: number): Promise<CompareResult> {
  const sql = db.dialect;
  const fields = comparedFields(inputs.level);
  const joined = `(${inputs.d365}) d FULL JOIN (${inputs.wms}) w USING (key)`
    + (inputs.inFlight ? ` FULL JOIN (${inputs.inFlight}) i USING (key)` : '');

  const costJoins: string[] = [];
  let costColumns = 'CAST(NULL AS DOUBLE) AS cost_warehouse, CAST(NULL AS DOUBLE) AS cost_item';
  const valuation = inputs.valuation;
  if (valuation) {
    // Average unit cost = amount / quantity at each level; a level whose quantity nets to 0 has no cost.
    const finer = [valuation.hasSite && fields.includes('site') ? 'site' : undefined,
      valuation.hasWarehouse && fields.includes('warehouse') ? 'warehouse' : undefined]
      .filter((f): f is 'site' | 'warehouse' => f !== undefined);
    await db.run(`CREATE TABLE cost_by_item AS SELECT item, sum(amount) / nullif(sum(qty), 0) AS cost
      FROM ${valuation.view} WHERE reason IS NULL GROUP BY item`);
    costJoins.push(`LEFT JOIN cost_by_item ci ON ci.item = ${part(sql, 'item')}`);
    costColumns = 'CAST(NULL AS DOUBLE) AS cost_warehouse, ci.cost AS cost_item';
    if (finer.length > 0) {
      await db.run(`CREATE TABLE cost_by_warehouse AS SELECT item, ${finer.join(', ')}, sum(amount) / nullif(sum(qty), 0) AS cost
        FROM ${valuation.view} WHERE reason IS NULL GROUP BY item, ${finer.join(', ')}`);
      costJoins.push(`LEFT JOIN cost_by_warehouse cw ON cw.item = ${part(sql, 'item')} AND ${finer.map((f) => `cw.${f} = ${part(sql, f)}`).join(' AND ')}`);
      costColumns = 'cw.cost AS cost_warehouse, ci.cost AS cost_item';
    }
  }
  const history = inputs.previousMaterial
    ? { join: `LEFT JOIN ${inputs.previousMaterial} h ON h.key_hash = ${sql.sha256('c.key')}`, column: 'coalesce(h.runs_unbalanced, 0)' }
    : { join: '', column: '0' };
  const incomplete = inputs.incompleteKeys
    ? { join: `LEFT JOIN (SELECT key, true AS incomplete FROM ${inputs.incompleteKeys}) ik USING (key)`, column: 'coalesce(ik.incomplete, false)' }
    : { join: '', column: 'false' };
  const itemGroup = inputs.itemGroups
    ? { join: `LEFT JOIN ${inputs.itemGroups} g ON g.item = ${part(sql, 'item')}`, column: 'g.item_group' }
    : { join: '', column: 'CAST(NULL AS STRING)' };

  // The filter is loose on purpose: core decides what is balanced, SQL only skips the plainly equal (and complete).
  await db.run(`CREATE TABLE candidates AS
    WITH c AS (SELECT key, ${sql.splitKey('key')} AS parts, coalesce(d.qty, 0) AS d365_qty, coalesce(w.qty, 0) AS wms_qty,
        ${inputs.inFlight ? 'coalesce(i.qty, 0)' : 'CAST(0 AS DOUBLE)'} AS inflight_qty,
        d.qty IS NOT NULL AS on_d365, w.qty IS NOT NULL AS on_wms, ${incomplete.column} AS incomplete
      FROM ${joined} ${incomplete.join}
      WHERE abs(coalesce(w.qty, 0) - coalesce(d.qty, 0)) > 1e-9 ${inputs.inFlight ? 'OR abs(coalesce(i.qty, 0)) > 1e-9' : ''}
        ${inputs.incompleteKeys ? 'OR ik.incomplete' : ''})
    SELECT c.key, c.d365_qty, c.wms_qty, c.inflight_qty, c.on_d365, c.on_wms, c.incomplete, ${costColumns},
      ${history.column} AS previous_runs, ${itemGroup.column} AS item_group
    FROM c ${costJoins.join(' ')} ${history.join} ${itemGroup.join}`);
  // Counted aside while the candidates are classified below.
  const counting = db.oneAside<{ keysCompared: number }>(`SELECT count(*) AS keysCompared FROM ${joined}`);
  counting.catch(() => undefined); // awaited below; a failure there is the compare's failure

  const rows = await db.columns('SELECT * FROM candidates');
  const discrepancies: Discrepancy[] = [];
  const unstorable: string[] = [];
  let keysWithoutRule = 0;
  for (let i = 0; i < rows.key!.length; i += 1) {
    const values = String(rows.key![i]).split(KEY_SEPARATOR);
    const key = {} as ComparisonKey;
    KEY_FIELDS.forEach((field, n) => { key[field] = values[n] ?? ''; });
    const group = rows.item_group![i];
    const assessed = assessKey({ ...key, itemGroup: typeof group === 'string' ? group : undefined }, {
      d365Qty: rows.d365_qty![i] as number, wmsQty: rows.wms_qty![i] as number, inFlightQty: rows.inflight_qty![i] as number,
      onD365: rows.on_d365![i] as boolean, onWms: rows.on_wms![i] as boolean, incomplete: rows.incomplete![i] as boolean,
    }, { warehouseLevel: finiteOrNull(rows.cost_warehouse![i]), itemLevel: finiteOrNull(rows.cost_item![i]) },
    { rules, previousRunsUnbalanced: rows.previous_runs![i] as number, auditAfterRuns });
    if (assessed.classification === 'Balanced') continue;
    if (assessed.residual !== 0 && assessed.rule === '') keysWithoutRule += 1;
    const discrepancy = discrepancyOf(key, assessed);
    const problem = unstorableFigure(discrepancy);
    if (problem) unstorable.push(`${[key.item, key.site, key.warehouse].filter(Boolean).join(' · ')}: ${problem}`);
    discrepancies.push(discrepancy);
  }
  const { keysCompared } = await counting;
  if (unstorable.length > 0) {
    throw new InputError(`${unstorable.length} keys have figures Dataverse cannot store, although each line was within range `
      + `(check their quantities and the valuation of their items): ${unstorable.slice(0, 5).join('; ')}${unstorable.length > 5 ? '; …' : ''}`);
  }
  return { keysCompared, discrepancies, balanced: keysCompared - discrepancies.length, keysWithoutRule };
}

/** Lines are checked against the columns when read; sums of them and their values are checked here, before any write. */
function unstorableFigure(d: Discrepancy): string | undefined {
  for (const field of ['d365Qty', 'wmsQty', 'inFlightQty', 'qtyVariance', 'residual'] as const) {
    if (!withinRange(d[field], QUANTITY_RANGE)) return `${field} ${d[field]} is outside ${describeRange(QUANTITY_RANGE)}`;
  }
  if (!withinRange(d.unitCost, UNIT_COST_RANGE)) return `unit cost ${d.unitCost} is outside ${describeRange(UNIT_COST_RANGE)}`;
  if (!withinRange(d.valueVariance, VALUE_RANGE)) return `value variance ${d.valueVariance} is outside ${describeRange(VALUE_RANGE)}`;
  return undefined;
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
