/**
 * Runs across weeks, in an embedded DuckDB file (default `<out>/../.ibal-history.duckdb`): which keys were Material
 * and for how many consecutive runs, and each run's trend figures. Re-running a run id replaces that run.
 */
import { keyString } from '../core/keys.js';
import type { Discrepancy } from '../core/discrepancy.js';
import type { RunTrendPoint } from '../core/history.js';
import type { RunSummary } from '../core/run.js';
import type { Database } from './db.js';
import { InputError, differentSnapshotError } from './errors.js';
import { DUCKDB } from './compare/dialect.js';
import type { RunStart } from './run-target.js';

export class HistoryStore {
  private constructor(private readonly db: Database, private readonly runId: string, private readonly seq: number,
    readonly previousRunId: string | undefined, readonly replacedWarning: string | undefined, private readonly residualRuns: number) {}

  /** Company ids are compared case-insensitively, as D365 does. */
  static async open(db: Database, path: string, run: Pick<RunStart, 'runId' | 'company' | 'snapshotHash' | 'replace' | 'residualRuns'>): Promise<HistoryStore> {
    const { runId, company } = run;
    const residualRuns = run.residualRuns ?? 0;
    try {
      await db.run(`ATTACH ${DUCKDB.string(path)} AS history`);
    } catch (error) {
      const message = String((error as Error).message).split('\n')[0] ?? '';
      const locked = /lock/i.test(message) ? ': another run is using it; wait for it, or pass --history to use another file' : '';
      throw new InputError(`history store ${path} cannot be opened (${message})${locked}`);
    }
    await db.run(`CREATE TABLE IF NOT EXISTS history.runs (run_id VARCHAR PRIMARY KEY, seq INTEGER NOT NULL, company VARCHAR NOT NULL,
      d365_as_of VARCHAR, wms_as_of VARCHAR, finished_on VARCHAR, keys_compared INTEGER,
      material_count INTEGER, material_absolute_value DOUBLE, material_net_value DOUBLE, timing_count INTEGER, immaterial_count INTEGER)`);
    await db.run(`CREATE TABLE IF NOT EXISTS history.material_keys (run_id VARCHAR NOT NULL, key VARCHAR NOT NULL, runs_unbalanced INTEGER NOT NULL)`);
    // History files written before snapshot hashes were kept gain the column; their runs have none to compare.
    await db.run('ALTER TABLE history.runs ADD COLUMN IF NOT EXISTS snapshot_hash VARCHAR');
    const existing = await db.all<{ seq: number; snapshot_hash: string | null; finished_on: string | null }>(
      'SELECT seq, snapshot_hash, finished_on FROM history.runs WHERE run_id = $id', { id: runId });
    let replacedWarning: string | undefined;
    const earlier = existing[0];
    if (earlier?.snapshot_hash && earlier.snapshot_hash !== run.snapshotHash) {
      if (!run.replace) throw differentSnapshotError(runId, `history ${path}`, earlier.finished_on ?? undefined);
      replacedWarning = `--replace: run ${runId} of other snapshot files (finished ${earlier.finished_on ?? 'at an unknown time'}) was replaced`;
    }
    const seq = earlier?.seq ?? (await db.one<{ next: number }>('SELECT coalesce(max(seq), 0) + 1 AS next FROM history.runs')).next;
    // Residuals came with likely causes; runs recorded before have none, and so never look persistent.
    await db.run('ALTER TABLE history.material_keys ADD COLUMN IF NOT EXISTS residual DOUBLE');
    const previous = await db.all<{ run_id: string }>(
      'SELECT run_id FROM history.runs WHERE lower(company) = lower($company) AND seq < $seq ORDER BY seq DESC LIMIT 1', { company, seq });
    const previousRunId = previous[0]?.run_id;
    if (previousRunId !== undefined) {
      await db.run(`CREATE TEMP VIEW previous_material AS SELECT sha256(key) AS key_hash, runs_unbalanced FROM history.material_keys
        WHERE run_id = ${DUCKDB.string(previousRunId)}`);
    }
    if (residualRuns > 0) {
      await db.run(`CREATE TEMP VIEW previous_residuals AS
        WITH r AS (SELECT run_id, row_number() OVER (ORDER BY seq DESC) AS runs_back FROM history.runs WHERE lower(company) = lower(${DUCKDB.string(company)}) AND seq < ${seq})
        SELECT sha256(m.key) AS key_hash, m.run_id, r.runs_back, m.residual FROM history.material_keys m JOIN r USING (run_id)
        WHERE r.runs_back <= ${residualRuns} AND m.residual IS NOT NULL`);
    }
    return new HistoryStore(db, runId, seq, previousRunId, replacedWarning, residualRuns);
  }

