/**
 * `ibal reconcile`: read both snapshots, map and convert, compare in DuckDB, classify with finance's rules,
 * track history, and write the discrepancies, the rejects and the run summary.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { byValueImpact } from '../core/discrepancy.js';
import { CLASSIFICATIONS, roundValue, type Classification } from '../core/classification.js';
import { effectiveLevel, type LevelField } from '../core/keys.js';
import { siteOfWarehouse } from '../core/mappings.js';
import { skewMinutes, skewWarning, type FileCount, type RunSummary, type Source } from '../core/run.js';
import { loadConfig } from './config-loader.js';
import { findLikelyCauses } from './causes.js';
import { compareSnapshots } from './compare.js';
import { Database } from './db.js';
import { LocalHistoryTarget, type RunTarget } from './run-target.js';
import { lineNumberer, loadTable, rawRecord, type LoadedTable } from './load.js';
import { d365AtLevel, d365ColumnMap, normalizeD365, normalizeItemXref, normalizeValuation, normalizeWms, type NormalizedLines } from './normalize.js';
import { openRejects, writeDiscrepancies, writeRunJson, type RejectWriter } from './outputs.js';
import { Progress } from './progress.js';
import { openSource, type SourceSpec } from './sources.js';

export interface ReconcileOptions {
  configPath: string;
  outDir: string;
  historyPath?: string | undefined;
  runId?: string | undefined;
  /** Where progress goes; undefined for quiet. */
  progress?: ((text: string) => void) | undefined;
  /** Where warnings go, also when progress is quiet. */
  warnings?: ((text: string) => void) | undefined;
  /** Where history comes from and the run is recorded; the local history file by default. */
  target?: RunTarget | undefined;
  /** DuckDB's memory limit; beyond it DuckDB spills to a temp folder (default 2GB, so a 10M-line run stays under 4 GB). */
  memoryLimit?: string | undefined;
}

export interface ReconcileResult { summary: RunSummary; outDir: string }

/** A run id that names the snapshot, so re-running the same snapshot replaces its history instead of adding a run. */
export function defaultRunId(company: string, d365AsOf: string): string {
  return `${company}-${d365AsOf.replace(/[-:]/g, '').replace(/\.\d+/, '').replace(/Z$/, 'Z')}`;
}

