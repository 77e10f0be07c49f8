/**
 * Likely causes (README "Likely causes"): the job brings back from DuckDB only what core's rules need, for the keys
 * that are not balanced — their accepted WMS and in-flight lines (file line, quantity as written, unit, place) and
 * their residuals in earlier runs — then lets `core/causes.ts` decide and writes the strongest cause on each row.
 */
import {
  causeTotals, likelyCauses, pushTo, systematicFindings, type CauseContext, type PreviousResidual, type RunCauses, type SourceLine,
} from '../core/causes.js';
import type { ReconcileConfig } from '../core/config.js';
import type { Discrepancy } from '../core/discrepancy.js';
import { KEY_FIELDS, KEY_SEPARATOR, comparedFields, keyString, type LevelField } from '../core/keys.js';
import { unitFactor } from '../core/mappings.js';
import type { Session } from './db.js';
import { findColumn, lineNumberer, textOf } from './load.js';
import { keyStringSql, type NormalizedLines } from './compare/normalize.js';

type WmsColumns = ReconcileConfig['wms']['onHand']['columns'];

export interface CauseSources {
  level: readonly LevelField[];
  config: ReconcileConfig;
  /** The WMS on-hand lines and their count per key (normalizeWms). */
  wms: NormalizedLines & { lineCounts: string };
  inFlight: NormalizedLines | undefined;
  /** The target's relation (key_hash, run_id, runs_back, residual) of earlier runs, if it keeps one. */
  previousResiduals: string | undefined;
}

/** Fields of a WMS line shown as its place, in this order, with the word the evidence uses. */
const PLACE_FIELDS: ReadonlyArray<[keyof WmsColumns, string]> = [['location', 'bin'], ['batch', 'lot'], ['serial', 'serial'], ['status', 'status'], ['owner', 'owner']];

/** Sets `likelyCause` and `causeEvidence` on each discrepancy and returns the run's figures per cause. */
export async function findLikelyCauses(db: Session, sources: CauseSources, discrepancies: Discrepancy[]): Promise<RunCauses> {
  const { config } = sources;
  // Only keys with a residual get a cause; their lines are a few percent of the files.
  await db.run('CREATE TEMP TABLE cause_keys (key VARCHAR, in_flight_qty DOUBLE)');
  await db.append('cause_keys', discrepancies.filter((d) => d.residual !== 0).map((d) => [keyString(d), d.inFlightQty]));
  // A key with one WMS line and nothing in flight says all its line could say (its ratio, its sign): its WMS lines
  // are read only where a key has several, which spares a second pass over the file in most runs.
  await db.run(`CREATE TEMP TABLE wms_line_keys AS SELECT c.key FROM cause_keys c LEFT JOIN (${sources.wms.lineCounts}) n USING (key)
    WHERE c.in_flight_qty <> 0 OR n.lines > 1`);

  const context: CauseContext = {
    wmsLines: await linesOf(db, sources.wms, 'wms_line_keys', config.wms.onHand.columns, sources.level, config),
    inFlightLines: sources.inFlight && config.wms.inFlight
      ? await linesOf(db, sources.inFlight, 'cause_keys', config.wms.inFlight.columns, sources.level, config) : new Map(),
    units: config.mappings.units,
    previousResiduals: await residualsOf(db, sources.previousResiduals),
    persistentAfterRuns: config.audit.afterRuns,
  };
  const found = likelyCauses(discrepancies, context);
  discrepancies.forEach((d, i) => {
    d.likelyCause = found[i]?.cause ?? '';
    d.causeEvidence = found[i]?.evidence ?? '';
  });
  const facilities = new Map(Object.entries(config.mappings.facilities).map(([facility, { site, warehouse }]) => [`${site}|${warehouse}`, facility]));
  const rows = discrepancies.map((discrepancy, i) => ({ discrepancy, finding: found[i] }));
  return { ...causeTotals(rows), systematic: systematicFindings(rows, { facilityOf: (site, warehouse) => facilities.get(`${site}|${warehouse}`) }) };
}

