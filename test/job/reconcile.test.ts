import { DISCREPANCY_COLUMNS } from '../../core/discrepancy';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Scenario, csv, d365Row, only, wmsRow } from '../helpers/scenario';

describe('reconcile: the issue example', () => {
  it('maps, converts, rolls up, compares and classifies', async () => {
    const s = new Scenario();
    s.config.compareLevel = ['site', 'warehouse', 'location', 'batch', 'status'];
    (s.config.mappings as Record<string, unknown>).items = { path: 'item-xref.csv', columns: { sku: 'sku', item: 'ItemNumber', color: 'Color' } };
    (s.config.wms as Record<string, unknown>).inFlight = { path: 'wms-inflight.csv', columns: { item: 'sku', facility: 'facility', quantity: 'qty', unit: 'uom' } };
    s.config.thresholds = [
      { name: 'default', quantity: 5, percent: 10, value: 250 },
      { name: 'high-value warehouse', scope: { warehouse: '11' }, value: 50 },
    ];
    s.file('item-xref.csv', csv(['sku', 'ItemNumber', 'Color'], [['SKU1', 'A0001', 'Red']]));
    s.file('d365-onhand.csv', csv(['dataAreaId', 'ItemNumber', 'ProductColorId', 'InventorySiteId', 'InventoryWarehouseId', 'OnHandQuantity'], [
      ['usmf', 'A0001', 'Red', '1', '11', '100'],
      ['usmf', 'A0002', '', '1', '12', '40'],
      ['usmf', 'A0003', '', '1', '11', '10'],
    ]));
    s.costs({ A0001: 10, A0003: 3 }).file('d365-value.csv', csv(['ItemNumber', 'InventorySiteId', 'InventoryWarehouseId', 'Quantity', 'Amount'], [
      ['A0001', '1', '11', '10', '100'], ['A0002', '1', '12', '4', '10'], ['A0003', '1', '11', '2', '6'],
    ]));
    s.wms([
      wmsRow('SKU1', 'DAL1', 5, 'cs', 'B1'), // 5 cases of 12 = 60
      wmsRow('SKU1', 'DAL1', 30, 'ea', 'B2'),
      wmsRow('A0002', 'DAL2', 5, 'pk', 'B1', '', 'HOLD'), // 5 packs of 6 = 30
      wmsRow('A0003', 'DAL1', 12, 'ea'),
    ]);
    s.file('wms-inflight.csv', csv(['sku', 'facility', 'qty', 'uom'], [['A0003', 'DAL1', '2', 'ea']]));

    const { discrepancies, summary, rejects } = await s.run();

    expect(rejects).toEqual([]);
    // WarehousesOnHandV2 has no bin, batch or status: the compare falls back to warehouse level and says so.
    expect(summary.compareLevel).toEqual(['site', 'warehouse']);
    expect(summary.warnings).toEqual(expect.arrayContaining([expect.stringContaining("compareLevel 'location' is not compared")]));

    const a1 = only(discrepancies, 'A0001');
    expect(a1).toMatchObject({ color: 'Red', site: '1', warehouse: '11', location: '', d365Qty: '100', wmsQty: '90',
      qtyVariance: '-10', residual: '-10', unitCost: '10', valueVariance: '-100', classification: 'Material', rule: 'high-value warehouse' });

    // 40 in D365, 30 in the WMS: -10 units at 2.50 is -25; the default rule applies in warehouse 12 and 10 ≥ 5 units.
    expect(only(discrepancies, 'A0002')).toMatchObject({ residual: '-10', unitCost: '2.5', valueVariance: '-25', classification: 'Material', rule: 'default' });
    // 2 more in the WMS, all of it in flight.
    expect(only(discrepancies, 'A0003')).toMatchObject({ qtyVariance: '2', inFlightQty: '2', residual: '0', classification: 'Timing' });

    expect(summary.keysCompared).toBe(3);
    expect(summary.classifications).toEqual({ Material: 2, Timing: 1, Immaterial: 0, Balanced: 0 });
    expect(summary.material).toEqual({ count: 2, absoluteValue: 125, netValue: -125 });
  });
});

describe('reconcile: outputs', () => {
  it('writes the discrepancy columns in the contract order, largest value first', async () => {
    const s = new Scenario().costs({ CHEAP: 1, DEAR: 100, MID: 10 });
    s.d365([d365Row('CHEAP', '11', 100), d365Row('DEAR', '11', 100), d365Row('MID', '11', 100)]);
    s.wms([wmsRow('CHEAP', 'DAL1', 50), wmsRow('DEAR', 'DAL1', 99), wmsRow('MID', 'DAL1', 103)]);
    const { discrepancies } = await s.run();
    const header = readFileSync(join(s.dir, 'out', 'discrepancies.csv'), 'utf8').split('\n')[0];
    expect(header).toBe(DISCREPANCY_COLUMNS.join(','));
    // |-50 × 1| = 50, |-1 × 100| = 100, |3 × 10| = 30
    expect(discrepancies.map((d) => [d.item, d.valueVariance])).toEqual([['DEAR', '-100'], ['CHEAP', '-50'], ['MID', '30']]);
  });

  it('does not write balanced keys but counts them', async () => {
    const s = new Scenario().costs({ A: 1 });
    s.d365([d365Row('A', '11', 5), d365Row('B', '11', 7)]);
    s.wms([wmsRow('A', 'DAL1', 5), wmsRow('B', 'DAL1', 7)]);
    const { discrepancies, summary } = await s.run();
    expect(discrepancies).toEqual([]);
    expect(summary.classifications.Balanced).toBe(2);
  });

  it('warns when the snapshots are further apart than the tolerance', async () => {
    const s = new Scenario();
    (s.config.wms as Record<string, unknown>).asOf = '2026-11-20T03:15:00Z';
    s.d365([d365Row('A', '11', 5)]).wms([wmsRow('A', 'DAL1', 5)]);
    const { summary, run } = await s.run();
    expect(summary.skewMinutes).toBe(75);
    expect(run.warnings).toEqual(expect.arrayContaining([expect.stringContaining('75 minutes apart')]));
  });
});

