/**
 * The compare (DOMAIN.md §3–§4) in DuckDB: sum accepted lines up to the compare level, full outer join D365,
 * WMS and in-flight quantities, and hand every key that is not plainly balanced to `core/` for classification.
 * The SQL is portable: the same statements run on a distributed engine over the same files.
 */
import { assessKey, type CostCandidates, type KeyQuantities } from '../core/classification.js';
import type { ThresholdRule } from '../core/config.js';
import type { Discrepancy } from '../core/discrepancy.js';
import { KEY_FIELDS, comparedFields, type ComparisonKey, type LevelField } from '../core/keys.js';
import type { Database } from './db.js';

export interface CompareInputs {
  level: readonly LevelField[];
  d365Keys: string;
  wmsLines: string;
  inFlightLines: string | undefined;
  valuationLines: { view: string; hasSite: boolean; hasWarehouse: boolean } | undefined;
  /** The previous run's Material keys with their streak, or undefined when there is no previous run. */
  previousMaterial: string | undefined;
}

export interface CompareResult {
  keysCompared: number;
  discrepancies: Discrepancy[];
  balanced: number;
  keysWithoutRule: number;
}

/** The SQL that writes a key as one string, identical to core's keyString. */
export function keyStringSql(alias: string, compared: readonly string[]): string {
  return `concat_ws(chr(31), ${KEY_FIELDS.map((f) => (compared.includes(f) ? `${alias}.${f}` : `''`)).join(', ')})`;
}

export async function compareSnapshots(db: Database, inputs: CompareInputs,
  rules: readonly ThresholdRule[], auditAfterRuns: number): Promise<CompareResult> {
  const fields = comparedFields(inputs.level);
  const list = fields.join(', ');
  await db.run(`CREATE TABLE d365_at_level AS SELECT ${list}, sum(qty) AS d365_qty FROM ${inputs.d365Keys} GROUP BY ${list}`);
  await db.run(`CREATE TABLE wms_at_level AS SELECT ${list}, sum(qty) AS wms_qty FROM ${inputs.wmsLines} WHERE reason IS NULL GROUP BY ${list}`);
  let inFlightJoin = '';
  if (inputs.inFlightLines) {
    await db.run(`CREATE TABLE inflight_at_level AS SELECT ${list}, sum(qty) AS inflight_qty FROM ${inputs.inFlightLines}
      WHERE reason IS NULL GROUP BY ${list}`);
    inFlightJoin = `FULL JOIN inflight_at_level USING (${list})`;
  }
  await db.run(`CREATE TABLE compared AS SELECT ${list},
      coalesce(d365_qty, 0) AS d365_qty, coalesce(wms_qty, 0) AS wms_qty,
      ${inputs.inFlightLines ? 'coalesce(inflight_qty, 0)' : '0::DOUBLE'} AS inflight_qty,
      d365_qty IS NOT NULL AS on_d365, wms_qty IS NOT NULL AS on_wms
    FROM d365_at_level FULL JOIN wms_at_level USING (${list}) ${inFlightJoin}`);

  const costJoins: string[] = [];
  let costColumns = 'NULL::DOUBLE AS cost_warehouse, NULL::DOUBLE AS cost_item';
  const valuation = inputs.valuationLines;
  if (valuation) {
    // Average unit cost = amount / quantity at each level; a level whose quantity nets to 0 has no cost.
    const finer = [valuation.hasSite && fields.includes('site') ? 'site' : undefined,
      valuation.hasWarehouse && fields.includes('warehouse') ? 'warehouse' : undefined].filter((f): f is string => f !== undefined);
    await db.run(`CREATE TABLE cost_by_item AS SELECT item, sum(amount) / nullif(sum(qty), 0) AS cost
      FROM ${valuation.view} WHERE reason IS NULL GROUP BY item`);
    costJoins.push('LEFT JOIN cost_by_item ci ON ci.item = c.item');
    if (finer.length > 0) {
      await db.run(`CREATE TABLE cost_by_warehouse AS SELECT item, ${finer.join(', ')}, sum(amount) / nullif(sum(qty), 0) AS cost
        FROM ${valuation.view} WHERE reason IS NULL GROUP BY item, ${finer.join(', ')}`);
      costJoins.push(`LEFT JOIN cost_by_warehouse cw ON cw.item = c.item AND ${finer.map((f) => `cw.${f} = c.${f}`).join(' AND ')}`);
      costColumns = 'cw.cost AS cost_warehouse, ci.cost AS cost_item';
    } else {
      costColumns = 'NULL::DOUBLE AS cost_warehouse, ci.cost AS cost_item';
    }
  }
  const historyJoin = inputs.previousMaterial
    ? `LEFT JOIN ${inputs.previousMaterial} h ON h.key = ${keyStringSql('c', fields)}`
    : '';

  const { keysCompared } = await db.one<{ keysCompared: number }>('SELECT count(*) AS keysCompared FROM compared');
  const discrepancies: Discrepancy[] = [];
  let keysWithoutRule = 0;
  // The filter is loose on purpose: core decides what is balanced, SQL only skips the plainly equal.
  const candidates = db.stream<Record<string, unknown>>(`SELECT c.*, ${costColumns},
      ${inputs.previousMaterial ? 'coalesce(h.runs_unbalanced, 0)' : '0'} AS previous_runs
    FROM compared c ${costJoins.join(' ')} ${historyJoin}
    WHERE abs(c.wms_qty - c.d365_qty) > 1e-9 OR abs(c.inflight_qty) > 1e-9`);
  for await (const chunk of candidates) {
    for (const row of chunk) {
      const key = Object.fromEntries(KEY_FIELDS.map((f) => [f, fields.includes(f) ? String(row[f] ?? '') : ''])) as ComparisonKey;
      const quantities: KeyQuantities = {
        d365Qty: Number(row.d365_qty), wmsQty: Number(row.wms_qty), inFlightQty: Number(row.inflight_qty),
        onD365: Boolean(row.on_d365), onWms: Boolean(row.on_wms),
      };
      const costs: CostCandidates = { warehouseLevel: finiteOrNull(row.cost_warehouse), itemLevel: finiteOrNull(row.cost_item) };
      const assessed = assessKey(key, quantities, costs, { rules, previousRunsUnbalanced: Number(row.previous_runs), auditAfterRuns });
      if (assessed.classification === 'Balanced') continue;
      if (assessed.residual !== 0 && assessed.rule === '') keysWithoutRule += 1;
      discrepancies.push({ ...key, ...assessed });
    }
  }
  return { keysCompared, discrepancies, balanced: keysCompared - discrepancies.length, keysWithoutRule };
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