export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const startedOn = new Date().toISOString();
  const progress = new Progress(options.progress, options.warnings);
  const { config, resolvePath } = loadConfig(options.configPath);
  const outDir = resolve(options.outDir);
  mkdirSync(outDir, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), 'ibal-'));
  const db = await Database.open({ tempDirectory: join(workDir, 'spill'), memoryLimit: options.memoryLimit ?? '2GB' });
  const runId = options.runId ?? defaultRunId(config.company, config.d365.asOf);
  const target = options.target ?? new LocalHistoryTarget(resolve(options.historyPath ?? join(dirname(outDir), '.ibal-history.duckdb')));
  let begun = false;
  try {
    progress.phase(`run ${runId}: ${target.description}`);
    const context = await target.begin(db, { runId, company: config.company, d365AsOf: config.d365.asOf, wmsAsOf: config.wms.asOf, startedOn,
      residualRuns: config.audit.afterRuns - 1 });
    begun = true;
    const rules = context.rules ?? config.thresholds;
    const warnings: string[] = [];
    const warn = (message: string) => { warnings.push(message); progress.warn(message); };

    const d365Columns = d365ColumnMap(config.d365.onHand);
    const d365Has = new Set<LevelField>(['site', 'warehouse', 'location', 'batch', 'serial', 'status', 'owner']
      .filter((f) => d365Columns[f] !== undefined || (f === 'site' && d365Columns.warehouse !== undefined)) as LevelField[]);
    const wmsColumns = config.wms.onHand.columns;
    const wmsHas = new Set<LevelField>(['site', 'warehouse', ...(['location', 'batch', 'serial', 'status', 'owner'] as const)
      .filter((f) => wmsColumns[f] !== undefined)] as LevelField[]);
    const decision = effectiveLevel(config.compareLevel, d365Has, wmsHas, { d365: 'd365.onHand', wms: 'wms.onHand' });
    decision.dropped.forEach((d) => warn(d.reason));
    const level = decision.level;

    const files: Array<{ normalized: NormalizedLines }> = [];
    const open = async (source: Source, spec: SourceSpec, table: string): Promise<LoadedTable> => {
      progress.phase(`reading ${source} ${spec.path}`);
      const file = openSource(source, spec, resolvePath(spec.path), workDir);
      const loaded = await loadTable(db, source, file, table);
      progress.file(source, file.label, loaded.parsed + loaded.malformed.length, loaded.malformed.length);
      return loaded;
    };

    let items = new Map();
    const itemMapping = config.mappings.items;
    if (itemMapping !== undefined && 'path' in itemMapping && typeof itemMapping.path === 'string') {
      const spec = itemMapping as SourceSpec & { columns: { sku: string; item: string } };
      const xref = await normalizeItemXref(db, await open('mappings.items', spec, 'item_xref_raw'), spec.columns);
      items = xref.items;
      files.push({ normalized: xref });
    } else if (itemMapping !== undefined) {
      items = new Map(Object.entries(itemMapping));
    }

    const d365 = await normalizeD365(db, await open('d365.onHand', config.d365.onHand, 'd365_raw'), config, level,
      siteOfWarehouse(config.mappings.facilities));
    files.push({ normalized: d365 });
    let valuation: { view: string; hasSite: boolean; hasWarehouse: boolean } | undefined;
    if (config.d365.valuation) {
      const v = await normalizeValuation(db, await open('d365.valuation', config.d365.valuation, 'valuation_raw'), config.d365.valuation.columns);
      files.push({ normalized: v });
      valuation = { view: v.view, hasSite: config.d365.valuation.columns.site !== undefined, hasWarehouse: config.d365.valuation.columns.warehouse !== undefined };
    } else {
      warn('no d365.valuation file: every difference is valued at 0 and flagged no-cost');
    }
    const mappings = { config, items, level };
    const wms = await normalizeWms(db, await open('wms.onHand', config.wms.onHand, 'wms_raw'), 'wms.onHand', wmsColumns, mappings);
    files.push({ normalized: wms });
    let inFlight: Awaited<ReturnType<typeof normalizeWms>> | undefined;
    if (config.wms.inFlight) {
      inFlight = await normalizeWms(db, await open('wms.inFlight', config.wms.inFlight, 'inflight_raw'), 'wms.inFlight',
        config.wms.inFlight.columns, mappings);
      files.push({ normalized: inFlight });
    }

    progress.phase(`comparing at ${['item', ...level].join(' + ')}`);
    const compared = await compareSnapshots(db, {
      level, d365: (await d365AtLevel(db)).relation, wms: wms.atLevel.relation,
      inFlight: inFlight?.atLevel.relation, valuation, previousMaterial: context.previousMaterial,
    }, rules, config.audit.afterRuns);
    if (compared.keysWithoutRule > 0) {
      warn(`${compared.keysWithoutRule} keys matched no threshold rule and were classified Material (add a rule without scope to cover them)`);
    }

    progress.phase('writing rejects.csv');
    const rejects = openRejects(join(outDir, 'rejects.csv'));
    const fileCounts: FileCount[] = [];
    for (const { normalized } of files) fileCounts.push(await writeRejects(db, normalized, rejects));
    await rejects.close();

    const skew = skewMinutes(config.d365.asOf, config.wms.asOf);
    const skewed = skewWarning(skew, config.timing.maxSkewMinutes);
    if (skewed) warn(skewed);

    progress.phase('finding likely causes');
    const causes = await findLikelyCauses(db, { level, config, wms, inFlight, previousResiduals: context.previousResiduals }, compared.discrepancies);

    progress.phase('writing discrepancies.csv');
    const discrepancies = compared.discrepancies.sort(byValueImpact);
    writeDiscrepancies(join(outDir, 'discrepancies.csv'), discrepancies);

    const classifications = Object.fromEntries(CLASSIFICATIONS.map((c) => [c, 0])) as Record<Classification, number>;
    classifications.Balanced = compared.balanced;
    let absoluteValue = 0;
    let netValue = 0;
    for (const d of discrepancies) {
      classifications[d.classification] += 1;
      if (d.classification === 'Material') { absoluteValue += Math.abs(d.valueVariance); netValue += d.valueVariance; }
    }
    const summary: RunSummary = {
      runId, company: config.company, compareLevel: level, d365AsOf: config.d365.asOf, wmsAsOf: config.wms.asOf,
      skewMinutes: skew, startedOn, finishedOn: new Date().toISOString(), files: fileCounts,
      keysCompared: compared.keysCompared, classifications,
      material: { count: classifications.Material, absoluteValue: roundValue(absoluteValue), netValue: roundValue(netValue) },
      causes, warnings, rules: { source: context.rules ? 'target' : 'config', names: rules.map((r) => r.name) }, trend: [],
    };
    progress.phase(`recording the run in ${target.description}`);
    summary.trend = await target.complete(summary, discrepancies);
    writeRunJson(join(outDir, 'run.json'), summary);
    progress.summary(summary, outDir);
    return { summary, outDir };
  } catch (error) {
    if (begun) await target.fail(error as Error);
    throw error;
  } finally {
    db.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Writes a file's rejects in line order (malformed lines and rejected records merged) and returns its counts. */
async function writeRejects(db: Database, normalized: NormalizedLines, out: RejectWriter): Promise<FileCount> {
  const { loaded, view, repeats } = normalized;
  const lineOf = lineNumberer(loaded);
  const malformed = [...loaded.malformed];
  const read = loaded.parsed + loaded.malformed.length;
  const { n: rejected } = await db.one<{ n: number }>(normalized.rejectedCount);
  if (rejected === 0) {
    for (const reject of malformed) await out.write(reject);
    return { source: loaded.source, file: loaded.file.label, read, accepted: loaded.parsed, rejected: malformed.length };
  }
  const repeatsSql = repeats ? `UNION ALL SELECT rec, NULL AS reason, first_rec FROM ${repeats}` : '';
  let rejectedRecords = 0;
  const rows = db.streamRows(`SELECT r.rec, r.reason, r.first_rec, raw.* EXCLUDE (rec)
    FROM (SELECT rec, reason, NULL::BIGINT AS first_rec FROM ${view} WHERE reason IS NOT NULL ${repeatsSql}) r
    JOIN (SELECT rowid AS rec, * FROM ${loaded.table}) raw ON raw.rec = r.rec
    ORDER BY r.rec`);
  for await (const chunk of rows) {
    for (const [rec, reason, firstRec, ...values] of chunk) {
      const line = lineOf(Number(rec));
      while (malformed.length > 0 && malformed[0]!.line < line) await out.write(malformed.shift()!);
      const why = reason === null
        ? `the same key as line ${lineOf(Number(firstRec))} (a repeated key would count its quantity twice)`
        : String(reason);
      await out.write({ source: loaded.source, file: loaded.file.label, line, reason: why, raw: rawRecord(values, loaded.delimiter) });
      rejectedRecords += 1;
    }
  }
  for (const reject of malformed) await out.write(reject);
  return {
    source: loaded.source, file: loaded.file.label, read,
    accepted: loaded.parsed - rejectedRecords, rejected: rejectedRecords + loaded.malformed.length,
  };
}
