/**
 * `npm run package`: solution/src + the built web resources and control → solution/bin/<UniqueName>_<version>.zip and
 * ..._managed.zip, the version the one in solution/src/Other/Solution.xml (written there from package.json by
 * `npm run solution:src`). Refuses to pack a tree whose generated part no longer agrees with core/ or package.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { builtComponents } from './components.js';
import { packSolution } from './pack.js';
import { generateSource } from './source-tree.js';

const root = resolve('.');
const src = resolve(root, 'solution', 'src');
const built = builtComponents(root);
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const stale = generateSource(src, built, version).filter((f) => !existsSync(join(src, f.path)) || readFileSync(join(src, f.path), 'utf8') !== f.content);
if (stale.length > 0) {
  process.stderr.write(`solution/src is out of date with core/, package.json (version ${version}) or the build: run \`npm run solution:src\` `
    + `and commit what it writes. Out of date:\n${stale.map((f) => `  solution/src/${f.path}`).join('\n')}\n`);
  process.exit(2);
}
const packed = packSolution(src, built);
const outDir = resolve(root, 'solution', 'bin');
mkdirSync(outDir, { recursive: true });
const stem = `${packed.uniqueName}_${packed.version.replaceAll('.', '_')}`;
writeFileSync(resolve(outDir, `${stem}.zip`), packed.unmanaged);
writeFileSync(resolve(outDir, `${stem}_managed.zip`), packed.managed);
process.stdout.write(`${built.webResources.length} web resources, ${built.controls.length} PCF control(s), version ${packed.version}\n`
  + `solution/bin/${stem}.zip (${packed.unmanaged.length.toLocaleString('en-US')} bytes)\n`
  + `solution/bin/${stem}_managed.zip (${packed.managed.length.toLocaleString('en-US')} bytes)\n`);
