/**
 * `ibal retention --target <url> [--weeks N]`: retention as a scheduled step (README "What a run stores"). It removes
 * the rows of finished runs older than N weeks (the environment variable RetentionWeeks by default) that nobody
 * reviews any more; lines in review, posted lines and their batches stay.
 */
import { parseArgs } from 'node:util';
import { parseRetentionWeeks } from '../../core/storage.js';
import { InputError } from '../errors.js';

export const RETENTION_USAGE = `       ibal retention --target <url> [--weeks <N>]
                             removes the rows of finished runs older than N weeks that nobody reviews any more (lines in
                             review, posted lines and their batches stay); N defaults to the environment variable
                             ibal_RetentionWeeks, and 0 keeps every row`;

export async function retentionCommand(argv: readonly string[], io: { stdout: (t: string) => void; stderr: (t: string) => void }): Promise<number> {
  let values: { target?: string; weeks?: string };
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { target: { type: 'string' }, weeks: { type: 'string' } } }));
    if (!values.target) throw new InputError('missing --target');
  } catch (error) {
    io.stderr(`ibal retention: ${(error as Error).message}\n${RETENTION_USAGE}\n`);
    return 2;
  }
  try {
    // Loaded when the command runs, so `ibal --help` and `ibal reconcile` do not load Dataverse's sign-in.
    const [{ tokenProviderFor }, { DataverseClient }, { DataverseTarget }] = await Promise.all([import('./auth.js'), import('./client.js'), import('./target.js')]);
    const apiUrl = values.target!.endsWith('/') ? values.target! : `${values.target!}/`;
    let weeks: number | undefined;
    try {
      weeks = values.weeks === undefined ? undefined : parseRetentionWeeks(values.weeks);
    } catch (error) {
      throw new InputError(`--weeks: ${(error as Error).message}`);
    }
    const target = new DataverseTarget(new DataverseClient({ apiUrl, token: tokenProviderFor(apiUrl) }), apiUrl, weeks === undefined ? {} : { retentionWeeks: weeks });
    const outcome = await target.removeOldRows(weeks ?? await target.retentionWeeks());
    io.stdout(`${outcome.removed} rows of ${outcome.runs} older runs removed${outcome.failed.length > 0
      ? `; ${outcome.failed.length} could not be removed, e.g. ${outcome.failed[0]!.path}: ${outcome.failed[0]!.reason}` : ''}\n`);
    return outcome.failed.length > 0 ? 1 : 0;
  } catch (error) {
    io.stderr(`ibal retention: ${(error as Error).message}\n`);
    return error instanceof InputError ? 2 : 1;
  }
}
