/**
 * Where a run's history comes from and where the run is recorded: the local history file, or a Dataverse
 * environment (job/dataverse/target.ts). Both give the compare the previous run's Material keys as
 * (key_hash, runs_unbalanced), the key hash being the SHA-256 of core's keyString.
 */
import type { ThresholdRule } from '../core/config.js';
import type { Discrepancy } from '../core/discrepancy.js';
import type { RunTrendPoint } from '../core/history.js';
import type { RunSummary } from '../core/run.js';
import type { Database } from './db.js';
import { HistoryStore } from './history-store.js';

export interface RunStart {
  runId: string;
  company: string;
  d365AsOf: string;
  wmsAsOf: string;
  startedOn: string;
  /** The snapshot files' hash (job/snapshot-hash.ts). */
  snapshotHash: string;
  /** --replace: an earlier run of this id from other snapshot files gives way (its reviewed rows stay with it). */
  replace: boolean;
  /** How many earlier runs' residuals the likely causes need (a persistent residual); 0 or absent for none. */
  residualRuns?: number | undefined;
  /** The config's threshold rules (a target that keeps rules seeds itself from them, or refuses when they differ). */
  configRules?: ThresholdRule[] | undefined;
  /** The config's units: the D365 inventory unit and the WMS units' conversions, for the discrepancies' unit columns. */
  units?: { default: string; conversions: ReadonlyArray<{ item: string; from: string; factor: number }> } | undefined;
}

export interface RunContext {
  /** A DuckDB relation (key_hash, runs_unbalanced) of the previous run's Material keys, if there was a run. */
  previousMaterial: string | undefined;
  /** A relation (key_hash, run_id, runs_back, residual) of the Material keys of the last `residualRuns` runs (runs_back 1 = the previous one). */
  previousResiduals?: string | undefined;
  /** Threshold rules kept by the target, which win over the config's; undefined to use the config's. */
  rules: ThresholdRule[] | undefined;
  /** Where the target's rules came from: its own table, or seeded from the config by this run. */
  rulesSource?: 'target' | 'seeded' | undefined;
  /** What the target found and did before the run (an earlier attempt that did not finish, a replaced run). */
  warnings: string[];
}


export interface RunTarget {
  readonly description: string;
  begin(db: Database, run: RunStart): Promise<RunContext>;
  /** Records the finished run and returns the company's trend up to it. */
  complete(summary: RunSummary, discrepancies: readonly Discrepancy[]): Promise<RunTrendPoint[]>;
  fail(error: Error): Promise<void>;
}

export class LocalHistoryTarget implements RunTarget {
  private history: HistoryStore | undefined;

  constructor(private readonly path: string) {}

  get description(): string {
    return `history ${this.path}`;
  }

  async begin(db: Database, run: RunStart): Promise<RunContext> {
    this.history = await HistoryStore.open(db, this.path, run);
    return { previousMaterial: this.history.previousMaterialView, previousResiduals: this.history.previousResidualsView, rules: undefined,
      warnings: this.history.replacedWarning ? [this.history.replacedWarning] : [] };
  }

  async complete(summary: RunSummary, discrepancies: readonly Discrepancy[]): Promise<RunTrendPoint[]> {
    await this.history!.record(summary, discrepancies);
    return this.history!.trend(summary.company);
  }

  /** A failed run leaves the history as it was. */
  async fail(): Promise<void> {}
}