/** The accepted lines of the keys in `keys`, by key, with their raw fields joined back by record number. */
async function linesOf(db: Session, lines: NormalizedLines, keys: string, columns: WmsColumns, level: readonly LevelField[],
  config: ReconcileConfig): Promise<Map<string, SourceLine[]>> {
  const sql = db.dialect;
  const byKey = new Map<string, SourceLine[]>();
  if ((await db.one<{ n: number }>(`SELECT count(*) AS n FROM ${keys}`)).n === 0) return byKey;
  const { loaded } = lines;
  const raw = (Object.entries(columns) as Array<[keyof WmsColumns, string | undefined]>)
    .filter(([, name]) => name !== undefined && findColumn(loaded, name) !== undefined)
    .map(([field, name]) => ({ field, sql: textOf(sql, findColumn(loaded, name!)) }));
  // The item filter comes first, so keys are built and raw records joined only for the items concerned.
  const result = await db.columns(`WITH l AS (SELECT rec, item, ${keyStringSql(sql, comparedFields(level))} AS key, qty FROM ${lines.view}
      WHERE reason IS NULL AND item IN (SELECT DISTINCT ${sql.keyField('key', KEY_FIELDS.indexOf('item') + 1)} FROM ${keys}))
    SELECT l.key, l.rec, l.item, l.qty, ${raw.map((r, i) => `r.f${i}`).join(', ')}
    FROM l JOIN (SELECT ${loaded.rec} AS rec, ${raw.map((r, i) => `${r.sql} AS f${i}`).join(', ')} FROM ${loaded.table}) r USING (rec)
    WHERE l.key IN (SELECT key FROM ${keys})
    ORDER BY l.rec`);
  const lineOf = lineNumberer(loaded);
  // Named as the config names it, like rejects.csv does.
  const file = loaded.file.label;
  const columnOf = (field: keyof WmsColumns) => {
    const n = raw.findIndex((r) => r.field === field);
    return n < 0 ? undefined : result[`f${n}`]!;
  };
  const fieldValues = raw.map((_, n) => result[`f${n}`]!);
  const units = columnOf('unit');
  const places = [columnOf('facility'), ...PLACE_FIELDS.map(([f, word]) => {
    const values = columnOf(f);
    return values && ((i: number) => (values[i] ? `${word} ${String(values[i])}` : ''));
  })];
  const factors = new Map<string, number>();
  const factorOf = (item: string, unit: string) => {
    const id = `${item}\u001f${unit}`;
    if (!factors.has(id)) {
      const mapped = units === undefined ? undefined : unitFactor(config.mappings.units, item, unit);
      factors.set(id, mapped?.ok ? mapped.value : 1);
    }
    return factors.get(id)!;
  };
  for (let i = 0; i < (result.key?.length ?? 0); i += 1) {
    const unit = String(units?.[i] ?? '') || config.mappings.units.default;
    const qty = Number(result.qty![i]);
    const factor = factorOf(String(result.item![i]), unit);
    const place = places.map((p) => (typeof p === 'function' ? p(i) : p ? String(p[i] ?? '') : '')).filter(Boolean).join(' · ');
    pushTo(byKey, String(result.key![i]), {
      file, line: lineOf(Number(result.rec![i])), writtenQty: qty / factor, unit, factor, qty, place,
      signature: fieldValues.map((values) => String(values[i] ?? '')).join(KEY_SEPARATOR),
    });
  }
  return byKey;
}

/** Earlier residuals of the cause keys, most recent run first. */
async function residualsOf(db: Session, relation: string | undefined): Promise<Map<string, PreviousResidual[]>> {
  const sql = db.dialect;
  const byKey = new Map<string, PreviousResidual[]>();
  if (relation === undefined) return byKey;
  const rows = await db.columns(`SELECT k.key, p.run_id, p.residual FROM ${relation} p
    JOIN (SELECT key, ${sql.sha256('key')} AS key_hash FROM cause_keys) k USING (key_hash) ORDER BY k.key, p.runs_back`);
  for (let i = 0; i < (rows.key?.length ?? 0); i += 1) {
    const key = String(rows.key![i]);
    pushTo(byKey, key, { runId: String(rows.run_id![i]), residual: Number(rows.residual![i]) });
  }
  return byKey;
}
