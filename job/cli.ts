/**
 * The `ibal` command line. Exit codes: 0 done, 2 unusable input or config (the message names the file and column
 * or key), 1 anything unexpected.
 */
import { parseArgs } from 'node:util';
import { InputError } from './errors.js';
import { reconcile } from './reconcile.js';

export const USAGE = `Usage: ibal reconcile --config <config.json> --out <dir> [--history <path>] [--run-id <id>] [--quiet] [--memory-limit <size>]

  --config   the run's configuration (JSON, see job/config.schema.json)
  --out      folder for discrepancies.csv, rejects.csv and run.json (created if missing)
  --history  history store across runs (default <out>/../.ibal-history.duckdb)
  --run-id   id of this run (default <company>-<D365 as-of>; the same id replaces that run's history)
  --quiet    no progress on stderr (warnings and errors still go there)
  --memory-limit  DuckDB's memory before it spills to disk (default 2GB)
`;

export interface CliIo { stdout: (text: string) => void; stderr: (text: string) => void }

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'reconcile') {
    io.stderr(`ibal: unknown command '${command}'\n${USAGE}`);
    return 2;
  }
  let values: { config?: string; out?: string; history?: string; 'run-id'?: string; quiet?: boolean; 'memory-limit'?: string };
  try {
    ({ values } = parseArgs({
      args: [...rest], strict: true, allowPositionals: false,
      options: {
        config: { type: 'string' }, out: { type: 'string' }, history: { type: 'string' }, 'run-id': { type: 'string' },
        quiet: { type: 'boolean' }, 'memory-limit': { type: 'string' },
      },
    }));
  } catch (error) {
    io.stderr(`ibal reconcile: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const missing = (['config', 'out'] as const).filter((name) => !values[name]);
  if (missing.length > 0) {
    io.stderr(`ibal reconcile: missing ${missing.map((m) => `--${m}`).join(' and ')}\n${USAGE}`);
    return 2;
  }
  try {
    await reconcile({
      configPath: values.config!, outDir: values.out!, historyPath: values.history, runId: values['run-id'],
      progress: values.quiet ? undefined : io.stderr, warnings: io.stderr, memoryLimit: values['memory-limit'],
    });
    return 0;
  } catch (error) {
    if (error instanceof InputError) {
      io.stderr(`ibal reconcile: ${error.message}\n`);
      return 2;
    }
    io.stderr(`ibal reconcile failed: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
