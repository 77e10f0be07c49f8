/**
 * `ibal reconcile`: read both snapshots, map and convert, compare in DuckDB, classify with finance's rules,
 * track history, and write the discrepancies, the rejects and the run summary.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { byValueImpact } from '../core/discrepancy.js';
import { CLASSIFICATIONS, roundValue, type Classification } from '../core/classification.js';
import type { ReconcileConfig } from '../core/config.js';
import { KEY_FIELDS, effectiveLevel, type LevelField } from '../core/keys.js';
import { siteOfWarehouse } from '../core/mappings.js';
import { describeRule } from '../core/thresholds.js';
import { rejectedShareWarning, skewMinutes, skewWarning, unusableSide, type FileCount, type RunSummary, type Source } from '../core/run.js';
import { loadConfig } from './config-loader.js';
import { findLikelyCauses } from './causes.js';
import { compareSnapshots } from './compare/compare.js';
import { Database, type Session } from './db.js';
import { InputError } from './errors.js';
import { REJECTED_KEY_FIELDS, createRejectedKeyFields, markIncompleteKeys } from './compare/incomplete.js';
import { LocalHistoryTarget, type RunTarget } from './run-target.js';
import { lineNumberer, loadTable, rawRecord, scanTable, type LoadedTable } from './load.js';
import {
  d365AtLevel, d365ColumnMap, normalizeD365, normalizeD365Items, normalizeItemXref, normalizeValuation, normalizeWms, type NormalizedLines,
} from './compare/normalize.js';
import { openRejects, writeDiscrepancies, writeRunJson, type RejectWriter } from './outputs.js';
import { Progress } from './progress.js';
import { snapshotHash } from './snapshot-hash.js';
import { isUri, openSource, sourceType, type ScannableFile, type SourceSpec } from './sources.js';
import { withDelta } from './spark/environment.js';
import type { SparkSession } from './spark/session.js';

export interface ReconcileOptions {
  configPath: string;
  outDir: string;
  historyPath?: string | undefined;
  runId?: string | undefined;
  /** Let this run replace an earlier run of the same id that was reconciled from other snapshot files. */
  replace?: boolean | undefined;
  /** Where progress goes; undefined for quiet. */
  progress?: ((text: string) => void) | undefined;
  /** Where warnings go, also when progress is quiet. */
  warnings?: ((text: string) => void) | undefined;
  /** Where history comes from and the run is recorded; the local history file by default. */
  target?: RunTarget | undefined;
  /** DuckDB's memory limit; beyond it DuckDB spills to a temp folder (default 2GB, so a 10M-line run stays under 4 GB). */
  memoryLimit?: string | undefined;
  /** Where the set work runs (--engine); the config's `engine` by default. */
  engine?: 'duckdb' | 'spark' | undefined;
  /** The Spark master (--spark-master); the config's `spark.master` by default. */
  sparkMaster?: string | undefined;
  /** A running Spark session to use instead of starting one (left running): runs in one process share its driver. */
  sparkSession?: SparkSession | undefined;
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
  // The set work runs in `compute`: this DuckDB session, or Spark, which hands its results back to it as Parquet.
  let spark: SparkSession | undefined;
  let exchangeRun: string | undefined;
  let compute: Session = db;
  const phase = (text: string) => {
    progress.phase(text);
    if (spark) spark.phase = text;
  };
  const engine = options.engine ?? config.engine;
  try {
    if (config.d365.onHand.format === 'InventSumInventDim' && engine !== 'spark') {
      throw new InputError(`d365.onHand.format InventSumInventDim: D365's tables from Synapse Link or Link to Fabric are joined on Spark (engine spark, README "Past one machine")`);
    }
    if (engine === 'spark' && options.sparkSession) {
      spark = options.sparkSession;
      spark.useLocal(db);
      compute = spark;
    } else if (engine === 'spark') {
      const master = options.sparkMaster ?? config.spark.master;
      phase(`starting Spark (master ${master})`);
      const specs = [config.d365.onHand, config.d365.onHand.inventDim, config.d365.valuation, config.d365.items, config.wms.onHand, config.wms.inFlight];
      // Synapse and Fabric have Delta; elsewhere Spark fetches it when a source is a Delta table.
      const delta = !config.spark.livy && specs.some((spec) => spec !== undefined && sourceType(spec) === 'delta');
      refuseSparkSettings(config, options.sparkMaster);
      const exchange = config.spark.exchange;
      // A folder of this run's own in a configured exchange, removed at the end like the private one.
      const run = `ibal-${process.pid}-${Date.now()}`;
      const shared = (folder: string) => ({ spark: folder, local: folder });
      const folders = exchange === undefined ? shared(join(workDir, 'exchange'))
        : typeof exchange === 'string' ? shared(join(resolvePath(exchange), run))
          : { spark: `${exchange.spark.replace(/\/+$/, '')}/${run}`, local: join(resolvePath(exchange.local), run) };
      if (exchange !== undefined) exchangeRun = folders.local;
      // Loaded only for Spark: a run on DuckDB loads nothing of it (nor MSAL, which a Livy session signs in with).
      const { openSpark } = await import('./spark/session.js');
      spark = await openSpark({ ...config.spark, conf: withDelta(config.spark.conf, delta), master, echoLog: process.env.IBAL_SPARK_LOG === '1',
        exchange: folders }, db);
      compute = spark;
      phase(`Spark ${spark.version} is running the compare`);
    }
    const hash = await snapshotHash(([['d365.onHand', config.d365.onHand], ['d365.valuation', config.d365.valuation],
      ['wms.onHand', config.wms.onHand], ['wms.inFlight', config.wms.inFlight]] as const)
      .filter(([, spec]) => spec !== undefined).map(([source, spec]) => ({ source, path: resolvePath(spec!.path) })));
    phase(`run ${runId}: ${target.description}`);
    const context = await target.begin(db, { runId, company: config.company, d365AsOf: config.d365.asOf, wmsAsOf: config.wms.asOf,
      startedOn, snapshotHash: hash, replace: options.replace === true, residualRuns: config.audit.afterRuns - 1,
      configRules: config.thresholds, units: config.mappings.units });
    if (spark) {
      // The history's relations live in this DuckDB session; the compare and the likely causes read them on Spark.
      if (context.previousMaterial) context.previousMaterial = await spark.handOver(context.previousMaterial, 'previous_material_keys');
      if (context.previousResiduals) context.previousResiduals = await spark.handOver(context.previousResiduals, 'previous_residual_keys');
    }
    const rules = context.rules ?? config.thresholds;
    if (rules === undefined) {
      throw new InputError(`${options.configPath}: thresholds: no threshold rules. Put finance's rules under thresholds, or create them in the app (Threshold rules) when the run goes to Dataverse`);
    }
    const warnings: string[] = [];
    const warn = (message: string) => { warnings.push(message); progress.warn(message); };
    context.warnings.forEach(warn);

    const d365Columns = d365ColumnMap(config.d365.onHand);
    const d365Has = new Set<LevelField>(['site', 'warehouse', 'location', 'batch', 'serial', 'status', 'owner']
      .filter((f) => d365Columns[f] !== undefined || (f === 'site' && d365Columns.warehouse !== undefined)) as LevelField[]);
    const wmsColumns = config.wms.onHand.columns;
    const wmsHas = new Set<LevelField>(['site', 'warehouse', ...(['location', 'batch', 'serial', 'status', 'owner'] as const)
      .filter((f) => wmsColumns[f] !== undefined)] as LevelField[]);
    const decision = effectiveLevel(config.compareLevel, d365Has, wmsHas, { d365: 'd365.onHand', wms: 'wms.onHand' });
    decision.dropped.forEach((d) => warn(d.reason));
    const level = decision.level;

    const files: NormalizedLines[] = [];
    /** A file Spark reads from storage goes to it by its address; every other file is opened here (packages, UTF-16). */
    const fileOf = async (source: string, spec: SourceSpec): Promise<ScannableFile> => {
      const type = sourceType(spec);
      if (type === 'delta' && !spark) {
        throw new InputError(`${source}.type delta: a Delta table is read on Spark (engine spark, README "Past one machine"); on one machine give CSV, a data package or Parquet`);
      }
      if (spark && (isUri(spec.path) || type === 'delta')) {
        if (type === 'package') throw new InputError(`${source}.path: a data package is unpacked on this machine; give its path here, not an address (${spec.path})`);
        return { label: spec.path, path: resolvePath(spec.path), kind: type };
      }
      return openSource(source, spec, resolvePath(spec.path), workDir, config.packages);
    };
    const open = async (source: Source, spec: SourceSpec, table: string): Promise<LoadedTable> => {
      phase(`reading ${source} ${spec.path}`);
      const file = await fileOf(source, spec);
      const inventDim = source === 'd365.onHand' ? config.d365.onHand.inventDim : undefined;
      const loaded = !spark ? await loadTable(db, source, file, table)
        : await spark.load(source, file, table, inventDim && await fileOf('d365.onHand.inventDim', inventDim));
      progress.file(source, file.label, loaded.parsed + loaded.malformed.length, loaded.malformed.length);
      return loaded;
    };

    /**
     * The D365 file is first only scanned, in the one pass that normalizes and sums it; when it has a line that must
     * be named (rejected, repeated, malformed) it is loaded as a table and normalized again with line numbers.
     */
    const scanned = async <T extends NormalizedLines>(source: Source, spec: SourceSpec, table: string,
      normalize: (loaded: LoadedTable) => Promise<T>): Promise<T> => {
      if (spark) return normalize(await open(source, spec, table));
      phase(`reading ${source} ${spec.path}`);
      const file = await fileOf(source, spec);
      const normalizeLoaded = (loaded: LoadedTable): Promise<T> => {
        progress.file(source, file.label, loaded.parsed + loaded.malformed.length, loaded.malformed.length);
        return normalize(loaded);
      };
      const numbered = async (): Promise<T> => normalizeLoaded(await loadTable(db, source, file, table));
      const scan = await scanTable(db, source, file, table);
      if (!scan.scanned) return normalizeLoaded(scan);
      try {
        const result = await normalize(scan);
        if (!result.needsLineNumbers) {
          progress.file(source, file.label, scan.parsed, 0);
          return result;
        }
      } catch {
        // A malformed line (the scan is strict) or anything else: the table load names it, or fails as it should.
      }
      return numbered();
    };

    let items = new Map();
    const itemMapping = config.mappings.items;
    if (itemMapping !== undefined && 'path' in itemMapping && typeof itemMapping.path === 'string') {
      const spec = itemMapping as SourceSpec & { columns: { sku: string; item: string } };
      const xref = await normalizeItemXref(compute, await open('mappings.items', spec, 'item_xref_raw'), spec.columns);
      items = xref.items;
      files.push(xref);
    } else if (itemMapping !== undefined) {
      items = new Map(Object.entries(itemMapping));
    }

    const d365 = await scanned('d365.onHand', config.d365.onHand, 'd365_raw',
      (loaded) => normalizeD365(compute, loaded, config, level, siteOfWarehouse(config.mappings.facilities)));
    files.push(d365);
    let itemGroups = d365.itemGroups;
    if (config.d365.items) {
      const itemFile = await normalizeD365Items(compute, await open('d365.items', config.d365.items, 'd365_items_raw'), config.d365.items.columns);
      files.push(itemFile);
      itemGroups = itemFile.itemGroups;
    }
    let valuation: { view: string; hasSite: boolean; hasWarehouse: boolean } | undefined;
    if (config.d365.valuation) {
      const v = await normalizeValuation(compute, await open('d365.valuation', config.d365.valuation, 'valuation_raw'), config.d365.valuation.columns);
      files.push(v);
      valuation = { view: v.view, hasSite: config.d365.valuation.columns.site !== undefined, hasWarehouse: config.d365.valuation.columns.warehouse !== undefined };
    } else {
      warn('no d365.valuation file: every difference is valued at 0 and flagged no-cost');
    }
    const mappings = { config, company: d365.company, items, level };
    // The WMS file is loaded as a table: it is read twice (its distinct codes for the mapping, then its lines), which
    // costs less from a table than from the file, and the likely causes find its lines by number there.
    const wms = await normalizeWms(compute, await open('wms.onHand', config.wms.onHand, 'wms_raw'), 'wms.onHand', wmsColumns, mappings);
    files.push(wms);
    let inFlight: Awaited<ReturnType<typeof normalizeWms>> | undefined;
    if (config.wms.inFlight) {
      inFlight = await normalizeWms(compute, await open('wms.inFlight', config.wms.inFlight, 'inflight_raw'), 'wms.inFlight',
        config.wms.inFlight.columns, mappings);
      files.push(inFlight);
    }

    // The rejects are written before the compare: a run refused below still shows why its lines were rejected.
    phase('writing rejects.csv');
    const rejects = openRejects(join(outDir, 'rejects.csv'));
    await createRejectedKeyFields(compute);
    const fileCounts: FileCount[] = [];
    for (const normalized of files) fileCounts.push(await writeRejects(compute, normalized, rejects));
    await rejects.close();
    const unusable = fileCounts.map(unusableSide).filter((reason): reason is string => reason !== undefined);
    if (unusable.length > 0) throw new InputError(`nothing to compare: ${unusable.join('; ')}`);
    for (const count of fileCounts) {
      const tooMany = rejectedShareWarning(count, config.rejects.warnShare);
      if (tooMany) warn(tooMany);
    }

    phase(`comparing at ${['item', ...level].join(' + ')}`);
    const d365Keys = (await d365AtLevel(compute)).relation;
    const incomplete = await markIncompleteKeys(compute, level,
      [d365Keys, wms.atLevel.relation, ...(inFlight ? [inFlight.atLevel.relation] : [])].map((relation) => `SELECT key FROM (${relation})`));
    const compared = await compareSnapshots(compute, {
      level, d365: d365Keys, wms: wms.atLevel.relation, inFlight: inFlight?.atLevel.relation, valuation,
      previousMaterial: context.previousMaterial, incompleteKeys: incomplete?.table, itemGroups,
    }, rules, config.audit.afterRuns);
    if (compared.keysWithoutRule > 0) {
      warn(`${compared.keysWithoutRule} keys matched no threshold rule and were classified Material (add a rule without scope to cover them)`);
    }
    if (incomplete !== undefined && incomplete.count > 0) {
      warn(`${incomplete.count} keys may be missing a rejected line: they are flagged incomplete and none is called Balanced (see rejects.csv)`);
    }

    const skew = skewMinutes(config.d365.asOf, config.wms.asOf);
    const skewed = skewWarning(skew, config.timing.maxSkewMinutes);
    if (skewed) warn(skewed);

    phase('finding likely causes');
    const causes = await findLikelyCauses(compute, { level, config, wms, inFlight, previousResiduals: context.previousResiduals }, compared.discrepancies);

    phase('writing discrepancies.csv');
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
      runId, company: d365.company, compareLevel: level, d365AsOf: config.d365.asOf, wmsAsOf: config.wms.asOf,
      skewMinutes: skew, startedOn, finishedOn: new Date().toISOString(), files: fileCounts, snapshotHash: hash,
      keysCompared: compared.keysCompared, incompleteKeys: incomplete?.count ?? 0, classifications,
      material: { count: classifications.Material, absoluteValue: roundValue(absoluteValue), netValue: roundValue(netValue) },
      causes, warnings, rules: { source: context.rules ? context.rulesSource ?? 'target' : 'config', names: rules.map((r) => r.name), described: rules.map(describeRule) }, trend: [],
    };
    phase(`recording the run in ${target.description}`);
    summary.trend = await target.complete(summary, discrepancies);
    writeRunJson(join(outDir, 'run.json'), summary);
    progress.summary(summary, outDir);
    return { summary, outDir };
  } catch (error) {
    // The target knows whether it recorded the run; a failure anywhere, begin() included, marks it Failed.
    try {
      await target.fail(error as Error);
    } catch (recording) {
      progress.warn(`the run could not be marked Failed in ${target.description}: ${(recording as Error).message}`);
    }
    throw error;
  } finally {
    // The history file is detached (checkpointed and closed) before the session goes: a session closed with a result
    // still referenced can outlive close(), and a next run in the same process must not open the file beside it.
    if (spark && spark !== options.sparkSession) await spark.close().catch(() => spark!.kill());
    await db.run('DETACH DATABASE IF EXISTS history').catch(() => undefined);
    db.close();
    rmSync(workDir, { recursive: true, force: true });
    if (exchangeRun) rmSync(exchangeRun, { recursive: true, force: true });
  }
}

