import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reconcile } from '../../job/reconcile';

/** `npm run sample-week` runs the shipped sample week: it must keep showing each kind of difference. */
describe('the sample week in examples/weekly', () => {
  it('finds material, timing and immaterial differences and reports the two bad WMS lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibal-example-'));
    const { summary } = await reconcile({ configPath: join(__dirname, '..', '..', 'examples', 'weekly', 'config.json'), outDir: join(dir, 'out') });
    expect(summary.classifications).toEqual({ Material: 4, Timing: 1, Immaterial: 1, Balanced: 5 });
    // A0002 -450, A0001 Red -144, A0005 +12.75, A0010 0 (no cost)
    expect(summary.material).toEqual({ count: 4, absoluteValue: 606.75, netValue: -581.25 });
    expect(summary.files.find((f) => f.source === 'wms.onHand')).toMatchObject({ read: 14, accepted: 12, rejected: 2 });
  });
});
