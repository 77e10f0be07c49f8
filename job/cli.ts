/**
 * The `ibal` command line. Exit codes: 0 done, 2 unusable input or config (the message names the file and column
 * or key), 1 anything unexpected.
 */
import { parseArgs } from 'node:util';
import { InputError } from './errors.js';
import { reconcile } from './reconcile.js';
import type { DataverseTarget } from './dataverse/target.js';
import { JOURNAL_USAGE, SNAPSHOT_USAGE } from './d365/usage.js';
import { RETENTION_USAGE } from './dataverse/retention-command.js';

// Each command loads what only it needs (the review service, D365, Dataverse's sign-in) when it runs: a weekly
// reconcile into files starts without them.
async function dataverseTarget(url: string, log: (text: string) => void): Promise<DataverseTarget> {
  const [{ tokenProviderFor }, { DataverseClient }, { DataverseTarget: Target }] = await Promise.all([
    import('./dataverse/auth.js'), import('./dataverse/client.js'), import('./dataverse/target.js')]);
  const apiUrl = url.endsWith('/') ? url : `${url}/`;
  return new Target(new DataverseClient({ apiUrl, token: tokenProviderFor(apiUrl) }), apiUrl, { log });
}

export const USAGE = `Usage: ibal reconcile --config <config.json> --out <dir> [--target <url>] [--history <path>] [--run-id <id>] [--replace] [--quiet] [--memory-limit <size>]
       [--engine duckdb|spark] [--spark-master <url>]

  --config   the run's configuration (JSON, see job/config.schema.json)
  --out      folder for discrepancies.csv, rejects.csv and run.json (created if missing)
  --target   a Dataverse Web API root (https://<org>.crm.dynamics.com/api/data/v9.2/, or the sandbox's): the run and its
             discrepancies are written there, and history and active threshold rules are read from there.
             For Dynamics 365, set IBAL_TENANT_ID, IBAL_CLIENT_ID and IBAL_CLIENT_SECRET (client credentials).
  --history  history store across runs without --target (default <out>/../.ibal-history.duckdb)
  --run-id   id of this run (default <company>-<D365 as-of>; the same id and the same files update that run)
  --replace  re-run a run id whose snapshot files changed: the earlier run gives way (in Dataverse it is renamed and
             keeps its reviewed rows); without it such a run is refused
  --quiet    no progress on stderr (warnings and errors still go there)
  --memory-limit  DuckDB's memory before it spills to disk (default 2GB)
  --engine   where the compare runs: duckdb on this machine (default), or spark past one machine (needs Java and
             Spark; README, "Past one machine"); the config's "engine" otherwise
  --spark-master  the Spark master: local[*], spark://host:7077, yarn, k8s://https://host:443 (default the config's
             spark.master, else local[*])

       ibal review-service   the review service Dataverse's webhook calls: checks and carries out review requests, posts to
                             Inventory Visibility, and follows up posted lines (settings from the environment: README,
                             "Hosting the review service")
       ibal follow-up        one follow-up pass of the review service, for a scheduler (the same settings)

${SNAPSHOT_USAGE}
${JOURNAL_USAGE}
${RETENTION_USAGE}`;

export interface CliIo { stdout: (text: string) => void; stderr: (text: string) => void }

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'review-service') {
    try {
      const { serveReviewService } = await import('./review-service/server.js');
      const running = await serveReviewService(process.env, io.stderr);
      await new Promise<void>((stopped) => {
        const stop = () => { void running.stop().then(() => stopped()); };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      return 0;
    } catch (error) {
      io.stderr(`ibal review-service: ${(error as Error).message}\n`);
      return error instanceof InputError ? 2 : 1;
    }
  }
  if (command === 'follow-up') {
    try {
      const { followUpOnce } = await import('./review-service/server.js');
      await followUpOnce(process.env, io.stderr);
      return 0;
    } catch (error) {
      io.stderr(`ibal follow-up: ${(error as Error).message}\n`);
      return error instanceof InputError ? 2 : 1;
    }
  }
  if (command === 'snapshot') return (await import('./d365/commands.js')).snapshotCommand(rest, io);
  if (command === 'journal') return (await import('./d365/commands.js')).journalCommand(rest, io);
  if (command === 'retention') return (await import('./dataverse/retention-command.js')).retentionCommand(rest, io);
  if (command !== 'reconcile') {
    io.stderr(`ibal: unknown command '${command}'\n${USAGE}`);
    return 2;
  }
  let values: { config?: string; out?: string; target?: string; history?: string; 'run-id'?: string; replace?: boolean; quiet?: boolean;
    'memory-limit'?: string; engine?: string; 'spark-master'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...rest], strict: true, allowPositionals: false,
      options: {
        config: { type: 'string' }, out: { type: 'string' }, target: { type: 'string' }, history: { type: 'string' }, 'run-id': { type: 'string' },
        replace: { type: 'boolean' }, quiet: { type: 'boolean' }, 'memory-limit': { type: 'string' }, help: { type: 'boolean', short: 'h' },
        engine: { type: 'string' }, 'spark-master': { type: 'string' },
      },
    }));
  } catch (error) {
    io.stderr(`ibal reconcile: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const missing = (['config', 'out'] as const).filter((name) => !values[name]);
  if (missing.length > 0) {
    io.stderr(`ibal reconcile: missing ${missing.map((m) => `--${m}`).join(' and ')}\n${USAGE}`);
    return 2;
  }
  if (values.engine !== undefined && values.engine !== 'duckdb' && values.engine !== 'spark') {
    io.stderr(`ibal reconcile: --engine ${values.engine}: use duckdb or spark\n`);
    return 2;
  }
  if (values['spark-master'] !== undefined && values.engine === 'duckdb') {
    io.stderr('ibal reconcile: --spark-master is for --engine spark\n');
    return 2;
  }
  if (values.target !== undefined && values.history !== undefined) {
    io.stderr('ibal reconcile: --history and --target exclude each other: with a target, history comes from it\n');
    return 2;
  }
  // Stopped with Ctrl+C or by a service manager, the run says so in the target instead of staying Running.
  let target: DataverseTarget | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    io.stderr(`ibal reconcile: stopped by ${signal}\n`);
    const code = signal === 'SIGINT' ? 130 : 143;
    void (target?.fail(new Error(`the job was stopped by ${signal}`)) ?? Promise.resolve()).catch(() => undefined).finally(() => process.exit(code));
  };
  try {
    target = values.target === undefined ? undefined : await dataverseTarget(values.target, io.stderr);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    await reconcile({
      configPath: values.config!, outDir: values.out!, historyPath: values.history, runId: values['run-id'], replace: values.replace,
      target, progress: values.quiet ? undefined : io.stderr, warnings: io.stderr, memoryLimit: values['memory-limit'],
      engine: values.engine as 'duckdb' | 'spark' | undefined ?? (values['spark-master'] !== undefined ? 'spark' : undefined),
      sparkMaster: values['spark-master'],
    });
    return 0;
  } catch (error) {
    if (error instanceof InputError) {
      io.stderr(`ibal reconcile: ${error.message}\n`);
      return 2;
    }
    io.stderr(`ibal reconcile failed: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
