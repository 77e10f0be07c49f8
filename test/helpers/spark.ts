/**
 * The Spark tests' shared driver: one real local Spark (`local[2]`) from the project's environment
 * (tools/spark-env.mjs, which `npm test` runs first). IBAL_SPARK=0 skips the Spark tests, saying so.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../../job/db';
import { SparkSession } from '../../job/spark/session';

export const SPARK_TESTS = process.env.IBAL_SPARK !== '0';

/** `describe`, or `describe.skip` with a line on stderr when IBAL_SPARK=0. */
export function describeSpark(name: string, body: () => void): void {
  if (!SPARK_TESTS) {
    process.stderr.write(`IBAL_SPARK=0: skipping the Spark tests "${name}"\n`);
    describe.skip(name, body);
    return;
  }
  describe(name, body);
}

export interface SharedSpark { session: SparkSession; local: Database; close(): Promise<void> }

/** A local[2] Spark session for a test file's runs (each run hands it its own DuckDB session). */
export async function startSpark(conf: Record<string, string> = {}): Promise<SharedSpark> {
  const dir = mkdtempSync(join(tmpdir(), 'ibal-spark-'));
  const local = await Database.open({ tempDirectory: join(dir, 'spill') });
  const session = await SparkSession.submit({
    master: 'local[2]', conf: { 'spark.sql.shuffle.partitions': '2', 'spark.default.parallelism': '2', ...conf },
    startSeconds: 180, echoLog: process.env.IBAL_SPARK_LOG === '1',
  }, local, { spark: join(dir, 'exchange'), local: join(dir, 'exchange') });
  return {
    session, local,
    async close() {
      await session.close();
      local.close();
    },
  };
}
