/**
 * `npm run bench:spark [-- --lines 1000000] [--growth 1000000,10000000] [--cores 1,2]`: the compare on a local Spark
 * against DuckDB on the same generated files, and how Spark's time grows with the lines and with its executors'
 * cores. One machine cannot show a cluster's speed; it shows that the work is partitioned (two cores against one)
 * and that it grows linearly with the lines. Each run is `ibal reconcile` in its own process, as a user runs it.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { generate } from './generate.js';

const run = promisify(execFile);
const { values } = parseArgs({ options: {
  lines: { type: 'string', default: '1000000' }, growth: { type: 'string', default: '1000000,10000000' }, cores: { type: 'string', default: '1,2' },
  'driver-memory': { type: 'string', default: '6g' },
} });
const say = (text: string) => process.stdout.write(`${text}\n`);
const n = (x: number) => x.toLocaleString('en-US');
const dist = resolve('dist', 'bench');

interface Measure { seconds: number; maxRssMb: number }

async function dataFor(count: number): Promise<string> {
  const dir = resolve('bench', 'data', String(count));
  try {
    readFileSync(join(dir, 'config.json'));
  } catch {
    say(`generating ${n(count)} D365 and WMS lines in ${dir} ...`);
    await generate(dir, count);
  }
  // The same config on Spark, with the driver's memory for a large result set.
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'config-spark.json'), JSON.stringify({ ...config, engine: 'spark',
    // Files are split into 16 MB parts so even the 1M-line file is read by more than one task (Spark's default of
    // 128 MB reads it as one part, and one core does all of it).
    spark: { master: 'local[2]', conf: { 'spark.driver.memory': values['driver-memory'], 'spark.sql.shuffle.partitions': '16',
      'spark.sql.files.maxPartitionBytes': '16m' } } }, null, 2));
  return dir;
}

async function reconcile(dir: string, engine: 'duckdb' | 'spark', master?: string): Promise<Measure> {
  rmSync(join(dir, `history-${engine}.duckdb`), { force: true });
  const args = [join(dist, 'job-runner.js'), join(dir, engine === 'spark' ? 'config-spark.json' : 'config.json'), join(dir, `out-${engine}`),
    join(dir, `history-${engine}.duckdb`), ...(master ? ['--spark-master', master] : [])];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 26 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Measure;
}

say(`${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(', ')}; Spark runs as local[N] (N executor cores on this machine)`);
const lines = Number(values.lines);
const dir = await dataFor(lines);
const duck = await reconcile(dir, 'duckdb');
const spark = await reconcile(dir, 'spark', 'local[2]');
const same = readFileSync(join(dir, 'out-duckdb', 'discrepancies.csv'), 'utf8') === readFileSync(join(dir, 'out-spark', 'discrepancies.csv'), 'utf8');
say(`\n${n(lines)} × ${n(lines)} lines: DuckDB ${duck.seconds.toFixed(1)} s, Spark local[2] ${spark.seconds.toFixed(1)} s `
  + `(${(spark.seconds / duck.seconds).toFixed(1)}× DuckDB's time); discrepancies.csv ${same ? 'identical' : 'DIFFERENT'}`);

const cores = values.cores.split(',').map(Number);
const sizes = values.growth.split(',').map(Number);
const table: string[][] = [['lines', ...cores.map((c) => `local[${c}] s`), ...cores.map((c) => `local[${c}] µs/line`), 'speed-up']];
const seconds = new Map<string, number>();
for (const size of sizes) {
  const data = await dataFor(size);
  const times = [];
  for (const c of cores) {
    const measure = size === lines && c === 2 ? spark : await reconcile(data, 'spark', `local[${c}]`);
    seconds.set(`${size}/${c}`, measure.seconds);
    times.push(measure.seconds);
    say(`  Spark local[${c}], ${n(size)} lines: ${measure.seconds.toFixed(1)} s`);
  }
  table.push([n(size), ...times.map((t) => t.toFixed(1)), ...times.map((t) => ((t * 1e6) / size).toFixed(2)),
    `${(times[0]! / times.at(-1)!).toFixed(2)}×`]);
}
say('\nSpark growth');
const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
for (const r of table) say(`  ${r.map((cell, i) => cell.padStart(widths[i]!)).join('  ')}`);
if (sizes.length > 1) {
  const [small, large] = [sizes[0]!, sizes.at(-1)!];
  for (const c of cores) {
    const growth = seconds.get(`${large}/${c}`)! / seconds.get(`${small}/${c}`)!;
    say(`  local[${c}]: ${(large / small).toFixed(0)}× the lines took ${growth.toFixed(1)}× the time (linear would be ${(large / small).toFixed(0)}×)`);
  }
}
