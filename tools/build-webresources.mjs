// Bundles the web resources per entry point (issue "Review workflow") into out/webresources, where the solution
// packer picks them up as ibal_/<path>: the command-bar script as the global InventoryBalance.Commands the ribbon
// calls, and the review dialog page with its script; and the sandbox's app shell.
// With --changed (npm start) a bundle is built only when one of the files it was built from changed since; the
// list of those files is kept next to the bundles (out/.inputs).
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const out = 'out/webresources';
const onlyChanged = process.argv.includes('--changed');
const common = { bundle: true, minify: true, sourcemap: false, platform: 'browser', target: 'es2020', legalComments: 'none', logLevel: 'warning', metafile: true };
const react = { format: 'iife', jsx: 'transform', define: { 'process.env.NODE_ENV': '"production"' } };
const bundles = [
  { ...common, entryPoints: ['webresources/commands.ts'], outfile: `${out}/scripts/commands.js`, format: 'iife', globalName: 'InventoryBalance.Commands' },
  // The spreadsheet writer, loaded by the command script only when a sheet is exported (it is most of an export's code).
  { ...common, entryPoints: ['webresources/sheets.ts'], outfile: `${out}/scripts/sheets.js`, format: 'iife', globalName: 'InventoryBalance.Sheets' },
  { ...common, entryPoints: ['webresources/dialog/review.ts'], outfile: `${out}/pages/review.js`, format: 'iife',
    define: { 'process.env.NODE_ENV': '"production"' } },
  // The form panels (a discrepancy's history, a posting batch's totals).
  { ...common, ...react, entryPoints: ['webresources/dialog/panel.tsx'], outfile: `${out}/pages/panel.js` },
  // The count sheet import page: its own bundle, so the spreadsheet reader is loaded only where a sheet is imported.
  { ...common, ...react, entryPoints: ['webresources/dialog/counts.tsx'], outfile: `${out}/pages/counts.js` },
  // The sandbox app shell (not part of the solution): hosts the control bundle and the command script above.
  { ...common, ...react, entryPoints: ['sandbox/app/browser/shell.tsx'], outfile: 'out/sandbox/shell.js' },
];

const inputsFile = (bundle) => join('out', '.inputs', `${bundle.outfile.replaceAll('/', '_')}.json`);
const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : 0);
function upToDate(bundle) {
  const built = mtime(bundle.outfile);
  if (built === 0 || !existsSync(inputsFile(bundle))) return false;
  const inputs = [...JSON.parse(readFileSync(inputsFile(bundle), 'utf8')), 'package-lock.json', 'tools/build-webresources.mjs'];
  return inputs.every((input) => existsSync(input) && mtime(input) <= built);
}

await Promise.all(bundles.map(async (bundle) => {
  if (onlyChanged && upToDate(bundle)) return;
  const result = await build(bundle);
  mkdirSync(dirname(inputsFile(bundle)), { recursive: true });
  writeFileSync(inputsFile(bundle), JSON.stringify(Object.keys(result.metafile.inputs)));
}));
mkdirSync(`${out}/pages`, { recursive: true });
copyFileSync('webresources/dialog/review.html', `${out}/pages/review.html`);
copyFileSync('webresources/dialog/counts.html', `${out}/pages/counts.html`);
copyFileSync('webresources/dialog/panel.html', `${out}/pages/panel.html`);