  /** The view of the last runs' Material residuals, for the likely causes. */
  get previousResidualsView(): string | undefined {
    return this.residualRuns > 0 ? 'previous_residuals' : undefined;
  }

  /** The view of the previous run's Material keys, for the compare to join. */
  get previousMaterialView(): string | undefined {
    return this.previousRunId === undefined ? undefined : 'previous_material';
  }

  /** Stores this run in one transaction, replacing an earlier run of the same id. */
  async record(summary: RunSummary, discrepancies: readonly Discrepancy[]): Promise<void> {
    const { db, runId } = this;
    await db.run('CREATE TEMP TABLE this_run_material (key VARCHAR, runs_unbalanced DOUBLE, residual DOUBLE)');
    await db.append('this_run_material', discrepancies.filter((d) => d.classification === 'Material')
      .map((d) => [keyString(d), d.runsUnbalanced, d.residual]));
    await db.run('BEGIN TRANSACTION');
    try {
      await db.run('DELETE FROM history.material_keys WHERE run_id = $id', { id: runId });
      await db.run('DELETE FROM history.runs WHERE run_id = $id', { id: runId });
      await db.run(`INSERT INTO history.runs (run_id, seq, company, d365_as_of, wms_as_of, finished_on, keys_compared, material_count,
          material_absolute_value, material_net_value, timing_count, immaterial_count, snapshot_hash)
        VALUES ($id, $seq, $company, $d365, $wms, $finished, $keys, $mc, $abs, $net, $timing, $immaterial, $hash)`, {
        id: runId, seq: this.seq, company: summary.company, d365: summary.d365AsOf, wms: summary.wmsAsOf,
        finished: summary.finishedOn, keys: summary.keysCompared, mc: summary.material.count,
        abs: summary.material.absoluteValue, net: summary.material.netValue,
        timing: summary.classifications.Timing, immaterial: summary.classifications.Immaterial, hash: summary.snapshotHash,
      });
      await db.run(`INSERT INTO history.material_keys (run_id, key, runs_unbalanced, residual)
        SELECT $id, key, runs_unbalanced::INTEGER, residual FROM this_run_material`, { id: runId });
      await db.run('COMMIT');
    } catch (error) {
      await db.run('ROLLBACK');
      throw error;
    }
  }

  /** The company's runs up to and including this one, oldest first (at most `limit`). */
  async trend(company: string, limit = 12): Promise<RunTrendPoint[]> {
    const rows = await this.db.all<{ runId: string; d365AsOf: string; materialCount: number; materialAbsoluteValue: number; materialNetValue: number }>(
      `SELECT * FROM (SELECT run_id AS runId, d365_as_of AS d365AsOf, material_count AS materialCount,
         material_absolute_value AS materialAbsoluteValue, material_net_value AS materialNetValue, seq
       FROM history.runs WHERE lower(company) = lower($company) AND seq <= $seq ORDER BY seq DESC LIMIT $limit) ORDER BY seq`,
      { company, seq: this.seq, limit });
    return rows.map(({ runId, d365AsOf, materialCount, materialAbsoluteValue, materialNetValue }) =>
      ({ runId, d365AsOf, materialCount, materialAbsoluteValue, materialNetValue }));
  }
}
