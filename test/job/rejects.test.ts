import { Scenario, csv, d365Row, WMS_HEADER, wmsRow, D365_V2_HEADER } from '../helpers/scenario';

describe('rejected lines: counted, reported with file, line, reason and raw, never dropped', () => {
  it('writes every one of thousands of rejected lines to rejects.csv, not only the first 2,048', async () => {
    const s = new Scenario().costs({ A: 1 }).d365([d365Row('A', '11', 10)]);
    s.wms([wmsRow('A', 'DAL1', 10), ...Array.from({ length: 5000 }, (_, i) => wmsRow(`Z${i}`, i % 2 === 0 ? 'NOPE' : 'DAL1', 1, i % 2 === 0 ? 'ea' : 'PAL'))]);
    const { rejects, summary } = await s.run();
    const wms = rejects.filter((r) => r.source === 'wms.onHand');
    expect(wms).toHaveLength(5000);
    expect(wms.at(-1)).toMatchObject({ line: '5002', reason: "unit 'PAL' has no conversion for item Z4999 (add it under mappings.units.conversions)" });
    expect(summary.files.find((f) => f.source === 'wms.onHand')).toMatchObject({ read: 5001, accepted: 1, rejected: 5000 });
  });

  it('reports every WMS reject reason and keeps read = accepted + rejected', async () => {
    const s = new Scenario().costs({ A: 1 });
    s.config.compareLevel = ['site', 'warehouse', 'status'];
    s.config.d365 = { ...(s.config.d365 as object), onHand: { path: 'd365-onhand.csv', columns: {
      company: 'dataAreaId', item: 'ItemNumber', site: 'InventorySiteId', warehouse: 'InventoryWarehouseId', status: 'Status', quantity: 'OnHandQuantity' } } };
    s.file('d365-onhand.csv', csv(['dataAreaId', 'ItemNumber', 'InventorySiteId', 'InventoryWarehouseId', 'Status', 'OnHandQuantity'],
      [['usmf', 'A', '1', '11', 'Available', '10']]));
    s.file('wms.csv', [
      WMS_HEADER.join(','),
      'A,DAL1,B1,,AVAIL,10,ea', // line 2: accepted
      'A,NOPE,B1,,AVAIL,1,ea', // 3: facility
      'A,DAL1,B1,,QC,1,ea', // 4: status
      'A,DAL1,B1,,AVAIL,1,PAL', // 5: unit
      'A,DAL1,B1,,AVAIL,1.5.0,ea', // 6: quantity
      'A,DAL1,B1,,AVAIL,,ea', // 7: missing quantity
      'A,DAL1,B1,,AVAIL,1,ea,extra', // 8: malformed
      'A,NOPE,B1,,QC,x,ea', // 9: three reasons at once
      '',
    ].join('\n'));

    const { rejects, summary } = await s.run();
    const wms = rejects.filter((r) => r.source === 'wms.onHand');
    expect(wms.map((r) => [r.line, r.reason])).toEqual([
      ['3', "facility 'NOPE' has no mapping (add it under mappings.facilities)"],
      ['4', "status 'QC' has no mapping (add it under mappings.statuses)"],
      ['5', "unit 'PAL' has no conversion for item A (add it under mappings.units.conversions)"],
      ['6', "quantity '1.5.0' is not a number"],
      ['7', 'quantity is empty'],
      ['8', expect.stringMatching(/^malformed CSV line: too many columns/)],
      ['9', "quantity 'x' is not a number; facility 'NOPE' has no mapping (add it under mappings.facilities); status 'QC' has no mapping (add it under mappings.statuses)"],
    ]);
    expect(wms.every((r) => r.file === 'wms.csv')).toBe(true);
    expect(wms.find((r) => r.line === '5')!.raw).toBe('A,DAL1,B1,,AVAIL,1,PAL');
    expect(wms.find((r) => r.line === '8')!.raw).toBe('A,DAL1,B1,,AVAIL,1,ea,extra');
    expect(summary.files.find((f) => f.source === 'wms.onHand')).toEqual({ source: 'wms.onHand', file: 'wms.csv', read: 8, accepted: 1, rejected: 7, outOfScope: 0 });
    // The one accepted line matches D365, but the key's other lines were rejected: it is not called Balanced.
    expect(summary.classifications.Balanced).toBe(0);
    expect(summary.incompleteKeys).toBe(1);
  });

  it('rejects a D365 key that repeats within its file, keeping the first line', async () => {
    const s = new Scenario().costs({ A: 1 });
    s.d365([d365Row('A', '11', 10), d365Row('B', '11', 3), d365Row('A', '11', 10)]);
    s.wms([wmsRow('A', 'DAL1', 10), wmsRow('B', 'DAL1', 3)]);
    const { rejects, discrepancies, summary } = await s.run();
    expect(rejects).toEqual([{ source: 'd365.onHand', file: 'd365-onhand.csv', line: '4',
      reason: 'the same key as line 2 (a repeated key would count its quantity twice)', raw: 'usmf,A,,,,,,1,11,10,10' }]);
    // B balances; A's first line agrees with the WMS, but a line of A was rejected, so A is flagged rather than Balanced.
    expect(discrepancies.map((d) => [d.item, d.d365Qty, d.wmsQty, d.classification, d.flags])).toEqual([['A', '10', '10', 'Material', 'incomplete']]);
    expect(summary.files.find((f) => f.source === 'd365.onHand')).toMatchObject({ read: 3, accepted: 2, rejected: 1 });
  });

  it('rejects D365 lines of another company or with a bad quantity', async () => {
    const s = new Scenario().costs({ A: 1 });
    s.d365([d365Row('A', '11', 10), d365Row('A', '12', 5, '1', 'usrt'), d365Row('B', '11', 'n/a')]);
    s.wms([wmsRow('A', 'DAL1', 10)]);
    const { rejects } = await s.run();
    expect(rejects.map((r) => [r.line, r.reason])).toEqual([
      ['3', "company 'usrt' is not the configured company usmf"],
      ['4', "quantity 'n/a' is not a number"],
    ]);
  });

  it('counts line numbers past malformed lines correctly', async () => {
    const s = new Scenario().costs({ A: 1 });
    s.file('d365-onhand.csv', [D365_V2_HEADER.join(','), d365Row('A', '11', 1).join(','), 'usmf,broken', 'usmf,also,broken',
      d365Row('A', '12', 'oops').join(','), ''].join('\n'));
    s.wms([wmsRow('A', 'DAL1', 1)]);
    const { rejects, summary } = await s.run();
    expect(rejects.map((r) => r.line)).toEqual(['3', '4', '5']);
    expect(rejects[2]!.reason).toBe("quantity 'oops' is not a number");
    expect(summary.files.find((f) => f.source === 'd365.onHand')).toMatchObject({ read: 4, accepted: 1, rejected: 3 });
  });

  it('rejects valuation lines that cannot give a cost', async () => {
    const s = new Scenario();
    s.file('d365-value.csv', csv(['ItemNumber', 'InventorySiteId', 'InventoryWarehouseId', 'Quantity', 'Amount'],
      [['A', '1', '11', '10', 'ten'], ['A', '1', '11', '10', '20']]));
    s.d365([d365Row('A', '11', 10)]).wms([wmsRow('A', 'DAL1', 9)]);
    const { rejects, discrepancies } = await s.run();
    expect(rejects.map((r) => [r.source, r.line, r.reason])).toEqual([['d365.valuation', '2', "amount 'ten' is not a number"]]);
    expect(discrepancies[0]).toMatchObject({ unitCost: '2', valueVariance: '-2' });
  });
});