describe('reconcile: roll-up, units, timing and rules', () => {
  it('sums bins and lots up to the warehouse level', async () => {
    const s = new Scenario().costs({ A: 1 });
    s.d365([d365Row('A', '11', 60)]);
    s.wms([wmsRow('A', 'DAL1', 10, 'ea', 'B1', 'L1'), wmsRow('A', 'DAL1', 20, 'ea', 'B2', 'L1'), wmsRow('A', 'DAL1', 30, 'ea', 'B2', 'L2')]);
    const { discrepancies, summary } = await s.run();
    expect(discrepancies).toEqual([]);
    expect(summary.keysCompared).toBe(1);
  });

  it("converts WMS units with the item's own factor before the one for any item", async () => {
    const s = new Scenario().costs({ A0001: 1, A0002: 1 });
    s.config.mappings = { ...(s.config.mappings as object), units: { default: 'ea', conversions: [
      { item: '*', from: 'cs', factor: 24 }, { item: 'A0001', from: 'cs', factor: 12 }] } };
    s.d365([d365Row('A0001', '11', 24), d365Row('A0002', '11', 48)]);
    s.wms([wmsRow('A0001', 'DAL1', 2, 'CS'), wmsRow('A0002', 'DAL1', 2, 'cs')]);
    const { discrepancies, rejects } = await s.run();
    expect(rejects).toEqual([]);
    expect(discrepancies).toEqual([]);
  });

  it('keeps what in-flight quantities do not explain as the residual', async () => {
    const s = new Scenario().costs({ A: 2 });
    (s.config.wms as Record<string, unknown>).inFlight = { path: 'inflight.csv', columns: { item: 'sku', facility: 'facility', quantity: 'qty' } };
    s.file('inflight.csv', csv(['sku', 'facility', 'qty'], [['A', 'DAL1', '15'], ['A', 'DAL1', '5']]));
    s.d365([d365Row('A', '11', 100)]).wms([wmsRow('A', 'DAL1', 130)]);
    const d = only((await s.run()).discrepancies, 'A');
    expect(d).toMatchObject({ qtyVariance: '30', inFlightQty: '20', residual: '10', valueVariance: '20', classification: 'Material' });
  });

  it('lets the most specific rule decide', async () => {
    const s = new Scenario().costs({ A: 1, B: 1 });
    s.config.thresholds = [
      { name: 'default', quantity: 5 },
      { name: 'warehouse 11', scope: { warehouse: '11' }, quantity: 100 },
      { name: 'item B in 11', scope: { item: 'B', warehouse: '11' }, quantity: 1 },
    ];
    s.d365([d365Row('A', '11', 100), d365Row('B', '11', 100), d365Row('A', '12', 100)]);
    s.wms([wmsRow('A', 'DAL1', 90), wmsRow('B', 'DAL1', 98), wmsRow('A', 'DAL2', 90)]);
    const { discrepancies } = await s.run();
    const of = (item: string, warehouse: string) => discrepancies.find((d) => d.item === item && d.warehouse === warehouse);
    expect(of('A', '11')).toMatchObject({ classification: 'Immaterial', rule: 'warehouse 11' });
    expect(of('B', '11')).toMatchObject({ classification: 'Material', rule: 'item B in 11' });
    expect(of('A', '12')).toMatchObject({ classification: 'Material', rule: 'default' });
  });

  it('values at the item level when the warehouse has no cost, and flags keys with no cost at all', async () => {
    const s = new Scenario().costs({ A: 4 }, '99');
    s.d365([d365Row('A', '11', 10), d365Row('B', '11', 10)]).wms([wmsRow('A', 'DAL1', 5), wmsRow('B', 'DAL1', 5)]);
    const { discrepancies } = await s.run();
    expect(only(discrepancies, 'A')).toMatchObject({ unitCost: '4', valueVariance: '-20', flags: '' });
    expect(only(discrepancies, 'B')).toMatchObject({ unitCost: '0', valueVariance: '0', flags: 'no-cost' });
  });

  it('flags one-sided keys and negative D365 on-hand', async () => {
    const s = new Scenario().costs({ A: 1, B: 1, C: 1 });
    s.d365([d365Row('A', '11', 10), d365Row('C', '11', -4)]).wms([wmsRow('B', 'DAL1', 10), wmsRow('C', 'DAL1', 0)]);
    const { discrepancies } = await s.run();
    expect(only(discrepancies, 'A').flags).toBe('d365-only');
    expect(only(discrepancies, 'B').flags).toBe('wms-only');
    expect(only(discrepancies, 'C').flags).toBe('negative-d365');
  });
});
