/**
 * `npm run solution:src`: writes the generated part of solution/src (source-tree.ts) for package.json's version and
 * the current build, removes generated files nothing generates any more, and puts the built web resources and control
 * next to their definitions, where `pac solution pack` looks for them (git ignores those copies: the TypeScript is
 * their source). Run it after changing core/dataverse, german-labels.ts, the version or the set of web resources.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { builtComponents, filesUnder } from './components.js';
import { generateSource, isGeneratedPath } from './source-tree.js';

const root = resolve('.');
const src = join(root, 'solution', 'src');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const built = builtComponents(root);
const files = generateSource(src, built, version);

const wanted = new Set(files.map((f) => f.path));
let changed = 0;
for (const file of files) {
  const path = join(src, file.path);
  if (existsSync(path) && readFileSync(path, 'utf8') === file.content) continue;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, file.content);
  changed += 1;
  process.stdout.write(`wrote ${relative(root, path)}\n`);
}
for (const path of filesUnder(src)) {
  const inSource = relative(src, path).split(sep).join('/');
  const builtCopy = /^(WebResources|Controls)\//.test(inSource) && !inSource.endsWith('.data.xml');
  if (builtCopy || (isGeneratedPath(inSource) && !wanted.has(inSource))) {
    rmSync(path);
    if (!builtCopy) process.stdout.write(`removed ${relative(root, path)}\n`);
  }
}
for (const w of built.webResources) {
  mkdirSync(dirname(join(src, 'WebResources', w.name)), { recursive: true });
  writeFileSync(join(src, 'WebResources', w.name), w.content);
}
for (const c of built.controls) {
  for (const f of c.files) {
    mkdirSync(dirname(join(src, 'Controls', c.name, f.path)), { recursive: true });
    writeFileSync(join(src, 'Controls', c.name, f.path), f.bytes);
  }
}
process.stdout.write(`solution/src: ${changed} generated file(s) updated for version ${version}; built web resources and control copied for pac\n`);
