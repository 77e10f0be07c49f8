/**
 * `npm run bench`, Dataverse rows: the 1M-line week reconciled into the Dataverse emulator on 127.0.0.1, as the job
 * writes an environment. Prints (as JSON) the rows written, the write requests and all requests of the run, rows per
 * second, and the bytes of the rows sent, with the default (what needs review) and, estimated from the same rows'
 * average, with every difference. Run as its own process: `node dist/bench/dataverse-bench.js <data dir> <out dir>`.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { tokenProviderFor } from '../job/dataverse/auth.js';
import { DataverseClient } from '../job/dataverse/client.js';
import { DataverseTarget } from '../job/dataverse/target.js';
import { reconcile } from '../job/reconcile.js';
import { DataverseEmulator } from '../sandbox/dataverse/emulator.js';

const [dataDir, outDir] = process.argv.slice(2) as [string, string];
const emulator = await DataverseEmulator.open({ database: ':memory:' });
const api = await emulator.listen();
let upsertBytes = 0;
let upsertSeconds = 0;
// Counts what the job sends to write discrepancies, and how long the emulator takes to answer it.
const measured: typeof fetch = async (input, init) => {
  const isUpsert = String(input).includes('UpsertMultiple');
  const started = performance.now();
  const response = await fetch(input, init);
  if (isUpsert) { upsertBytes += Buffer.byteLength(String(init?.body ?? '')); upsertSeconds += (performance.now() - started) / 1000; }
  return response;
};
const client = new DataverseClient({ apiUrl: api, token: tokenProviderFor(api), fetch: measured });
emulator.resetStats();
const started = performance.now();
let writeStarted = 0;
const target = new DataverseTarget(client, api);
const complete = target.complete.bind(target);
target.complete = async (summary, discrepancies) => { writeStarted = performance.now(); return complete(summary, discrepancies); };
const { summary } = await reconcile({ configPath: join(dataDir, 'config.json'), outDir, target });
const finished = performance.now();
const rowsWritten = summary.classifications.Material + summary.classifications.Timing + summary.classifications.Immaterial
  - Number((await (await fetch(`${api}ibal_snapshotruns(ibal_name='${summary.runId}')?$select=ibal_notstoredcount`,
    { headers: { Authorization: `Bearer ${emulator.issueToken('admin@sandbox.local')}` } })).json() as { ibal_notstoredcount: number }).ibal_notstoredcount);
// The rows a run with every difference would write: all of discrepancies.csv.
const allRows = readFileSync(join(outDir, 'discrepancies.csv'), 'utf8').trimEnd().split('\n').length - 1;
const upserts = emulator.stats.byRoute['POST ibal_discrepancies/UpsertMultiple'] ?? 0;
process.stdout.write(`${JSON.stringify({
  rowsWritten, allRows, upserts, requests: emulator.stats.requests, writeSeconds: (finished - writeStarted) / 1000, upsertSeconds,
  runSeconds: (finished - started) / 1000, bytesWritten: upsertBytes, bytesPerRow: rowsWritten > 0 ? upsertBytes / rowsWritten : 0,
})}\n`);
await emulator.close();
