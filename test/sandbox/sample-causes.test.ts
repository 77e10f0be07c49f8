import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { CAUSES } from '../../core/causes';
import type { RunSummary } from '../../core/run';
import { reconcile } from '../../job/reconcile';
import { generateSampleWeeks } from '../../sandbox/sample-data';

/** The sandbox's sample weeks, reconciled as `npm start` does (here into local files), show every likely cause. */
describe('sample weeks', () => {
  it('plant faults in the latest week whose likely causes the app shows, including one systematic unit error in DAL2', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ibal-sample-'));
    const weeks = generateSampleWeeks(root, { skus: 300 });
    const summaries: RunSummary[] = [];
    for (const week of weeks) {
      summaries.push((await reconcile({ configPath: week.config, outDir: join(week.dir, 'out'), historyPath: join(root, 'history.duckdb') })).summary);
    }
    const latest = summaries[summaries.length - 1]!;
    const rows = parse(readFileSync(join(weeks[weeks.length - 1]!.dir, 'out', 'discrepancies.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(CAUSES.filter((cause) => !rows.some((r) => r.likelyCause === cause))).toEqual([]);
    expect(CAUSES.filter((cause) => latest.causes.byCause[cause].lines === 0)).toEqual([]);
    expect(latest.causes.systematic.find((f) => f.cause === 'uom-factor')?.text).toMatch(/^5 lines in warehouse 12 \(facility DAL2\) look like a 12× unit error \(CS\)/);
    // The faults are planted in the latest week only; earlier weeks show at most the stubborn keys' persistent residual.
    for (const earlier of summaries.slice(0, -1)) {
      expect(CAUSES.filter((cause) => cause !== 'persistent' && earlier.causes.byCause[cause].lines > 0)).toEqual([]);
    }
  });
});
