/**
 * Records runs in Dataverse (issue "Sandbox"): the run row goes Running → Completed or Failed, discrepancies go in
 * with UpsertMultiple keyed by (run, key hash) so a re-run updates instead of adding, and history and the active
 * threshold rules are read from the target. Every column name comes from the definitions in core/.
 *
 * A run never lies about itself: while Running the job renews a lease on the row, and a Running row past its lease
 * (a killed job) is marked Failed by the next job of the company or of the same run id. A run id stays bound to
 * the snapshot files its rows came from: other files are refused unless --replace, which renames the old run.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ThresholdRule } from '../../core/config.js';
import { describeRule, sameRules } from '../../core/thresholds.js';
import { InputError, differentSnapshotError } from '../errors.js';
import type { Discrepancy } from '../../core/discrepancy.js';
import type { RunTrendPoint } from '../../core/history.js';
import { keyString } from '../../core/keys.js';
import type { RunSummary } from '../../core/run.js';
import { lookupValueName, maxLengthOf, type ColumnDefinition } from '../../core/dataverse/schema.js';
import { CLASSIFICATION, LIKELY_CAUSE, REVIEW_STATUS, RUN_STATUS, discrepancy as discrepancyTable, snapshotRun, thresholdRule } from '../../core/dataverse/tables.js';
import { CAUSES, systematicSummaryText } from '../../core/causes.js';
import { ENVIRONMENT_VARIABLES, type EnvironmentVariableDefinition } from '../../core/dataverse/environment.js';
import {
  REMOVABLE_STATUSES, parseDiscrepancyRows, parseRetentionWeeks, retentionCutoff, rowsToWrite, type DiscrepancyRows,
} from '../../core/storage.js';
import type { Database } from '../db.js';
import type { RunContext, RunStart, RunTarget } from '../run-target.js';
import { DataverseRequestError, type DataverseClient } from './client.js';

const RUN = snapshotRun.columns;
const D = discrepancyTable.columns;
const R = thresholdRule.columns;
const n = (c: ColumnDefinition) => c.logicalName;
const statusValue = (label: string) => RUN_STATUS.find((s) => s.label === label)!.value;
const classificationValue = (label: string) => CLASSIFICATION.find((c) => c.label === label)!.value;
const MATERIAL = classificationValue('Material');
const causeValue = (cause: Discrepancy['likelyCause']) => (cause === '' ? null : LIKELY_CAUSE[CAUSES.indexOf(cause)]!.value);

/** The key hash the discrepancy table's alternate key uses: SHA-256 of core's keyString. */
export const keyHash = (d: Discrepancy): string => createHash('sha256').update(keyString(d), 'utf8').digest('hex');

/** OData string literal, as it goes into a URL: quotes doubled, then URL-encoded (a `+`, `&` or `#` would cut the query). */
const literal = (value: string) => `'${encodeURIComponent(value.replace(/'/g, "''"))}'`;
/** A date-time literal in a URL (a `+01:00` offset would read as a space). */
const instant = (value: string) => encodeURIComponent(value);
/** The same literal inside a JSON body (`@odata.id`), where it is not URL-decoded. */
const bodyLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;

const idRow = (idColumn: string) => z.object({ [idColumn]: z.string() }).passthrough();

const ruleRowSchema = z.object({
  [thresholdRule.primaryName.logicalName]: z.string(),
  [n(R.scopeItem)]: z.string().nullable(), [n(R.scopeSite)]: z.string().nullable(), [n(R.scopeWarehouse)]: z.string().nullable(),
  [n(R.scopeItemGroup)]: z.string().nullable().optional(),
  [n(R.quantityLimit)]: z.number().nullable(), [n(R.percentLimit)]: z.number().nullable(), [n(R.valueLimit)]: z.number().nullable(),
});

/** What the job reads of an existing run row. */
interface RunRow { id: string; name: string; status: number; snapshotHash?: string | null | undefined; leaseUntil?: string | null | undefined;
  startedOn?: string | null | undefined; finishedOn?: string | null | undefined; warnings?: string | null | undefined }
const RUN_ROW_FIELDS = { id: snapshotRun.primaryId, name: n(snapshotRun.primaryName), status: n(RUN.runStatus), snapshotHash: n(RUN.snapshotHash),
  leaseUntil: n(RUN.leaseUntil), startedOn: n(RUN.startedOn), finishedOn: n(RUN.finishedOn), warnings: n(RUN.warnings) } as const;