/**
 * Writes a file's rejects in line order (malformed lines and rejected records merged) and returns its counts:
 * read = accepted + rejected + out of scope. On the way it keeps each rejected line's key fields, for the keys it
 * leaves incomplete (job/incomplete.ts), so no second pass over the file is needed.
 */
async function writeRejects(db: Session, normalized: NormalizedLines, out: RejectWriter): Promise<FileCount> {
  const { loaded, view, repeats } = normalized;
  const lineOf = lineNumberer(loaded);
  const malformed = [...loaded.malformed];
  const read = loaded.parsed + loaded.malformed.length;
  const outOfScope = normalized.outOfScopeCount ? (await db.one<{ n: number }>(normalized.outOfScopeCount)).n : 0;
  const { n: rejected } = await db.one<{ n: number }>(normalized.rejectedCount);
  const counts = (rejectedRecords: number): FileCount => ({
    source: loaded.source, file: loaded.file.label, read,
    accepted: loaded.parsed - rejectedRecords - outOfScope, rejected: rejectedRecords + loaded.malformed.length, outOfScope,
  });
  if (rejected === 0) {
    for (const reject of malformed) await out.write(reject);
    return counts(0);
  }
  const keyFields = normalized.rejectedKeyFields ?? [];
  const fieldsSql = keyFields.map((f) => `, ${f}`).join('');
  const repeatsSql = repeats ? `UNION ALL SELECT rec, NULL AS reason, first_rec${fieldsSql} FROM ${repeats}` : '';
  let rejectedRecords = 0;
  // Named apart: a file's column may be called like a key field, and Spark writes no result with a name twice.
  const rawColumns = loaded.columns.map((c, i) => `raw.${db.dialect.ident(c)} AS raw_${i}`).join(', ');
  const rows = db.streamRows(`SELECT r.rec, r.reason, r.first_rec${keyFields.map((f) => `, r.${f} AS key_${f}`).join('')}, ${rawColumns}
    FROM (SELECT rec, reason, CAST(NULL AS BIGINT) AS first_rec${fieldsSql} FROM ${view} WHERE reason IS NOT NULL ${repeatsSql}) r
    JOIN (SELECT ${loaded.rec} AS rec, * FROM ${loaded.table}) raw ON raw.rec = r.rec
    ORDER BY r.rec`);
  for await (const chunk of rows) {
    if (keyFields.length > 0) {
      await db.append(REJECTED_KEY_FIELDS, chunk.map((row) => KEY_FIELDS.map((field) => {
        const at = keyFields.indexOf(field);
        return at < 0 || row[3 + at] === null ? null : String(row[3 + at]);
      })));
    }
    for (const [rec, reason, firstRec, ...rest] of chunk) {
      const values = rest.slice(keyFields.length);
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
  return counts(rejectedRecords);
}

/**
 * Spark settings that cannot work, refused before anything starts, each naming its key: a driver in cluster mode
 * (the job talks to it on 127.0.0.1), a master given for a Livy session, a Livy address that would carry the token in
 * clear, and this machine's files or D365's tables in headerless CSV for a session elsewhere.
 */
function refuseSparkSettings(config: ReconcileConfig, sparkMaster: string | undefined): void {
  if (config.spark.conf['spark.submit.deployMode'] === 'cluster') {
    throw new InputError('spark.conf.spark.submit.deployMode: the driver runs in client mode, beside the job that talks to it; leave out cluster mode');
  }
  if (config.d365.onHand.format === 'InventSumInventDim'
    && [config.d365.onHand, config.d365.onHand.inventDim!].some((spec) => sourceType(spec) === 'csv')) {
    throw new InputError('d365.onHand.type: Synapse Link writes INVENTSUM and INVENTDIM as Delta (or CSV without a header row); give the Delta tables (type delta) or Parquet');
  }
  const livy = config.spark.livy;
  if (!livy) return;
  if (sparkMaster !== undefined) throw new InputError('--spark-master: the Livy session of spark.livy runs on its own pool; leave out the master');
  const url = new URL(livy.url);
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol !== 'https:' && !loopback) throw new InputError(`spark.livy.url: ${livy.url} would carry the token unencrypted; use https`);
  if (loopback) return;
  if (config.spark.exchange === undefined) {
    throw new InputError(`spark.exchange: the Livy session on ${url.hostname} writes its results where this machine must read them; `
      + 'set spark.exchange to { "spark": "abfss://…", "local": "<where this machine mounts it>" }');
  }
  const local = ([['d365.onHand', config.d365.onHand], ['d365.onHand.inventDim', config.d365.onHand.inventDim], ['d365.valuation', config.d365.valuation],
    ['d365.items', config.d365.items], ['wms.onHand', config.wms.onHand], ['wms.inFlight', config.wms.inFlight]] as const)
    .find(([, spec]) => spec !== undefined && !isUri(spec.path));
  if (local) {
    throw new InputError(`${local[0]}.path: the Livy session on ${url.hostname} reads storage addresses (abfss://…), not this machine's files (${local[1]!.path})`);
  }
}
