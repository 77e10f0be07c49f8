import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Scenario, csv, D365_V2_HEADER, d365Row, WMS_HEADER, wmsRow } from '../helpers/scenario';

const item = fc.constantFrom('A0001', 'A0002', 'B0001', 'C0001');
const warehouse = fc.constantFrom('11', '12');
/** 13 is a D365 warehouse no WMS facility maps to: its lines are out of scope. */
const anyD365Warehouse = fc.constantFrom('11', '12', '13');
const quantity = fc.integer({ min: -50, max: 500 }).map((n) => n / 4);
const facilityOf: Record<string, string> = { 11: 'DAL1', 12: 'DAL2' };

/** A WMS line: usually good, sometimes carrying one of the faults that must be rejected. */
const wmsLine = fc.record({
  item, warehouse, quantity,
  fault: fc.constantFrom('none', 'none', 'none', 'facility', 'unit', 'quantity', 'columns'),
});

describe('properties of the reconcile job', () => {
  it('accounts for every line: read = accepted + rejected + out of scope, and every reject is reported', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ item, warehouse: anyD365Warehouse, quantity }), { maxLength: 12 }),
      fc.array(wmsLine, { maxLength: 20 }),
      async (d365Lines, wmsLines) => {
        const s = new Scenario().costs({ A0001: 3 });
        s.d365(d365Lines.map((l) => d365Row(l.item, l.warehouse, l.quantity)));
        s.file('wms.csv', [WMS_HEADER.join(','), ...wmsLines.map((l) => {
          const row = wmsRow(l.item, l.fault === 'facility' ? 'ATL9' : facilityOf[l.warehouse]!, l.fault === 'quantity' ? 'lots' : l.quantity,
            l.fault === 'unit' ? 'drum' : 'ea');
          return (l.fault === 'columns' ? [...row, 'spare'] : row).join(',');
        }), ''].join('\n'));
        const wmsRejected = wmsLines.filter((l) => l.fault !== 'none').length;
        const d365InScope = d365Lines.filter((l) => l.warehouse !== '13').length;
        const outcome = await s.run().catch((error: Error) => error);
        const rejects: Array<Record<string, string>> = parse(readFileSync(join(s.dir, 'out', 'rejects.csv')), { columns: true });
        expect(rejects.filter((r) => r.source === 'wms.onHand')).toHaveLength(wmsRejected);
        if (outcome instanceof Error) {
          // Refused only when a side has no line left to compare; the rejects are still all reported.
          expect(outcome.message).toMatch(/^nothing to compare: /);
          expect(wmsRejected === wmsLines.length || d365InScope === 0).toBe(true);
          return;
        }
        for (const f of outcome.summary.files) {
          expect(f.read).toBe(f.accepted + f.rejected + f.outOfScope);
          expect(rejects.filter((r) => r.source === f.source)).toHaveLength(f.rejected);
        }
        const wms = outcome.summary.files.find((f) => f.source === 'wms.onHand')!;
        expect(wms.read).toBe(wmsLines.length);
        expect(wms.rejected).toBe(wmsRejected);
        expect(outcome.summary.files.find((f) => f.source === 'd365.onHand')!.outOfScope).toBe(d365Lines.length - d365InScope);
      }), { numRuns: 20 });
  });

  it('finds no discrepancy when the WMS holds exactly what D365 holds, however it is split', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(fc.record({ item, warehouse, quantity }), { selector: (l) => `${l.item}|${l.warehouse}`, minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: 3 }),
      async (lines, splits) => {
        const s = new Scenario().costs({ A0001: 3, B0001: 0.5 });
        s.file('d365-onhand.csv', csv(D365_V2_HEADER, lines.map((l) => d365Row(l.item, l.warehouse, l.quantity))));
        // The same stock, spread over bins in the WMS.
        s.wms(lines.flatMap((l) => Array.from({ length: splits }, (_, bin) =>
          wmsRow(l.item, facilityOf[l.warehouse]!, bin === 0 ? l.quantity - (splits - 1) * 0.25 : 0.25, 'ea', `B${bin}`))));
        const { discrepancies, summary } = await s.run();
        expect(discrepancies).toEqual([]);
        expect(summary.classifications.Balanced).toBe(lines.length);
      }), { numRuns: 20 });
  });
});
