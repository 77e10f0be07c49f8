/**
 * `npm run package`: solution/src + the built web resources and control → solution/bin/<UniqueName>_<version>.zip and
 * ..._managed.zip, the version the one in solution/src/Other/Solution.xml (written there from package.json by
 * `npm run solution:src`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { builtComponents } from './components.js';
import { packSolution } from './pack.js';

const root = resolve('.');
const built = builtComponents(root);
const packed = packSolution(resolve(root, 'solution', 'src'), built);
const outDir = resolve(root, 'solution', 'bin');
mkdirSync(outDir, { recursive: true });
const stem = `${packed.uniqueName}_${packed.version.replaceAll('.', '_')}`;
writeFileSync(resolve(outDir, `${stem}.zip`), packed.unmanaged);
writeFileSync(resolve(outDir, `${stem}_managed.zip`), packed.managed);
process.stdout.write(`${built.webResources.length} web resources, ${built.controls.length} PCF control(s), version ${packed.version}\n`
  + `solution/bin/${stem}.zip (${packed.unmanaged.length.toLocaleString('en-US')} bytes)\n`
  + `solution/bin/${stem}_managed.zip (${packed.managed.length.toLocaleString('en-US')} bytes)\n`);
