/**
 * Which spark-submit runs the driver, against which master, with what. Spark comes from the user's Spark
 * (`spark.submit`, or SPARK_HOME), or from the project's own environment that `npm test` prepares
 * (tools/spark-env.mjs: a Python venv with the pinned pyspark, which carries Spark's jars).
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface SparkSettings {
  /** `local[*]`, `local[2]`, `spark://host:7077`, `yarn`, `k8s://https://host:443`. */
  master: string;
  /** spark-submit to use; default SPARK_HOME's, else the project's environment, else the one on PATH. */
  submit?: string | undefined;
  /** Extra Spark properties (`spark.executor.instances`, `spark.jars.packages` …), passed as --conf. */
  conf: Record<string, string>;
  startSeconds: number;
  /** Spark's own log lines on stderr (IBAL_SPARK_LOG=1); otherwise only kept for an error. */
  echoLog: boolean;
}

let root: string | undefined;

/**
 * A path in the project's folder: the one holding this package's package.json above the running script (bin.js, or
 * jest), found when first asked (a run on DuckDB never asks).
 */
export function projectPath(...parts: string[]): string {
  root ??= (() => {
    const start = process.argv[1] && existsSync(process.argv[1]) ? dirname(realpathSync(process.argv[1])) : process.cwd();
    for (let dir = start; ; dir = dirname(dir)) {
      const manifest = join(dir, 'package.json');
      if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'inventory-balance') return dir;
      if (dirname(dir) === dir) return process.cwd();
    }
  })();
  return join(root, ...parts);
}

/** The project's Spark environment, made by tools/spark-env.mjs. */
export const PROJECT_SPARK = ['.spark', 'venv'] as const;

export const DRIVER = ['job', 'spark', 'driver.py'] as const;

/** Delta Lake for Spark 3.5 (Synapse and Fabric have it built in; elsewhere Spark fetches it from Maven Central). */
export const DELTA_PACKAGE = 'io.delta:delta-spark_2.12:3.2.1';

/** The Spark properties a run needs: Delta's package and session extension when a source is a Delta table (the config's own win). */
export function withDelta(conf: Record<string, string>, delta: boolean): Record<string, string> {
  if (!delta) return conf;
  return {
    'spark.jars.packages': DELTA_PACKAGE,
    'spark.sql.extensions': 'io.delta.sql.DeltaSparkSessionExtension',
    'spark.sql.catalog.spark_catalog': 'org.apache.spark.sql.delta.catalog.DeltaCatalog',
    ...conf,
  };
}

/** What every session of the job runs with (spark-submit's or Livy's), the config's own settings winning. */
export function sessionConf(conf: Record<string, string>): Record<string, string> {
  return { 'spark.sql.session.timeZone': 'UTC', 'spark.sql.shuffle.partitions': '8', ...conf };
}

/**
 * The environment spark-submit and the driver get: this process's, without the product's own secrets and app
 * registration (the driver needs none; Spark's and Hadoop's own variables stay, a secure cluster needs them).
 */
export function driverEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^IBAL_(.*(SECRET|KEY|PASSWORD|TOKEN)|CLIENT_ID|TENANT_ID)/i.test(name)));
}

export interface SparkCommand { file: string; args: string[]; env: Record<string, string>; describe: string }

export function sparkCommand(settings: SparkSettings): SparkCommand {
  const projectSubmit = projectPath(...PROJECT_SPARK, 'bin', 'spark-submit');
  const sparkHome = process.env.SPARK_HOME;
  const file = settings.submit
    ?? (sparkHome && existsSync(join(sparkHome, 'bin', 'spark-submit')) ? join(sparkHome, 'bin', 'spark-submit')
      : existsSync(projectSubmit) ? projectSubmit : 'spark-submit');
  const env: Record<string, string> = {};
  if (file === projectSubmit) {
    // The project's pyspark runs its own Python; executors on this machine must use the same one.
    env.PYSPARK_PYTHON = projectPath(...PROJECT_SPARK, 'bin', 'python');
    env.PYSPARK_DRIVER_PYTHON = env.PYSPARK_PYTHON;
    env.PATH = `${projectPath(...PROJECT_SPARK, 'bin')}:${process.env.PATH ?? ''}`;
  }
  const conf: Record<string, string> = { 'spark.ui.showConsoleProgress': 'false', 'spark.ui.enabled': 'false', ...sessionConf(settings.conf) };
  const args = ['--master', settings.master, '--name', 'ibal reconcile',
    ...Object.entries(conf).flatMap(([key, value]) => ['--conf', `${key}=${value}`]), projectPath(...DRIVER)];
  return { file, args, env, describe: `${file} --master ${settings.master}` };
}
