// `npm start`'s build: each step of `npm run build` runs only when one of its inputs is newer than what it built
// last, so a start with nothing changed goes straight to the sandbox. The full `npm run build` always builds all.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SKIPPED = new Set(['node_modules', 'dist', 'out', '.data', 'data', 'artifacts', 'generated', 'scratch', '.git']);

/** Every file under the given paths (folders walked, build outputs and data skipped). */
function files(...paths) {
  const found = [];
  const walk = (path) => {
    if (!existsSync(path)) return;
    if (!statSync(path).isDirectory()) { found.push(path); return; }
    for (const entry of readdirSync(path)) if (!SKIPPED.has(entry)) walk(join(path, entry));
  };
  paths.forEach(walk);
  return found;
}
const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : 0);
/** The first input newer than the output (or the output itself when it is missing), or undefined when up to date. */
function staleBecause(inputs, output) {
  const built = mtime(output);
  if (built === 0) return `${output} is missing`;
  const newer = inputs.find((input) => mtime(input) > built);
  return newer && `${relative('.', newer)} changed`;
}
const run = (command, args) => execFileSync(command, args, { stdio: 'inherit' });
const npx = (tool, args) => run(process.execPath, [join('node_modules', '.bin', tool), ...args]);
const started = performance.now();
const said = [];

// TypeScript: each source's emitted file must be newer than the source (tsc writes every file when it runs).
// What tsconfig.json excludes (bundled by esbuild instead) has no emitted file to compare with.
const excluded = JSON.parse(readFileSync('tsconfig.json', 'utf8')).exclude.map((path) => join(path));
const sources = files('core', 'job', 'bench', 'solution', 'sandbox', 'webresources').filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts')
  && !excluded.some((path) => f === path || f.startsWith(`${path}/`)));
const config = ['tsconfig.json', 'package-lock.json'];
const tscReason = sources.map((f) => staleBecause([f, ...config], join('dist', f.replace(/\.tsx?$/, '.js')))).find(Boolean);
if (tscReason) { said.push(`tsc (${tscReason})`); npx('tsc', ['-p', 'tsconfig.json']); }

// The PCF control: its manifest, its code and the core it imports.
const pcfReason = staleBecause([...files('pcf', 'core', 'ControlManifest.Input.xml', 'pcfconfig.json'), 'package-lock.json'], join('out', 'controls', 'bundle.js'));
if (pcfReason) { said.push(`the PCF control (${pcfReason})`); npx('pcf-scripts', ['build', '--buildMode', 'production']); }

// The web resources and the app shell: build-webresources.mjs rebuilds only the bundles whose inputs changed.
run(process.execPath, [join('tools', 'build-webresources.mjs'), '--changed']);
process.stdout.write(`build: ${said.length === 0 ? 'up to date' : `rebuilt ${said.join(', ')}`} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
