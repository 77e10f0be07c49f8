import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reconcile } from '../../job/reconcile';

/** `npm run sample-week` runs the shipped sample week: it must keep showing each kind of difference. */
describe('the sample week in examples/weekly', () => {
  it('finds material, timing and immaterial differences and reports the two bad WMS lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibal-example-'));
    const { summary } = await reconcile({ configPath: join(__dirname, '..', '..', 'examples', 'weekly', 'config.json'), outDir: join(dir, 'out') });
    // Material: A0002 -450, A0001 Red -144, A0005 +12.75, A0010 0 (no cost), and A0006, whose 240 agree but whose
    // PAL line was rejected (incomplete). Timing: A0007. Immaterial: A0003 (+2), also incomplete: its ATL9 line was
    // rejected. Balanced: A0001 Blue, A0004, A0008, A0009.
    expect(summary.classifications).toEqual({ Material: 5, Timing: 1, Immaterial: 1, Balanced: 4 });
    expect(summary.incompleteKeys).toBe(2);
    expect(summary.material).toEqual({ count: 5, absoluteValue: 606.75, netValue: -581.25 });
    expect(summary.files.find((f) => f.source === 'wms.onHand')).toMatchObject({ read: 14, accepted: 12, rejected: 2 });
  });
});
