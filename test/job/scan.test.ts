import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { generate } from '../../bench/generate';
import { reconcile } from '../../job/reconcile';

/**
 * A clean file is read once, straight from disk; a file with a line to name by its number is loaded again as a table
 * (job/load.ts). The two ways must agree on every key: the speed of the first may not change a result.
 */
it('gives the same discrepancies and counts whether a file is read in one pass or loaded again to name a rejected line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ibal-scan-'));
  const set = await generate(dir, 3000);
  const run = async (name: string) => {
    const { summary } = await reconcile({ configPath: set.config, outDir: join(dir, name), historyPath: join(dir, `${name}.duckdb`) });
    const rows = parse(readFileSync(join(dir, name, 'discrepancies.csv')), { columns: true }) as Array<Record<string, string>>;
    const rejects = parse(readFileSync(join(dir, name, 'rejects.csv')), { columns: true }) as Array<Record<string, string>>;
    return { summary, rows, rejects };
  };
  const clean = await run('clean');
  expect(clean.rejects).toEqual([]);
  expect(clean.summary.classifications.Material).toBeGreaterThan(0);
  expect(clean.summary.classifications.Immaterial).toBeGreaterThan(0);

  // One line in each on-hand file that must be named: an empty D365 quantity, a WMS facility with no mapping.
  const lines = (file: string) => readFileSync(join(dir, file), 'utf8').trimEnd().split('\n').length;
  const d365Line = lines('d365-onhand.csv') + 1;
  const wmsLine = lines('wms.csv') + 1;
  appendFileSync(join(dir, 'd365-onhand.csv'), 'usmf,OH-2026-47,ZZ1,,,,,,11,A00-0,Available,B0-0,,,,,\n');
  appendFileSync(join(dir, 'wms.csv'), 'ZZ2,NOPE,A00-0,B0-0,AVAIL,5,EA\n');
  const numbered = await run('numbered');

  expect(numbered.rejects.map((r) => [r.source, r.line])).toEqual([['d365.onHand', String(d365Line)], ['wms.onHand', String(wmsLine)]]);
  expect(numbered.rows).toEqual(clean.rows);
  expect(numbered.summary.classifications).toEqual(clean.summary.classifications);
  expect(numbered.summary.keysCompared).toBe(clean.summary.keysCompared);
  // Each on-hand file read one line more, rejected it, and accepted the same lines.
  const added = (source: string) => (source === 'd365.onHand' || source === 'wms.onHand' ? 1 : 0);
  expect(numbered.summary.files).toEqual(clean.summary.files.map((f) => ({ ...f, read: f.read + added(f.source), rejected: f.rejected + added(f.source) })));
}, 60000);
