/**
 * `npm run bench [-- --lines N] [-- --runs R]`: generates N-line D365 and WMS files (default 1,000,000), then times
 * `ibal reconcile` end to end and the hand-written DuckDB baseline over the same files, each in its own process,
 * alternating, and prints both and the ratio (goal ≤ 1.5×).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { generate } from './generate.js';

const run = promisify(execFile);
const { values } = parseArgs({ options: { lines: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } } });
const lines = Number(values.lines);
const runs = Number(values.runs);
const dist = resolve('dist', 'bench');
const dataDir = resolve('bench', 'data', String(lines));
const outDir = join(dataDir, 'out');

interface Measure { seconds: number; maxRssMb: number }

async function child(script: string, args: string[]): Promise<Measure> {
  const { stdout } = await run(process.execPath, [join(dist, script), ...args], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Measure;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (!existsSync(join(dataDir, 'config.json'))) {
  const t = performance.now();
  process.stdout.write(`generating ${lines.toLocaleString('en-US')} D365 and WMS lines in ${dataDir} ...\n`);
  await generate(dataDir, lines);
  process.stdout.write(`  generated in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
}
mkdirSync(outDir, { recursive: true });

const job: Measure[] = [];
const baseline: Measure[] = [];
for (let i = 0; i < runs; i += 1) {
  rmSync(join(dataDir, 'history.duckdb'), { force: true });
  baseline.push(await child('baseline.js', [dataDir, outDir]));
  job.push(await child('job-runner.js', [join(dataDir, 'config.json'), outDir, join(dataDir, 'history.duckdb')]));
  process.stdout.write(`  run ${i + 1}: ibal reconcile ${job[i]!.seconds.toFixed(2)} s, baseline ${baseline[i]!.seconds.toFixed(2)} s\n`);
}
const summary = JSON.parse(readFileSync(join(outDir, 'run.json'), 'utf8')) as { keysCompared: number; classifications: Record<string, number> };
const jobSeconds = median(job.map((m) => m.seconds));
const baselineSeconds = median(baseline.map((m) => m.seconds));
const ratio = jobSeconds / baselineSeconds;
process.stdout.write(`\n${lines.toLocaleString('en-US')} × ${lines.toLocaleString('en-US')} lines, ${summary.keysCompared.toLocaleString('en-US')} keys, `
  + `${JSON.stringify(summary.classifications)}\n`
  + `ibal reconcile  median ${jobSeconds.toFixed(2)} s, peak ${Math.max(...job.map((m) => m.maxRssMb)).toFixed(0)} MB\n`
  + `DuckDB baseline median ${baselineSeconds.toFixed(2)} s, peak ${Math.max(...baseline.map((m) => m.maxRssMb)).toFixed(0)} MB\n`
  + `ratio ${ratio.toFixed(2)}× (goal ≤ 1.50×) ${ratio <= 1.5 ? 'met' : 'NOT met'}\n`);
