import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../../bench/generate';
import { reconcile } from '../../job/reconcile';

/** The benchmark's data must stay what it claims: mostly balanced, about 5 % different and 1 % one-sided. */
describe('benchmark data', () => {
  it('reconciles to the designed shape on a small sample', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibal-bench-'));
    const set = await generate(dir, 20000, 7);
    const { summary } = await reconcile({ configPath: set.config, outDir: join(dir, 'out') });
    const wms = summary.files.find((f) => f.source === 'wms.onHand')!;
    expect(summary.files.every((f) => f.rejected === 0)).toBe(true);
    const differing = summary.keysCompared - summary.classifications.Balanced;
    expect(differing / summary.keysCompared).toBeGreaterThan(0.04);
    expect(differing / summary.keysCompared).toBeLessThan(0.08);
    // Keys only the WMS has come on top of the D365 lines.
    expect(summary.keysCompared).toBeGreaterThan(20000);
    expect(wms.read).toBeGreaterThan(19800);
  });
});