const runRowSchema = z.object({
  [RUN_ROW_FIELDS.id]: z.string(), [RUN_ROW_FIELDS.name]: z.string(), [RUN_ROW_FIELDS.status]: z.number(),
  ...Object.fromEntries((['snapshotHash', 'leaseUntil', 'startedOn', 'finishedOn', 'warnings'] as const).map((f) => [RUN_ROW_FIELDS[f], z.string().nullish()])),
});
const readRunRow = (raw: unknown): RunRow => {
  const row = runRowSchema.parse(raw) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(RUN_ROW_FIELDS).map(([field, column]) => [field, row[column]])) as unknown as RunRow;
};
const RUN_ROW_SELECT = Object.values(RUN_ROW_FIELDS).join(',');

export interface DataverseTargetOptions {
  /** Rows per UpsertMultiple request (Dataverse takes up to 1,000). */
  batchSize?: number;
  /** How long a Running row stays claimed without a sign of life from its job (default 15 minutes; renewed every third of it). */
  leaseMs?: number;
  /** The clock, for leases. */
  now?: () => number;
  /** What a run stores and how long; by default the environment variables DiscrepancyRows and RetentionWeeks say. */
  discrepancyRows?: DiscrepancyRows;
  retentionWeeks?: number;
  /** Where the target says what it removed (retention). */
  log?: (text: string) => void;
}

/** What retention did: the old runs it looked at, the rows it removed, and the rows it could not remove. */
export interface RetentionOutcome { runs: number; removed: number; failed: Array<{ path: string; reason: string }> }

export class DataverseTarget implements RunTarget {
  private runId: string | undefined;
  private run: RunStart | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private storage: { rows: DiscrepancyRows; retentionWeeks: number } | undefined;

  constructor(private readonly client: DataverseClient, private readonly apiUrl: string, private readonly options: DataverseTargetOptions = {}) {}

  private get leaseMs(): number { return this.options.leaseMs ?? 15 * 60 * 1000; }
  private now(): number { return (this.options.now ?? Date.now)(); }
  private leaseUntil(): string { return new Date(this.now() + this.leaseMs).toISOString(); }

  get description(): string {
    return `Dataverse ${this.apiUrl}`;
  }

  async begin(db: Database, run: RunStart): Promise<RunContext> {
    this.run = run;
    const warnings: string[] = [];
    const existing = await this.runNamed(run.runId);
    if (existing) warnings.push(...await this.settleEarlier(existing, run));
    warnings.push(...await this.failStaleRuns(run.company, run.runId));

    const created = await this.client.request('PATCH', `${snapshotRun.entitySetName}(${n(snapshotRun.primaryName)}=${literal(run.runId)})`, {
      [n(RUN.company)]: run.company, [n(RUN.d365AsOf)]: run.d365AsOf, [n(RUN.wmsAsOf)]: run.wmsAsOf,
      [n(RUN.runStatus)]: statusValue('Running'), [n(RUN.startedOn)]: run.startedOn, [n(RUN.finishedOn)]: null, [n(RUN.warnings)]: null,
      [n(RUN.leaseUntil)]: this.leaseUntil(),
      [n(RUN.systematicFindings)]: null,
    }, { Prefer: 'return=representation' });
    this.runId = idRow(snapshotRun.primaryId).parse(created.body)[snapshotRun.primaryId] as string;
    // The lease is renewed while the job lives; a killed job stops renewing it, and the next job sees that.
    this.heartbeat = setInterval(() => { void this.renewLease(); }, Math.max(1000, Math.floor(this.leaseMs / 3)));
    this.heartbeat.unref();
    // A run being written is not "the latest": the views keep showing the newest completed one meanwhile.
    await this.markLatest(run.company);

    const { rules, rulesSource } = await this.rulesFor(run.configRules);
    this.storage = await this.storageSettings();
    const residualRuns = run.residualRuns ?? 0;
    const previous = await this.client.retrieveTop(`${snapshotRun.entitySetName}?$select=${snapshotRun.primaryId},${n(snapshotRun.primaryName)}`
      + `&$filter=${n(RUN.company)} eq ${literal(run.company)} and ${n(RUN.runStatus)} eq ${statusValue('Completed')}`
      + ` and ${n(RUN.d365AsOf)} lt ${instant(run.d365AsOf)} and ${n(snapshotRun.primaryName)} ne ${literal(run.runId)}`
      + `&$orderby=${n(RUN.d365AsOf)} desc&$top=${Math.max(1, residualRuns)}`);
    const previousId = previous[0]?.[snapshotRun.primaryId];
    if (typeof previousId !== 'string') return { previousMaterial: undefined, rules, rulesSource, warnings };

    const materialOf = (runId: unknown) => this.client.retrieveAll(`${discrepancyTable.entitySetName}?$select=${n(D.keyHash)},${n(D.runsUnbalanced)},${n(D.residual)}`
      + `&$filter=${lookupValueName(n(D.run))} eq ${String(runId)} and ${n(D.classification)} eq ${MATERIAL}`);
    const material = await materialOf(previousId);
    await db.run('CREATE TEMP TABLE previous_material (key_hash VARCHAR, runs_unbalanced DOUBLE)');
    await db.append('previous_material', material.map((row) => [String(row[n(D.keyHash)]), Number(row[n(D.runsUnbalanced)] ?? 0)]));
    if (residualRuns === 0) return { previousMaterial: 'previous_material', rules, rulesSource, warnings };

    // The likely causes' persistent residual: the Material residuals of the last runs, most recent first.
    await db.run('CREATE TEMP TABLE previous_residuals (key_hash VARCHAR, run_id VARCHAR, runs_back DOUBLE, residual DOUBLE)');
    for (const [back, earlier] of previous.slice(0, residualRuns).entries()) {
      const rows = back === 0 ? material : await materialOf(earlier[snapshotRun.primaryId]);
      await db.append('previous_residuals', rows.filter((row) => typeof row[n(D.residual)] === 'number')
        .map((row) => [String(row[n(D.keyHash)]), String(earlier[n(snapshotRun.primaryName)]), back + 1, Number(row[n(D.residual)])]));
    }
    return { previousMaterial: 'previous_material', previousResiduals: 'previous_residuals', rules, rulesSource, warnings };
  }

