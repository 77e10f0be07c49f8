/**
 * `npm run bench [-- --lines N] [--runs R] [--growth 100000,1000000,10000000] [--skip growth,posting,…]`: every goal
 * of the performance issue in one run, each against its goal, ratios measured against a baseline in the same run:
 * - the job: `ibal reconcile` end to end against the hand-written DuckDB baseline over the same generated files
 *   (default 1M × 1M lines, median of 3, alternating), and the growth over 100k, 1M and 10M lines (time, peak,
 *   microseconds per line), each in its own process;
 * - the web resources' bundle sizes (built by `npm run build`);
 * - `npm start` when nothing changed, to the printed URL;
 * - the 1M week written into the Dataverse emulator: requests per 1,000 rows, rows per second, rows and bytes per run
 *   with the default (what needs review) and with every difference;
 * - 10,000 approved corrections posted to the IV emulator by the review service: IV calls and Dataverse requests.
 * The machine's load average is printed before and after: the machine is shared, so only same-run ratios count.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { generate } from './generate.js';

const run = promisify(execFile);
const { values } = parseArgs({ options: {
  lines: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' },
  growth: { type: 'string', default: '100000,1000000,10000000' }, skip: { type: 'string', default: '' },
} });
const lines = Number(values.lines);
const runs = Number(values.runs);
const skip = new Set(values.skip.split(',').filter(Boolean));
const dist = resolve('dist', 'bench');
const say = (text: string) => process.stdout.write(`${text}\n`);
const load = () => loadavg().map((l) => l.toFixed(2)).join(', ');
const rows: Array<[string, string, string, string]> = [];
const row = (what: string, measured: string, goal: string, met?: boolean) => { rows.push([what, measured, goal, met === undefined ? '' : met ? 'met' : 'NOT met']); };
const n = (x: number) => x.toLocaleString('en-US');

interface Measure { seconds: number; maxRssMb: number }
async function child<T>(script: string, args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, [join(dist, script), ...args], { maxBuffer: 1 << 26 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function dataFor(count: number): Promise<string> {
  const dir = resolve('bench', 'data', String(count));
  if (!existsSync(join(dir, 'config.json'))) {
    const t = performance.now();
    say(`generating ${n(count)} D365 and WMS lines in ${dir} ...`);
    await generate(dir, count);
    say(`  generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  mkdirSync(join(dir, 'out'), { recursive: true });
  return dir;
}

/** The job and the baseline over the same files, alternating, each in its own process. */
async function compare(count: number, times: number): Promise<{ job: Measure[]; baseline: Measure[] }> {
  const dir = await dataFor(count);
  const job: Measure[] = [];
  const baseline: Measure[] = [];
  for (let i = 0; i < times; i += 1) {
    rmSync(join(dir, 'history.duckdb'), { force: true });
    baseline.push(await child<Measure>('baseline.js', [dir, join(dir, 'out')]));
    job.push(await child<Measure>('job-runner.js', [join(dir, 'config.json'), join(dir, 'out'), join(dir, 'history.duckdb')]));
    say(`  ${n(count)} lines, run ${i + 1}: ibal reconcile ${job[i]!.seconds.toFixed(2)} s (peak ${job[i]!.maxRssMb.toFixed(0)} MB), `
      + `baseline ${baseline[i]!.seconds.toFixed(2)} s (peak ${baseline[i]!.maxRssMb.toFixed(0)} MB)`);
  }
  return { job, baseline };
}

say(`load average at start (1, 5, 15 min): ${load()} on a machine shared with others; ratios are measured in the same run`);

