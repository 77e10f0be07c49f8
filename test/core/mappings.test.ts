import { mapFacility, mapItem, mapStatus, siteOfWarehouse, unitFactor } from '../../core/mappings';

const units = { default: 'ea', conversions: [{ item: 'A0001', from: 'cs', factor: 12 }, { item: '*', from: 'cs', factor: 24 }, { item: '*', from: 'pk', factor: 6 }] };

describe('unit conversion into the D365 inventory unit', () => {
  it('needs no conversion for the default unit, in any case', () => {
    expect(unitFactor(units, 'A0009', 'EA')).toEqual({ ok: true, value: 1 });
  });
  it("uses the item's own conversion before the one for any item", () => {
    expect(unitFactor(units, 'A0001', 'CS')).toEqual({ ok: true, value: 12 });
    expect(unitFactor(units, 'A0002', 'cs')).toEqual({ ok: true, value: 24 });
    expect(unitFactor(units, 'A0002', 'pk')).toEqual({ ok: true, value: 6 });
  });
  it('rejects a unit with no conversion, saying where to add one', () => {
    expect(unitFactor(units, 'A0001', 'PAL')).toEqual({ ok: false,
      reason: "unit 'PAL' has no conversion for item A0001 (add it under mappings.units.conversions)" });
  });
  it('rejects an empty unit instead of assuming the default', () => {
    expect(unitFactor(units, 'A0001', '').ok).toBe(false);
  });
});

describe('facility, item and status mapping', () => {
  const facilities = { DAL1: { site: '1', warehouse: '11' }, DAL2: { site: '1', warehouse: '12' } };
  it('maps a facility to site and warehouse and rejects an unknown one', () => {
    expect(mapFacility(facilities, 'DAL2')).toEqual({ ok: true, value: { site: '1', warehouse: '12' } });
    expect(mapFacility(facilities, 'toString')).toEqual({ ok: false, reason: "facility 'toString' has no mapping (add it under mappings.facilities)" });
  });
  it('uses an SKU missing from the cross-reference as the item number', () => {
    const items = new Map([['SKU1', { item: 'A0001', color: 'Red' }]]);
    expect(mapItem(items, 'SKU1')).toEqual({ ok: true, value: { item: 'A0001', color: 'Red' } });
    expect(mapItem(items, 'A0002')).toEqual({ ok: true, value: { item: 'A0002' } });
  });
  it('maps status words and rejects unknown ones; without a mapping words pass through', () => {
    expect(mapStatus({ AVAIL: 'Available' }, 'AVAIL')).toEqual({ ok: true, value: 'Available' });
    expect(mapStatus({ AVAIL: 'Available' }, 'QC').ok).toBe(false);
    expect(mapStatus(undefined, 'QC')).toEqual({ ok: true, value: 'QC' });
  });
  it('finds the site of a warehouse from the facility mapping', () => {
    expect(siteOfWarehouse(facilities).get('12')).toBe('1');
  });
});
