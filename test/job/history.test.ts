import { join } from 'node:path';
import { Scenario, d365Row, only, wmsRow } from '../helpers/scenario';

describe('history across runs', () => {
  it('counts consecutive Material runs, flags an audit at the third, and keeps the trend', async () => {
    const s = new Scenario().costs({ A: 10, B: 10 });
    s.d365([d365Row('A', '11', 100), d365Row('B', '11', 100)]);
    const week = async (n: number, wmsA: number, wmsB: number) => {
      (s.config.d365 as Record<string, unknown>).asOf = `2026-11-0${n}T02:00:00Z`;
      (s.config.wms as Record<string, unknown>).asOf = `2026-11-0${n}T02:05:00Z`;
      s.wms([wmsRow('A', 'DAL1', wmsA), wmsRow('B', 'DAL1', wmsB)]);
      return s.run({ out: `week${n}` });
    };

    const first = await week(1, 90, 90);
    expect(only(first.discrepancies, 'A')).toMatchObject({ runsUnbalanced: '1', flags: '' });

    const second = await week(2, 80, 100); // B balanced: its streak ends
    expect(only(second.discrepancies, 'A')).toMatchObject({ runsUnbalanced: '2', flags: '' });
    expect(second.discrepancies.find((d) => d.item === 'B')).toBeUndefined();

    const third = await week(3, 95, 50);
    expect(only(third.discrepancies, 'A')).toMatchObject({ runsUnbalanced: '3', flags: 'audit' });
    expect(only(third.discrepancies, 'B')).toMatchObject({ runsUnbalanced: '1', flags: '' });

    // Material count and value per run, oldest first: A -10 and B -10; A -20; A -5 and B -50, all at 10.00.
    expect(third.summary.trend.map((t) => [t.materialCount, t.materialAbsoluteValue, t.materialNetValue])).toEqual([
      [2, 200, -200], [1, 200, -200], [2, 550, -550]]);
  });

  it('replaces a run when the same snapshot is reconciled again, instead of counting it twice', async () => {
    const s = new Scenario().costs({ A: 10 });
    s.d365([d365Row('A', '11', 100)]).wms([wmsRow('A', 'DAL1', 50)]);
    await s.run({ out: 'first' });
    const again = await s.run({ out: 'again' });
    expect(only(again.discrepancies, 'A').runsUnbalanced).toBe('1');
    expect(again.summary.trend).toHaveLength(1);
    expect(again.summary.runId).toBe('usmf-20261120T020000Z');
  });

  it('keeps the history beside the output folder by default, and elsewhere with --history', async () => {
    const s = new Scenario().costs({ A: 10 });
    s.d365([d365Row('A', '11', 100)]).wms([wmsRow('A', 'DAL1', 50)]);
    const { reconcile } = await import('../../job/reconcile');
    await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'run1'), runId: 'w1', historyPath: join(s.dir, 'other.duckdb') });
    const second = await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'run2'), runId: 'w2', historyPath: join(s.dir, 'other.duckdb') });
    expect(second.summary.trend.map((t) => t.runId)).toEqual(['w1', 'w2']);
    const fresh = await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'run3'), runId: 'w3' });
    expect(fresh.summary.trend.map((t) => t.runId)).toEqual(['w3']);
  });
});