  private async runNamed(runId: string): Promise<RunRow | undefined> {
    const rows = await this.client.retrieveTop(`${snapshotRun.entitySetName}?$select=${RUN_ROW_SELECT}`
      + `&$filter=${n(snapshotRun.primaryName)} eq ${literal(runId)}`);
    return rows[0] === undefined ? undefined : readRunRow(rows[0]);
  }

  /** When a Running row's job last promised to be alive: its lease, or for rows without one, its start plus a lease. */
  private leaseEnd(row: RunRow): number {
    const lease = row.leaseUntil;
    if (lease) return Date.parse(lease);
    const started = row.startedOn;
    return started ? Date.parse(started) + this.leaseMs : 0;
  }

  /**
   * An earlier row of this run id: still running elsewhere (refused), left Running by a killed job (marked Failed),
   * or finished from other snapshot files (refused, or renamed and kept with --replace).
   */
  private async settleEarlier(existing: RunRow, run: RunStart): Promise<string[]> {
    const warnings: string[] = [];
    const id = existing.id;
    const started = existing.startedOn ?? 'at an unknown time';
    if (existing.status === statusValue('Running')) {
      const leaseEnd = this.leaseEnd(existing);
      if (leaseEnd > this.now()) {
        throw new InputError(`run ${run.runId} is being written by another job (started ${started}; it renews its lease until ${new Date(leaseEnd).toISOString()}). `
          + 'Wait for it to finish; if that job was stopped, run again after its lease ends');
      }
      await this.markFailed(id, `The run did not finish: its job (started ${started}) stopped renewing its lease at ${new Date(leaseEnd).toISOString()} `
        + '(stopped, or lost its connection). It was run again.');
      warnings.push(`An earlier attempt of run ${run.runId} (started ${started}) did not finish; it was marked Failed and this run replaces it`);
    }
    const hash = existing.snapshotHash;
    if (hash && hash !== run.snapshotHash) {
      const finished = existing.finishedOn ?? undefined;
      if (!run.replace) throw differentSnapshotError(run.runId, `Dataverse ${this.apiUrl}`, finished);
      const suffix = ` (replaced ${new Date(this.now()).toISOString()})`;
      const renamed = `${run.runId.slice(0, (maxLengthOf(snapshotRun.primaryName) ?? 100) - suffix.length)}${suffix}`;
      await this.client.request('PATCH', `${snapshotRun.entitySetName}(${id})`, {
        [n(snapshotRun.primaryName)]: renamed, [n(RUN.runStatus)]: statusValue('Replaced'), [n(RUN.isLatest)]: false,
        [n(RUN.warnings)]: [existing.warnings, `Replaced by a run of other snapshot files under the id ${run.runId} (--replace); `
          + 'its discrepancies, reviewed or not, stay with this run and out of the review views.'].filter(Boolean).join('\n').slice(0, 10000),
      }, { 'If-Match': '*' });
      warnings.push(`--replace: the earlier run ${run.runId} (other snapshot files${finished ? `, finished ${finished}` : ''}) was renamed '${renamed}' `
        + 'and keeps its discrepancies; this run starts afresh');
    }
    return warnings;
  }

