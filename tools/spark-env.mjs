#!/usr/bin/env node
/**
 * Prepares the project's Spark environment when it is missing or out of date: a Python venv in .spark/venv with the
 * pinned pyspark (tools/spark-requirements.txt), which carries Spark's jars; Java comes from the machine.
 * `npm test` runs it first, so a clean clone needs nothing else. IBAL_SPARK=0 skips it (and the Spark tests).
 *
 *   node tools/spark-env.mjs            prepare, saying what it does
 *   node tools/spark-env.mjs --check    exit 1 when the environment is not ready
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const venv = join(root, '.spark', 'venv');
const requirements = join(root, 'tools', 'spark-requirements.txt');
const stamp = join(venv, 'ibal-requirements.txt');
const wanted = readFileSync(requirements, 'utf8');
const ready = existsSync(join(venv, 'bin', 'spark-submit')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted;

if (process.argv.includes('--check')) process.exit(ready ? 0 : 1);
if (process.env.IBAL_SPARK === '0') {
  console.log('spark-env: IBAL_SPARK=0, the Spark environment is not prepared (the Spark tests will be skipped)');
  process.exit(0);
}
if (ready) {
  console.log(`spark-env: ready (${venv})`);
  process.exit(0);
}

const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
if (java.status !== 0) {
  console.error('spark-env: Java is not on PATH; Spark needs Java 17 (apt-get install -y openjdk-17-jre-headless), or set IBAL_SPARK=0 to skip the Spark tests');
  process.exit(1);
}
const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
if (!python) {
  console.error('spark-env: Python 3 is not on PATH; the Spark tests need it (or set IBAL_SPARK=0 to skip them)');
  process.exit(1);
}
console.log(`spark-env: preparing ${venv} with ${wanted.split('\n').filter((l) => l && !l.startsWith('#')).join(', ')} (once; about a minute)`);
rmSync(venv, { recursive: true, force: true });
mkdirSync(dirname(venv), { recursive: true });
execFileSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
execFileSync(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements], { stdio: 'inherit' });
writeFileSync(stamp, wanted);
console.log('spark-env: ready');