// The job against the baseline.
const measured = new Map<number, { job: Measure[]; baseline: Measure[] }>();
if (!skip.has('job')) {
  say(`\nibal reconcile against the DuckDB baseline, ${n(lines)} × ${n(lines)} lines, ${runs} runs`);
  const result = await compare(lines, runs);
  measured.set(lines, result);
  const summary = JSON.parse(readFileSync(join(resolve('bench', 'data', String(lines)), 'out', 'run.json'), 'utf8')) as { keysCompared: number; classifications: Record<string, number> };
  say(`  ${n(summary.keysCompared)} keys, ${JSON.stringify(summary.classifications)}`);
  const ratio = median(result.job.map((m) => m.seconds)) / median(result.baseline.map((m) => m.seconds));
  row(`ibal reconcile ${n(lines)} × ${n(lines)} vs DuckDB baseline`, `${ratio.toFixed(2)}× (${median(result.job.map((m) => m.seconds)).toFixed(2)} s vs `
    + `${median(result.baseline.map((m) => m.seconds)).toFixed(2)} s, median of ${runs})`, '≤ 1.50×', ratio <= 1.5);
}
if (!skip.has('growth')) {
  const sizes = values.growth.split(',').filter(Boolean).map(Number);
  say(`\ngrowth: ${sizes.map(n).join(', ')} lines`);
  const perLine: string[] = [];
  for (const size of sizes) {
    const result = measured.get(size) ?? await compare(size, size >= 10000000 ? 1 : 3);
    const job = median(result.job.map((m) => m.seconds));
    const baseline = median(result.baseline.map((m) => m.seconds));
    const peak = Math.max(...result.job.map((m) => m.maxRssMb));
    perLine.push(`${n(size)}: ${(job / size * 1e6).toFixed(2)} µs/line (baseline ${(baseline / size * 1e6).toFixed(2)})`);
    if (size >= 10000000) {
      row(`ibal reconcile ${n(size)} × ${n(size)}`, `${(job / baseline).toFixed(2)}× (${job.toFixed(1)} s vs ${baseline.toFixed(1)} s), peak ${(peak / 1024).toFixed(2)} GB`,
        '≤ 1.50×, ≤ 4 GB peak', job / baseline <= 1.5 && peak <= 4096);
    }
    say(`  ${n(size)} lines: ibal reconcile ${job.toFixed(2)} s, peak ${peak.toFixed(0)} MB; baseline ${baseline.toFixed(2)} s; ratio ${(job / baseline).toFixed(2)}×`);
  }
  row('growth (time per line)', perLine.join('; '), 'printed, stays linear');
}

// Bundle sizes, as npm run build wrote them.
if (!skip.has('bundles')) {
  const kb = (path: string) => statSync(path).size / 1024;
  const commands = kb(join('out', 'webresources', 'scripts', 'commands.js'));
  const review = kb(join('out', 'webresources', 'pages', 'review.js'));
  row('commands.js web resource (minified)', `${commands.toFixed(0)} KB`, '≤ 100 KB', commands <= 100);
  row('review.js dialog page (minified)', `${review.toFixed(0)} KB`, '≤ 150 KB', review <= 150);
  for (const [page, folder] of [['counts.js', 'pages'], ['panel.js', 'pages'], ['sheets.js', 'scripts']] as const) {
    row(`${page} (the app's other pages, no goal)`, `${kb(join('out', 'webresources', folder, page)).toFixed(0)} KB`, 'printed');
  }
}

