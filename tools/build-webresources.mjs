// Bundles the web resources per entry point (issue "Review workflow") into out/webresources, where the solution
// packer picks them up as ibal_/<path>: the command-bar script as the global InventoryBalance.Commands the ribbon
// calls, and the review dialog page with its script; and the sandbox's app shell.
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const out = 'out/webresources';
const common = { bundle: true, minify: true, sourcemap: false, platform: 'browser', target: 'es2020', legalComments: 'none', logLevel: 'warning' };
await build({ ...common, entryPoints: ['webresources/commands.ts'], outfile: `${out}/scripts/commands.js`, format: 'iife', globalName: 'InventoryBalance.Commands' });
// The spreadsheet writer, loaded by the command script only when a sheet is exported (it is most of an export's code).
await build({ ...common, entryPoints: ['webresources/sheets.ts'], outfile: `${out}/scripts/sheets.js`, format: 'iife', globalName: 'InventoryBalance.Sheets' });
await build({ ...common, entryPoints: ['webresources/dialog/review.tsx'], outfile: `${out}/pages/review.js`, format: 'iife', jsx: 'transform',
  define: { 'process.env.NODE_ENV': '"production"' } });
// The form panels (a discrepancy's history, a posting batch's totals).
await build({ ...common, entryPoints: ['webresources/dialog/panel.tsx'], outfile: `${out}/pages/panel.js`, format: 'iife', jsx: 'transform',
  define: { 'process.env.NODE_ENV': '"production"' } });
// The count sheet import page: its own bundle, so the spreadsheet reader is loaded only where a sheet is imported.
await build({ ...common, entryPoints: ['webresources/dialog/counts.tsx'], outfile: `${out}/pages/counts.js`, format: 'iife', jsx: 'transform',
  define: { 'process.env.NODE_ENV': '"production"' } });
// The sandbox app shell (not part of the solution): hosts the control bundle and the command script above.
await build({ ...common, entryPoints: ['sandbox/app/browser/shell.tsx'], outfile: 'out/sandbox/shell.js', format: 'iife', jsx: 'transform',
  define: { 'process.env.NODE_ENV': '"production"' } });
mkdirSync(`${out}/pages`, { recursive: true });
copyFileSync('webresources/dialog/review.html', `${out}/pages/review.html`);
copyFileSync('webresources/dialog/counts.html', `${out}/pages/counts.html`);
copyFileSync('webresources/dialog/panel.html', `${out}/pages/panel.html`);
