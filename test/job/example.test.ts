import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reconcile } from '../../job/reconcile';

/** `npm run sample-week` runs the shipped sample week: it must keep showing each kind of difference. */
describe('the sample week in examples/weekly', () => {
  it('finds material, timing and immaterial differences and reports the two bad WMS lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibal-example-'));
    const { summary } = await reconcile({ configPath: join(__dirname, '..', '..', 'examples', 'weekly', 'config.json'), outDir: join(dir, 'out') });
    // Material: A0002 -450, A0001 Red -144, A0005 +12.75, and A0006, whose 240 agree but whose PAL line was rejected
    // (incomplete). Timing: A0007. Immaterial: A0003 (+2), also incomplete (its ATL9 line was rejected), and A0010,
    // 4 units of a PROMO item the promotional rule accepts up to 10 (its group beats the default rule).
    // Balanced: A0001 Blue, A0004, A0008, A0009.
    expect(summary.classifications).toEqual({ Material: 4, Timing: 1, Immaterial: 2, Balanced: 4 });
    expect(summary.incompleteKeys).toBe(2);
    expect(summary.material).toEqual({ count: 4, absoluteValue: 606.75, netValue: -581.25 });
    expect(summary.files.find((f) => f.source === 'wms.onHand')).toMatchObject({ read: 14, accepted: 12, rejected: 2 });
    // Warehouse 13 is a D365 warehouse no WMS facility maps to: its line is out of scope.
    expect(summary.files.find((f) => f.source === 'd365.onHand')).toMatchObject({ read: 11, accepted: 10, rejected: 0, outOfScope: 1 });
  });
});