// npm start with nothing changed: a first start makes the sandbox's data (not timed), the second is timed.
if (!skip.has('start')) {
  say('\nnpm start, nothing changed since the last build');
  const dataDir = resolve('bench', 'data', 'sandbox');
  const start = () => new Promise<number>((resolveStart, reject) => {
    const started = performance.now();
    const proc = spawn('sh', ['-c', 'node tools/build-changed.mjs && exec node dist/sandbox/start.js'], {
      env: { ...process.env, PORT: '0', IBAL_SANDBOX_DATA: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stopping = false;
    proc.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/Inventory Balance sandbox: http/.test(output) && !stopping) {
        stopping = true;
        const seconds = (performance.now() - started) / 1000;
        // Ctrl+C as a user would; a sandbox still finishing work after it gets 15 s, then is ended.
        const kill = setTimeout(() => proc.kill('SIGKILL'), 15000);
        proc.on('exit', () => { clearTimeout(kill); resolveStart(seconds); });
        proc.kill('SIGINT');
      }
    });
    proc.on('exit', (code) => { if (!/Inventory Balance sandbox: http/.test(output)) reject(new Error(`npm start ended (${code}) before printing its URL:\n${output}`)); });
  });
  const first = await start();
  const seconds = await start();
  say(`  first start (sample data made if missing) ${first.toFixed(1)} s; with nothing changed ${seconds.toFixed(1)} s`);
  row('npm start, nothing changed, to the printed URL', `${seconds.toFixed(1)} s`, '≤ 10 s', seconds <= 10);
}

// The 1M week into the Dataverse emulator.
if (!skip.has('dataverse')) {
  say(`\nthe ${n(lines)}-line week written into the Dataverse emulator`);
  const dir = await dataFor(lines);
  const dv = await child<{ rowsWritten: number; allRows: number; upserts: number; requests: number; writeSeconds: number; bytesWritten: number; bytesPerRow: number }>(
    'dataverse-bench.js', [dir, join(dir, 'out-dataverse')]);
  const perThousand = dv.upserts / (dv.rowsWritten / 1000);
  // 1,000 rows a request is the most Dataverse takes: 54,881 rows cannot go in fewer than 55.
  const fewest = Math.ceil(dv.rowsWritten / 1000);
  say(`  ${n(dv.rowsWritten)} rows in ${n(dv.upserts)} UpsertMultiple requests (${n(dv.requests)} requests in all for the run), `
    + `${dv.writeSeconds.toFixed(1)} s to write them`);
  row('Dataverse requests to write a run\'s discrepancies', `${perThousand.toFixed(2)} per 1,000 rows (${n(dv.upserts)} UpsertMultiple for ${n(dv.rowsWritten)} rows, `
    + `the fewest possible is ${n(fewest)}; ${n(dv.requests)} requests for the whole run)`, '≤ 1 per 1,000', dv.upserts <= fewest);
  row('rows per second written to the emulator', `${n(Math.round(dv.rowsWritten / dv.writeSeconds))} rows/s (${n(dv.rowsWritten)}-row run)`, 'printed');
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  row(`Dataverse rows per run (${n(lines)}-line week)`, `default (needs review): ${n(dv.rowsWritten)} rows, ${mb(dv.bytesWritten)}; `
    + `every difference: ${n(dv.allRows)} rows, ≈ ${mb(dv.allRows * dv.bytesPerRow)} (${dv.bytesPerRow.toFixed(0)} bytes a row sent)`, 'printed, with and without the default');
}

// 10,000 corrections to the IV emulator.
if (!skip.has('posting')) {
  say('\n10,000 approved corrections posted to the IV emulator by the review service');
  const posting = await child<{ lines: number; posted: number; ivCalls: number; ivLines: number; dataverseRequests: number; seconds: number; requestStatus: string }>(
    'posting-bench.js', ['10000']);
  say(`  ${n(posting.posted)} of ${n(posting.lines)} posted (${posting.requestStatus}) in ${posting.seconds.toFixed(1)} s; IV received ${n(posting.ivLines)} lines`);
  row('IV calls to post 10,000 corrections', `${posting.ivCalls} calls (${n(posting.dataverseRequests)} Dataverse requests meanwhile)`, '≤ 20 calls', posting.ivCalls <= 20 && posting.posted === posting.lines);
}

const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length), ['what', 'measured', 'goal'][c]!.length));
say(`\n${['what', 'measured', 'goal'].map((h, c) => h.padEnd(widths[c]!)).join('  ')}`);
for (const r of rows) say(`${r.slice(0, 3).map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}  ${r[3]}`);
say(`\nload average at the end (1, 5, 15 min): ${load()}`);
