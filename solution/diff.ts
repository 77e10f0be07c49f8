/**
 * `npm run solution:diff -- <installed.zip> <new_managed.zip>`: what importing the new version over the installed one
 * does (upgrade.ts), before anyone imports it. Exits 1 when the import would fail or would not be an upgrade.
 */
import { readFileSync } from 'node:fs';
import { compareForUpgrade, inventoryOf } from './upgrade.js';

const [installedPath, incomingPath] = process.argv.slice(2);
if (!installedPath || !incomingPath) {
  process.stderr.write('usage: npm run solution:diff -- <installed solution zip> <new managed solution zip>\n');
  process.exit(2);
}
function inventory(path: string) {
  try {
    return inventoryOf(readFileSync(path), path);
  } catch (error) {
    process.stderr.write(`${(error as NodeJS.ErrnoException).code === 'ENOENT' ? `${path}: no such file` : (error as Error).message}\n`);
    process.exit(2);
  }
}
const report = compareForUpgrade(inventory(installedPath), inventory(incomingPath));
const section = (title: string, lines: readonly string[]) => (lines.length === 0 ? '' : `${title} (${lines.length}):\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
process.stdout.write(`Upgrade ${report.from} → ${report.to}\n`
  + section('Added', report.added)
  + section('Changed', report.changed)
  + section('Removed by the upgrade', report.removed)
  + section('Data deleted with them', report.dataDeleted)
  + section('Problems', report.problems)
  + (report.problems.length === 0 ? 'The import upgrades the installed solution; tables and columns not listed above keep their data.\n' : ''));
process.exit(report.problems.length === 0 ? 0 : 1);
