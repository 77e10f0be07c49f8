/**
 * The `ibal snapshot` and `ibal journal` commands (registered in job/cli.ts). Exit codes as the CLI's: 0 done,
 * 2 unusable input or config (named), 1 anything else; a snapshot side that did not arrive by the deadline is 1 with
 * a message naming it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { journalPackageFiles, planJournals, type JournalSettings } from '../../core/d365-journal.js';
import type { JournalType } from '../../core/d365.js';
import { reconcile } from '../reconcile.js';
import { tokenProviderFor } from '../dataverse/auth.js';
import { DataverseClient } from '../dataverse/client.js';
import { DataverseTarget } from '../dataverse/target.js';
import { InputError } from '../errors.js';
import { d365CredentialsFromEnv, d365TokenProvider } from './auth.js';
import { D365Client } from './client.js';
import { D365JournalPoster, FileJournalPostingStore } from './journal-poster.js';
import { journalPackageZip } from './journal-package.js';
import { readPostingBatch } from './posting-batch.js';
import { NotArrivedError, takeSnapshot } from './snapshot.js';

export interface CommandIo { stdout: (text: string) => void; stderr: (text: string) => void }

export { JOURNAL_USAGE, SNAPSHOT_USAGE } from './usage.js';
import { JOURNAL_USAGE, SNAPSHOT_USAGE } from './usage.js';

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(command: string, args: readonly string[], options: T, usage: string, io: CommandIo) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values as { [K in keyof T]?: T[K]['type'] extends 'string' ? string : boolean };
  } catch (error) {
    io.stderr(`ibal ${command}: ${(error as Error).message}\n${usage}`);
    return undefined;
  }
}

function failed(command: string, error: unknown, io: CommandIo): number {
  if (error instanceof InputError) { io.stderr(`ibal ${command}: ${error.message}\n`); return 2; }
  if (error instanceof NotArrivedError) { io.stderr(`ibal ${command}: ${error.message}\n`); return 1; }
  io.stderr(`ibal ${command} failed: ${(error as Error).stack ?? String(error)}\n`);
  return 1;
}

function dataverse(url: string): { client: DataverseClient; apiUrl: string } {
  const apiUrl = url.endsWith('/') ? url : `${url}/`;
  return { client: new DataverseClient({ apiUrl, token: tokenProviderFor(apiUrl) }), apiUrl };
}

export async function snapshotCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const values = parse('snapshot', args, { config: { type: 'string' }, out: { type: 'string' }, 'as-of': { type: 'string' },
    'then-reconcile': { type: 'boolean' }, target: { type: 'string' }, quiet: { type: 'boolean' } }, SNAPSHOT_USAGE, io);
  if (!values) return 2;
  const missing = (['config', 'out'] as const).filter((k) => !values[k]);
  if (missing.length > 0) { io.stderr(`ibal snapshot: missing ${missing.map((m) => `--${m}`).join(' and ')}\n${SNAPSHOT_USAGE}`); return 2; }
  if (values.target && !values['then-reconcile']) { io.stderr('ibal snapshot: --target needs --then-reconcile\n'); return 2; }
  if (values['as-of'] !== undefined && Number.isNaN(Date.parse(values['as-of']))) { io.stderr(`ibal snapshot: --as-of ${values['as-of']} is not an ISO 8601 time\n`); return 2; }
  try {
    const log = values.quiet ? undefined : io.stderr;
    const { runDir, configPath } = await takeSnapshot({ configPath: values.config!, outDir: values.out!,
      asOf: values['as-of'] === undefined ? undefined : new Date(values['as-of']).toISOString(), log });
    if (values['then-reconcile']) {
      const target = values.target ? (() => { const dv = dataverse(values.target!); return new DataverseTarget(dv.client, dv.apiUrl); })() : undefined;
      await reconcile({ configPath, outDir: join(runDir, 'out'), target, progress: log, warnings: io.stderr });
    }
    io.stdout(`${runDir}\n`);
    return 0;
  } catch (error) {
    return failed('snapshot', error, io);
  }
}

export async function journalCommand(args: readonly string[], io: CommandIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const values = parse('journal', args, { batch: { type: 'string' }, target: { type: 'string' }, out: { type: 'string' }, type: { type: 'string' },
    'journal-name': { type: 'string' }, 'max-lines': { type: 'string' }, project: { type: 'string' }, post: { type: 'string' }, store: { type: 'string' } }, JOURNAL_USAGE, io);
  if (!values) return 2;
  const missing = (['batch', 'target', 'out'] as const).filter((k) => !values[k]);
  if (missing.length > 0) { io.stderr(`ibal journal: missing ${missing.map((m) => `--${m}`).join(', ')}\n${JOURNAL_USAGE}`); return 2; }
  const type = (values.type ?? 'adjustment') as JournalType;
  if (type !== 'adjustment' && type !== 'counting') { io.stderr(`ibal journal: --type must be adjustment or counting, not ${values.type}\n`); return 2; }
  const maxLines = Number(values['max-lines'] ?? 1000);
  if (!Number.isInteger(maxLines) || maxLines < 1) { io.stderr(`ibal journal: --max-lines must be a whole number of 1 or more, not ${values['max-lines']}\n`); return 2; }
  if (values.post && !values.store) { io.stderr('ibal journal: --post needs --store <file> (the record that makes a repeated --post resume instead of sending twice)\n'); return 2; }
  const settings: JournalSettings = { type, journalNameId: values['journal-name'] ?? (type === 'adjustment' ? 'IAdj' : 'ICnt'), maxLinesPerJournal: maxLines };
  const project = values.project ?? 'IBAL journal import';
  try {
    const { client } = dataverse(values.target!);
    const { batch, corrections, skipped } = await readPostingBatch(client, values.batch!);
    const plan = planJournals(batch, corrections, settings);
    const outDir = resolve(values.out!);
    mkdirSync(outDir, { recursive: true });
    for (const journal of plan.journals) {
      const file = join(outDir, `${batch.batchName.replace(/[^\w.-]+/g, '_')}-${type}-${journal.company}-${journal.part}of${journal.parts}.zip`);
      writeFileSync(file, journalPackageZip(journalPackageFiles(type, journal, journal.lines, settings, project)));
      io.stdout(`${file}: ${journal.lines.length} lines, quantity ${journal.impact.quantity}, value ${journal.impact.netValue} (journal '${journal.reference}')\n`);
    }
    for (const s of [...skipped, ...plan.refused]) io.stderr(`not in the journal: discrepancy ${s.discrepancyId}: ${s.reason}\n`);
    io.stdout(`batch ${batch.batchName}: ${plan.total.lines} lines in ${plan.journals.length} journal(s), quantity ${plan.total.quantity}, `
      + `value ${plan.total.netValue} (absolute ${plan.total.absoluteValue}); ${skipped.length + plan.refused.length} left out\n`);
    if (values.post) {
      const d365 = new D365Client({ baseUrl: values.post, token: d365TokenProvider(values.post, d365CredentialsFromEnv(env)) });
      const poster = new D365JournalPoster({ client: d365, definitionGroup: project, settings, store: new FileJournalPostingStore(resolve(values.store!)),
        log: io.stderr, pollMs: Number(env.IBAL_D365_POLL_MS ?? 10000) });
      const result = await poster.post(batch, corrections);
      for (const o of result.outcomes) io.stdout(`${o.discrepancyId}\t${o.status}\t${'journalNumber' in o ? o.journalNumber : o.message}\n`);
      if (result.stillRunning.length > 0) io.stderr(`still running in D365: ${result.stillRunning.join(', ')}; run the same command again to follow them up\n`);
    }
    return 0;
  } catch (error) {
    return failed('journal', error, io);
  }
}