  /** Runs of the company left Running past their lease: their jobs are gone, so the rows say Failed. */
  private async failStaleRuns(company: string, runId: string): Promise<string[]> {
    const running = await this.client.retrieveAll(`${snapshotRun.entitySetName}?$select=${RUN_ROW_SELECT}`
      + `&$filter=${n(RUN.company)} eq ${literal(company)} and ${n(RUN.runStatus)} eq ${statusValue('Running')}`
      + ` and ${n(snapshotRun.primaryName)} ne ${literal(runId)}`);
    const warnings: string[] = [];
    for (const raw of running) {
      const row = readRunRow(raw);
      const leaseEnd = this.leaseEnd(row);
      if (leaseEnd > this.now()) continue;
      await this.markFailed(row.id, `The run did not finish: its job (started ${row.startedOn ?? 'at an unknown time'}) `
        + `stopped renewing its lease at ${new Date(leaseEnd).toISOString()} (stopped, or lost its connection).`);
      warnings.push(`Run ${row.name} had been left Running by a job that stopped; it is now marked Failed`);
    }
    return warnings;
  }

  private async markFailed(id: string, reason: string): Promise<void> {
    await this.client.request('PATCH', `${snapshotRun.entitySetName}(${id})`, {
      [n(RUN.runStatus)]: statusValue('Failed'), [n(RUN.finishedOn)]: new Date(this.now()).toISOString(), [n(RUN.isLatest)]: false,
      [n(RUN.leaseUntil)]: null, [n(RUN.warnings)]: reason.slice(0, 10000),
    }, { 'If-Match': '*' });
  }

