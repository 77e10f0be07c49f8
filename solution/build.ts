/**
 * `npm run package`: solution/src + core/ → solution/bin/InventoryBalance_<version>.zip and ..._managed.zip,
 * the version from package.json. Built web resources (out/webresources) and PCF controls (out/controls) are
 * picked up when a later build has produced them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { builtComponents } from './components.js';
import { packSolution } from './pack.js';

const root = resolve('.');
const { version } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string };
const extra = builtComponents(root);
const packed = packSolution(resolve(root, 'solution', 'src'), version, extra);
const outDir = resolve(root, 'solution', 'bin');
mkdirSync(outDir, { recursive: true });
const stem = `InventoryBalance_${version.replaceAll('.', '_')}`;
writeFileSync(resolve(outDir, `${stem}.zip`), packed.unmanaged);
writeFileSync(resolve(outDir, `${stem}_managed.zip`), packed.managed);
process.stdout.write(`${extra.webResources?.length ?? 0} web resources, ${extra.controls?.length ?? 0} PCF controls\n`
  + `solution/bin/${stem}.zip (${packed.unmanaged.length.toLocaleString('en-US')} bytes)\n`
  + `solution/bin/${stem}_managed.zip (${packed.managed.length.toLocaleString('en-US')} bytes)\n`);
