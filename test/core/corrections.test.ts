import { adjustmentLine, adjustmentLineId, batchImpact, inCalls, type ApprovedCorrection } from '../../core/corrections';

const correction = (over: Partial<ApprovedCorrection> = {}): ApprovedCorrection => ({
  discrepancyId: '6F1C1B52-3D0E-4B8E-9A57-1C2B7D4E9F10', approvedOn: '2026-11-23T09:15:02Z', company: 'usmf', item: 'A0001',
  color: 'Red', size: '', style: '', config: '', version: '', site: '1', warehouse: '11', location: 'B-01', batch: 'L1', serial: '',
  inventoryStatus: 'Available', owner: '', correctionQty: -7, unitCost: 4, reasonCode: 'Shrink', ...over });
const settings = { quantityDataSource: 'ibal', physicalMeasure: 'adjustment' };

describe('corrections as IV adjustment lines', () => {
  it('posts the signed correction against the warehouse, with the bin and other dimensions IV knows', () => {
    expect(adjustmentLine(correction(), { ...settings, fnoJournalNameId: 'IAJ-IBAL' })).toEqual({
      id: 'ibal-6f1c1b52-3d0e-4b8e-9a57-1c2b7d4e9f10-20261123091502',
      organizationId: 'usmf', productId: 'A0001', quantityDataSource: 'ibal', physicalMeasure: 'adjustment',
      dimensions: { siteId: '1', locationId: '11', ColorId: 'Red', WMSLocationId: 'B-01', BatchId: 'L1', StatusId: 'Available' },
      quantity: -7, externalReferenceCategory: 'Inventory Balance discrepancy', externalReferenceId: '6F1C1B52-3D0E-4B8E-9A57-1C2B7D4E9F10',
      fnoJournalNameId: 'IAJ-IBAL', costPrice: 4, transDate: '2026-11-23',
    });
  });

  it('gives the same line the same id every time, and another approval another id', () => {
    expect(adjustmentLineId(correction())).toBe(adjustmentLine(correction(), settings).id);
    expect(adjustmentLineId(correction({ approvedOn: '2026-11-24T08:00:00Z' }))).not.toBe(adjustmentLineId(correction()));
  });

  it('never sends to the fno data source, nor a line without a warehouse', () => {
    expect(() => adjustmentLine(correction(), { ...settings, quantityDataSource: 'FnO' })).toThrow(/fno data source cannot be written/);
    expect(() => adjustmentLine(correction({ warehouse: '' }), settings)).toThrow();
  });

  it('leaves the cost price out when there is no cost', () => {
    expect(adjustmentLine(correction({ unitCost: 0 }), settings)).not.toHaveProperty('costPrice');
  });

  it('splits lines into calls of at most the configured size', () => {
    expect(inCalls([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(() => inCalls([1], 0)).toThrow(/max lines per IV call/);
  });

  it('shows the whole impact of a batch by warehouse and reason', () => {
    const impact = batchImpact([correction(), correction({ warehouse: '12', correctionQty: 3, unitCost: 10, reasonCode: 'Receiving error' }),
      correction({ correctionQty: -1, unitCost: 100 })]);
    // -7×4 = -28, +3×10 = 30, -1×100 = -100
    expect(impact.total).toEqual({ lines: 3, quantity: -5, absoluteValue: 158, netValue: -98 });
    expect(impact.byWarehouse['11']).toEqual({ lines: 2, quantity: -8, absoluteValue: 128, netValue: -128 });
    expect(impact.byReason['Receiving error']).toEqual({ lines: 1, quantity: 3, absoluteValue: 30, netValue: 30 });
  });
});