  private async renewLease(): Promise<void> {
    if (this.runId === undefined) return;
    try {
      await this.updateRun({ [n(RUN.leaseUntil)]: this.leaseUntil() });
    } catch {
      // A missed renewal is retried at the next beat; the lease is three beats long.
    }
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  /**
   * Finance keeps the rules in the app (the Threshold rules table). A first run seeds the table from the config's
   * rules; after that the table's active rules are used, and a config still holding rules that differ is refused
   * (exit 2), so no run is ever classified with rules nobody sees in the app.
   */
  private async rulesFor(configRules: readonly ThresholdRule[] | undefined): Promise<{ rules: ThresholdRule[] | undefined; rulesSource: 'target' | 'seeded' | undefined }> {
    const kept = await this.activeRules();
    if (kept !== undefined) {
      if (configRules !== undefined && !sameRules(kept, configRules)) {
        throw new InputError('thresholds: the config holds threshold rules and Dataverse holds others (the app\'s Threshold rules, which the runs use). '
          + `Dataverse: ${kept.map(describeRule).join('; ')}. Config: ${configRules.map(describeRule).join('; ')}. `
          + 'Change the rules in the app and remove thresholds from the config (or make them the same)');
      }
      return { rules: kept, rulesSource: 'target' };
    }
    if (configRules === undefined || configRules.length === 0) return { rules: undefined, rulesSource: undefined };
    await this.client.request('POST', `${thresholdRule.entitySetName}/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: configRules.map((rule) => ({
      '@odata.type': `Microsoft.Dynamics.CRM.${thresholdRule.logicalName}`, [n(thresholdRule.primaryName)]: rule.name,
      [n(R.scopeItem)]: rule.scope?.item ?? null, [n(R.scopeItemGroup)]: rule.scope?.itemGroup ?? null, [n(R.scopeSite)]: rule.scope?.site ?? null,
      [n(R.scopeWarehouse)]: rule.scope?.warehouse ?? null, [n(R.quantityLimit)]: rule.quantity ?? null, [n(R.percentLimit)]: rule.percent ?? null,
      [n(R.valueLimit)]: rule.value ?? null, [n(R.active)]: true,
    })) });
    return { rules: [...configRules], rulesSource: 'seeded' };
  }

  /** Finance keeps the rules in the app; the config's apply only while the target has none. */
  private async activeRules(): Promise<ThresholdRule[] | undefined> {
    const rows = await this.client.retrieveAll(`${thresholdRule.entitySetName}?$select=${[thresholdRule.primaryName, R.scopeItem, R.scopeSite,
      R.scopeWarehouse, R.scopeItemGroup, R.quantityLimit, R.percentLimit, R.valueLimit].map(n).join(',')}`
      + `&$filter=${n(R.active)} eq true and statecode eq 0&$orderby=${n(thresholdRule.primaryName)}`);
    if (rows.length === 0) return undefined;
    return rows.map((raw) => {
      const row = ruleRowSchema.parse(raw);
      const value = (c: ColumnDefinition) => row[n(c)] ?? undefined;
      const scope = Object.fromEntries([['item', value(R.scopeItem)], ['itemGroup', value(R.scopeItemGroup)], ['site', value(R.scopeSite)],
        ['warehouse', value(R.scopeWarehouse)]]
        .filter(([, v]) => v !== undefined && v !== ''));
      return {
        name: String(row[n(thresholdRule.primaryName)]),
        ...(Object.keys(scope).length > 0 ? { scope } : {}),
        ...(value(R.quantityLimit) !== undefined ? { quantity: Number(value(R.quantityLimit)) } : {}),
        ...(value(R.percentLimit) !== undefined ? { percent: Number(value(R.percentLimit)) } : {}),
        ...(value(R.valueLimit) !== undefined ? { value: Number(value(R.valueLimit)) } : {}),
      } as ThresholdRule;
    });
  }

  async complete(summary: RunSummary, discrepancies: readonly Discrepancy[]): Promise<RunTrendPoint[]> {
    let trend: RunTrendPoint[];
    try {
      trend = await this.write(summary, discrepancies);
    } finally {
      this.stopHeartbeat();
    }
    // After the run is safely recorded: old runs' rows that nobody reviews any more go (README "What a run stores").
    if ((this.storage?.retentionWeeks ?? 0) > 0) {
      const outcome = await this.removeOldRows();
      this.options.log?.(`retention (${this.storage!.retentionWeeks} weeks): ${outcome.removed} rows of ${outcome.runs} older runs removed`
        + `${outcome.failed.length > 0 ? `, ${outcome.failed.length} could not be removed (${outcome.failed[0]!.reason})` : ''}\n`);
    }
    return trend;
  }

  /** The retention weeks the environment sets (or the options), for a retention run outside a reconcile. */
  async retentionWeeks(): Promise<number> {
    this.storage ??= await this.storageSettings();
    return this.storage.retentionWeeks;
  }

  /** The admin's choices (environment variables), unless the options set them; a value that is no choice stops the run. */
  private async storageSettings(): Promise<{ rows: DiscrepancyRows; retentionWeeks: number }> {
    const read = async (variable: EnvironmentVariableDefinition, parse: (value: string | undefined) => unknown) => {
      const filter = `?$filter=schemaname eq ${literal(variable.schemaName)}`;
      const [current] = await this.client.retrieveTop(`environmentvariablevalues${filter}&$select=value`);
      const [definition] = current?.value == null ? await this.client.retrieveTop(`environmentvariabledefinitions${filter}&$select=defaultvalue`) : [];
      const value = current?.value ?? definition?.defaultvalue ?? variable.defaultValue;
      try {
        return parse(value == null ? undefined : String(value));
      } catch (error) {
        throw new InputError(`environment variable ${variable.schemaName}: ${(error as Error).message}`);
      }
    };
    return {
      rows: this.options.discrepancyRows ?? await read(ENVIRONMENT_VARIABLES.discrepancyRows, parseDiscrepancyRows) as DiscrepancyRows,
      retentionWeeks: this.options.retentionWeeks ?? await read(ENVIRONMENT_VARIABLES.retentionWeeks, parseRetentionWeeks) as number,
    };
  }

  private async write(summary: RunSummary, discrepancies: readonly Discrepancy[]): Promise<RunTrendPoint[]> {
    const batchSize = this.options.batchSize ?? 1000;
    // Rows this run already has (an earlier attempt, a corrected re-run): those in review are always written again.
    const existing = await this.client.retrieveAll(`${discrepancyTable.entitySetName}?$select=${[discrepancyTable.primaryName, D.keyHash, D.reviewStatus].map(n).join(',')}`
      + `&$filter=${lookupValueName(n(D.run))} eq ${this.runId}`);
    const inReview = new Set(existing.filter((r) => r[n(D.reviewStatus)] !== REVIEW_STATUS[0]!.value).map((r) => String(r[n(D.keyHash)])));
    const hashes = new Map(discrepancies.map((d) => [d, keyHash(d)]));
    const { written, notWritten } = rowsToWrite(discrepancies, this.storage?.rows ?? 'review', (d) => inReview.has(hashes.get(d)!));
    const rows = written.map((d) => this.discrepancyRow(d, hashes.get(d)!));
    const batches: Array<Array<Record<string, unknown>>> = [];
    for (let i = 0; i < rows.length; i += batchSize) batches.push(rows.slice(i, i + batchSize));
    // The client keeps a bounded number in flight; each batch is an idempotent upsert, so a retry cannot duplicate.
    await Promise.all(batches.map((targets) =>
      this.client.request('POST', `${discrepancyTable.entitySetName}/Microsoft.Dynamics.CRM.UpsertMultiple`, { Targets: targets })));
    const staleWarning = await this.removeStale(existing, new Set(written.map((d) => hashes.get(d)!)));
    if (staleWarning) summary.warnings.push(staleWarning);

    const side = (source: string) => summary.files.find((f) => f.source === source);
    const d365 = side('d365.onHand');
    const wms = side('wms.onHand');
    await this.updateRun({
      [n(RUN.runStatus)]: statusValue('Completed'), [n(RUN.finishedOn)]: summary.finishedOn, [n(RUN.skewMinutes)]: summary.skewMinutes,
      [n(RUN.company)]: summary.company, [n(RUN.snapshotHash)]: summary.snapshotHash, [n(RUN.leaseUntil)]: null,
      [n(RUN.d365LinesOutOfScope)]: d365?.outOfScope ?? 0, [n(RUN.incompleteCount)]: summary.incompleteKeys,
      [n(RUN.comparisonLevel)]: ['item', ...summary.compareLevel].join(', '),
      [n(RUN.d365LinesRead)]: d365?.read ?? 0, [n(RUN.d365LinesAccepted)]: d365?.accepted ?? 0, [n(RUN.d365LinesRejected)]: d365?.rejected ?? 0,
      [n(RUN.wmsLinesRead)]: wms?.read ?? 0, [n(RUN.wmsLinesAccepted)]: wms?.accepted ?? 0, [n(RUN.wmsLinesRejected)]: wms?.rejected ?? 0,
      [n(RUN.keysCompared)]: summary.keysCompared, [n(RUN.materialCount)]: summary.classifications.Material,
      [n(RUN.timingCount)]: summary.classifications.Timing, [n(RUN.immaterialCount)]: summary.classifications.Immaterial,
      [n(RUN.balancedCount)]: summary.classifications.Balanced,
      [n(RUN.materialAbsoluteValue)]: summary.material.absoluteValue, [n(RUN.materialNetValue)]: summary.material.netValue,
      [n(RUN.sourceFiles)]: summary.files.map((f) => `${f.source}: ${f.file} (${f.read} read, ${f.accepted} accepted, ${f.rejected} rejected`
        + `${f.outOfScope > 0 ? `, ${f.outOfScope} out of scope` : ''})`).join('\n').slice(0, 4000),
      [n(RUN.warnings)]: summary.warnings.join('\n').slice(0, 10000) || null,
      [n(RUN.rulesUsed)]: `${summary.rules.source === 'target' ? 'The active threshold rules in Dataverse'
        : summary.rules.source === 'seeded' ? 'The config\'s threshold rules, which this run put into Dataverse (Threshold rules)' : 'The config file\'s threshold rules'}:\n`
        + (summary.rules.described ?? summary.rules.names).map((rule) => `• ${rule}`).join('\n').slice(0, 9000),
      [n(RUN.systematicFindings)]: systematicSummaryText(summary.causes.systematic).slice(0, 10000) || null,
      [n(RUN.notStoredCount)]: notWritten,
    });
    await this.markLatest(summary.company);
    return this.trend(summary.company);
  }

  /**
   * A re-run of a run (a corrected file, say) may no longer find some differences. Rows nobody has touched are
   * removed, so nothing stale can be approved and posted; rows already in review are kept and named.
   */
  private async removeStale(rows: ReadonlyArray<Record<string, unknown>>, current: ReadonlySet<string>): Promise<string | undefined> {
    const stale = rows.filter((r) => !current.has(String(r[n(D.keyHash)])));
    const untouched = stale.filter((r) => r[n(D.reviewStatus)] === REVIEW_STATUS[0]!.value);
    for (const row of untouched) await this.deleteRow(`${discrepancyTable.entitySetName}(${String(row[discrepancyTable.primaryId])})`);
    const kept = stale.filter((r) => r[n(D.reviewStatus)] !== REVIEW_STATUS[0]!.value);
    if (kept.length === 0) return undefined;
    return `${kept.length} discrepancies of this run are no longer differences but were kept because they are in review: `
      + `${kept.slice(0, 20).map((r) => String(r[n(discrepancyTable.primaryName)])).join(', ')}${kept.length > 20 ? ', …' : ''}`;
  }

  /** A DELETE that is retried after its answer was lost finds the row gone: that is the wanted outcome. */
  private async deleteRow(path: string): Promise<void> {
    try {
      await this.client.request('DELETE', path);
    } catch (error) {
      if (!(error instanceof DataverseRequestError && error.status === 404)) throw error;
    }
  }

  /**
   * Retention: the rows of finished runs whose D365 snapshot is older than the retention weeks (never the company's
   * latest run, never a Running one) that nobody reviews any more: New, Rejected or Explained and in no posting
   * batch. Lines in review, posted lines and their batches stay for audit; so do the runs themselves (their counts
   * make the trend).
   */
  async removeOldRows(weeks = this.storage?.retentionWeeks ?? this.options.retentionWeeks ?? 0): Promise<RetentionOutcome> {
    const cutoff = retentionCutoff(weeks, new Date(this.now()));
    if (cutoff === undefined) return { runs: 0, removed: 0, failed: [] };
    const runs = await this.client.retrieveAll(`${snapshotRun.entitySetName}?$select=${snapshotRun.primaryId}`
      + `&$filter=${n(RUN.runStatus)} ne ${statusValue('Running')} and ${n(RUN.isLatest)} ne true and ${n(RUN.d365AsOf)} lt ${instant(cutoff.toISOString())}`);
    const removable = REMOVABLE_STATUSES.map((status) => `${n(D.reviewStatus)} eq ${REVIEW_STATUS.find((s) => s.label === status)!.value}`).join(' or ');
    let removed = 0;
    const failed: RetentionOutcome['failed'] = [];
    for (const run of runs) {
      const rows = await this.client.retrieveAll(`${discrepancyTable.entitySetName}?$select=${discrepancyTable.primaryId}`
        + `&$filter=${lookupValueName(n(D.run))} eq ${String(run[snapshotRun.primaryId])} and ${lookupValueName(n(D.postingBatch))} eq null and (${removable})`);
      const paths = rows.map((row) => `${discrepancyTable.entitySetName}(${String(row[discrepancyTable.primaryId])})`);
      const failures = await this.client.deleteMany(paths);
      removed += paths.length - failures.length;
      failed.push(...failures);
    }
    return { runs: runs.length, removed, failed };
  }

  async fail(error: Error): Promise<void> {
    this.stopHeartbeat();
    if (this.runId === undefined) return;
    await this.updateRun({ [n(RUN.runStatus)]: statusValue('Failed'), [n(RUN.finishedOn)]: new Date(this.now()).toISOString(), [n(RUN.leaseUntil)]: null,
      [n(RUN.warnings)]: `The run failed: ${error.message}`.slice(0, 10000) });
    await this.markLatest(this.run!.company);
  }

  private discrepancyRow(d: Discrepancy, hash = keyHash(d)): Record<string, unknown> {
    const name = [d.item, d.color, d.size, d.style, d.config, d.version, d.warehouse, d.location, d.batch, d.serial, d.status]
      .filter((part) => part !== '').join(' · ');
    return {
      '@odata.type': `Microsoft.Dynamics.CRM.${discrepancyTable.logicalName}`,
      '@odata.id': `${discrepancyTable.entitySetName}(${lookupValueName(n(D.run))}=${this.runId},${n(D.keyHash)}=${bodyLiteral(hash)})`,
      [n(discrepancyTable.primaryName)]: name.slice(0, 300),
      [n(D.company)]: d.company, [n(D.item)]: d.item, [n(D.color)]: d.color, [n(D.size)]: d.size, [n(D.style)]: d.style,
      [n(D.config)]: d.config, [n(D.version)]: d.version, [n(D.site)]: d.site, [n(D.warehouse)]: d.warehouse,
      [n(D.location)]: d.location, [n(D.batch)]: d.batch, [n(D.serial)]: d.serial, [n(D.status)]: d.status, [n(D.owner)]: d.owner,
      [n(D.d365Qty)]: d.d365Qty, [n(D.wmsQty)]: d.wmsQty, [n(D.inFlightQty)]: d.inFlightQty, [n(D.qtyVariance)]: d.qtyVariance,
      [n(D.residual)]: d.residual, [n(D.unitCost)]: d.unitCost, [n(D.valueVariance)]: d.valueVariance,
      [n(D.absoluteValue)]: Math.abs(d.valueVariance), [n(D.classification)]: classificationValue(d.classification),
      [n(D.rule)]: d.rule, [n(D.runsUnbalanced)]: d.runsUnbalanced, [n(D.flags)]: d.flags.join(';'),
      [n(D.likelyCause)]: causeValue(d.likelyCause), [n(D.causeEvidence)]: d.causeEvidence || null,
      ...this.unitColumns(d.item),
      // Review columns are left alone, so re-running a run keeps what reviewers did.
    };
  }

  /** The D365 inventory unit, and the item's WMS units with how many D365 units each holds (its own conversions win over `*`). */
  private unitColumns(item: string): Record<string, unknown> {
    const units = this.run?.units;
    if (!units) return {};
    const byUnit = new Map<string, number>();
    for (const c of units.conversions) if (c.item === '*' && !byUnit.has(c.from.toUpperCase())) byUnit.set(c.from.toUpperCase(), c.factor);
    for (const c of units.conversions) if (c.item === item) byUnit.set(c.from.toUpperCase(), c.factor);
    const wms = [...byUnit].sort(([a], [b]) => a.localeCompare(b)).map(([unit, factor]) => `1 ${unit} = ${factor} ${units.default}`).join('; ');
    return { [n(D.d365Unit)]: units.default.slice(0, 10), [n(D.wmsUnits)]: (wms || `${units.default} (no conversion)`).slice(0, 200) };
  }

  private async updateRun(values: Record<string, unknown>): Promise<void> {
    await this.client.request('PATCH', `${snapshotRun.entitySetName}(${this.runId})`, values, { 'If-Match': '*' });
  }

  /** Views of "the latest run" filter on this flag: this run gets it, the company's others lose it. */
  private async markLatest(company: string): Promise<void> {
    const flagged = await this.client.retrieveAll(`${snapshotRun.entitySetName}?$select=${snapshotRun.logicalName}id`
      + `&$filter=${n(RUN.company)} eq ${literal(company)} and ${n(RUN.isLatest)} eq true`);
    const newest = await this.client.retrieveTop(`${snapshotRun.entitySetName}?$select=${snapshotRun.logicalName}id`
      + `&$filter=${n(RUN.company)} eq ${literal(company)} and ${n(RUN.runStatus)} eq ${statusValue('Completed')}`
      + `&$orderby=${n(RUN.d365AsOf)} desc,${n(RUN.finishedOn)} desc&$top=1`);
    const latestId = newest[0]?.[`${snapshotRun.logicalName}id`];
    for (const row of flagged) {
      const id = row[`${snapshotRun.logicalName}id`];
      if (id !== latestId) await this.client.request('PATCH', `${snapshotRun.entitySetName}(${String(id)})`, { [n(RUN.isLatest)]: false }, { 'If-Match': '*' });
    }
    if (typeof latestId === 'string' && !flagged.some((r) => r[`${snapshotRun.logicalName}id`] === latestId)) {
      await this.client.request('PATCH', `${snapshotRun.entitySetName}(${latestId})`, { [n(RUN.isLatest)]: true }, { 'If-Match': '*' });
    }
  }

  private async trend(company: string): Promise<RunTrendPoint[]> {
    const rows = await this.client.retrieveTop(`${snapshotRun.entitySetName}?$select=${[snapshotRun.primaryName, RUN.d365AsOf, RUN.materialCount,
      RUN.materialAbsoluteValue, RUN.materialNetValue].map(n).join(',')}`
      + `&$filter=${n(RUN.company)} eq ${literal(company)} and ${n(RUN.runStatus)} eq ${statusValue('Completed')}`
      + ` and ${n(RUN.d365AsOf)} le ${instant(this.run!.d365AsOf)}&$orderby=${n(RUN.d365AsOf)} desc&$top=12`);
    return rows.reverse().map((row) => ({
      runId: String(row[n(snapshotRun.primaryName)]), d365AsOf: String(row[n(RUN.d365AsOf)]),
      materialCount: Number(row[n(RUN.materialCount)] ?? 0), materialAbsoluteValue: Number(row[n(RUN.materialAbsoluteValue)] ?? 0),
      materialNetValue: Number(row[n(RUN.materialNetValue)] ?? 0),
    }));
  }
}
