import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Scenario, csv, d365Row, D365_V2_HEADER, only, WMS_HEADER, wmsRow } from '../helpers/scenario';

/** Issue 12: dirtier, realistic exports. Each test is one finding of the issue, on real files through the job. */

describe('company ids are case-insensitive, as in D365 (issue 12.1)', () => {
  it('compares USMF in the config with usmf in the export as one company and writes it as D365 spells it', async () => {
    const s = new Scenario().costs({ A: 2, B: 2 });
    s.config.company = 'USMF';
    s.d365([d365Row('A', '11', 10), d365Row('B', '11', 7)]);
    s.wms([wmsRow('A', 'DAL1', 10), wmsRow('B', 'DAL1', 5)]);
    const { discrepancies, summary } = await s.run();
    // A agrees; B is 2 short: one key each, not a d365-only and a wms-only row per item.
    expect(summary.keysCompared).toBe(2);
    expect(summary.classifications.Balanced).toBe(1);
    expect(discrepancies.map((d) => [d.company, d.item, d.d365Qty, d.wmsQty, d.flags])).toEqual([['usmf', 'B', '7', '5', '']]);
    expect(summary.company).toBe('usmf');
  });

  it('keeps one key when the export itself mixes the spellings', async () => {
    const s = new Scenario().costs({ A: 1 });
    s.d365([d365Row('A', '11', 4, '1', 'USMF'), d365Row('A', '12', 6, '1', 'usmf'), d365Row('A', '12', 1, '1', 'usmf')]);
    s.wms([wmsRow('A', 'DAL1', 4), wmsRow('A', 'DAL2', 6)]);
    const { summary, rejects } = await s.run();
    // Line 4 repeats the key of line 3 (same company in another case): rejected, so that key is incomplete.
    expect(rejects.map((r) => [r.line, r.reason])).toEqual([['4', 'the same key as line 3 (a repeated key would count its quantity twice)']]);
    expect(summary.keysCompared).toBe(2);
    expect(summary.company).toBe('usmf');
  });
});

describe('classification on exact figures, rounding only for display (issue 12.2)', () => {
  it('keeps -3 units at 13.332 (-39.996) below a value limit of 40, though it is shown as -40', async () => {
    const s = new Scenario();
    s.config.thresholds = [{ name: 'value', value: 40 }];
    // Unit cost 13.332 = 133.32 / 10.
    s.file('d365-value.csv', csv(['ItemNumber', 'InventorySiteId', 'InventoryWarehouseId', 'Quantity', 'Amount'], [['A', '1', '11', '10', '133.32']]));
    s.d365([d365Row('A', '11', 10)]).wms([wmsRow('A', 'DAL1', 7)]);
    const runs = [];
    for (const week of ['06', '13', '20']) {
      (s.config.d365 as Record<string, unknown>).asOf = `2026-11-${week}T02:00:00Z`;
      (s.config.wms as Record<string, unknown>).asOf = `2026-11-${week}T02:05:00Z`;
      runs.push(await s.run({ out: `week-${week}` }));
    }
    for (const { discrepancies } of runs) {
      expect(only(discrepancies, 'A')).toMatchObject({ residual: '-3', unitCost: '13.332', valueVariance: '-40', classification: 'Immaterial', runsUnbalanced: '0', flags: '' });
    }
    expect(runs[2]!.summary.material.count).toBe(0);
  });

  it('still meets the limit at exactly the limit', async () => {
    const s = new Scenario();
    s.config.thresholds = [{ name: 'value', value: 40 }];
    s.file('d365-value.csv', csv(['ItemNumber', 'InventorySiteId', 'InventoryWarehouseId', 'Quantity', 'Amount'], [['A', '1', '11', '3', '40']]));
    s.d365([d365Row('A', '11', 10)]).wms([wmsRow('A', 'DAL1', 7)]);
    // 40 / 3 × -3 = -40 exactly, whatever the binary noise of 13.333…
    expect(only((await s.run()).discrepancies, 'A')).toMatchObject({ valueVariance: '-40', classification: 'Material' });
  });
});

describe('a rejected line marks the keys it may belong to (issue 12.3)', () => {
  it('does not call a key Balanced when one of its WMS lines was rejected, and counts it in run.json', async () => {
    const s = new Scenario().costs({ A0006: 5.9, B: 1 });
    s.d365([d365Row('A0006', '12', 240), d365Row('B', '12', 5)]);
    s.wms([wmsRow('A0006', 'DAL2', 240), wmsRow('A0006', 'DAL2', 1, 'PAL', 'D-03-2'), wmsRow('B', 'DAL2', 5)]);
    const { discrepancies, summary, run } = await s.run();
    expect(only(discrepancies, 'A0006')).toMatchObject({ d365Qty: '240', wmsQty: '240', residual: '0', classification: 'Material', flags: 'incomplete' });
    expect(discrepancies.find((d) => d.item === 'B')).toBeUndefined();
    expect(summary.classifications.Balanced).toBe(1);
    expect(run.incompleteKeys).toBe(1);
    expect(run.warnings).toContainEqual(expect.stringContaining('1 keys may be missing a rejected line'));
  });

  it('flags every key of the item when the rejected line lost its warehouse (unmapped facility), and differences stay classified', async () => {
    const s = new Scenario().costs({ A: 1, B: 1 });
    s.d365([d365Row('A', '11', 100), d365Row('A', '12', 10), d365Row('B', '11', 3)]);
    s.wms([wmsRow('A', 'DAL1', 90), wmsRow('A', 'DAL2', 10), wmsRow('A', 'ATL9', 50), wmsRow('B', 'DAL1', 3)]);
    const { discrepancies, summary } = await s.run();
    expect(discrepancies.map((d) => [d.item, d.warehouse, d.residual, d.classification, d.flags])).toEqual([
      ['A', '11', '-10', 'Material', 'incomplete'], // 10 ≥ 5 units by the default rule, and flagged
      ['A', '12', '0', 'Material', 'incomplete'],
    ]);
    expect(summary.incompleteKeys).toBe(2);
    expect(summary.classifications.Balanced).toBe(1); // B: nothing of it was rejected
  });

  it('flags the D365 side too: a D365 line with a bad quantity leaves its key incomplete', async () => {
    const s = new Scenario().costs({ A: 1 });
    s.file('d365-onhand.csv', csv(D365_V2_HEADER, [d365Row('A', '11', 10), ['usmf', 'A', '', '', '', '', '', '1', '11', '1,5', '']].map((r) => r)));
    s.config.compareLevel = ['site', 'warehouse'];
    s.wms([wmsRow('A', 'DAL1', 10)]);
    const { discrepancies } = await s.run();
    expect(only(discrepancies, 'A')).toMatchObject({ classification: 'Material', flags: 'incomplete' });
  });

  it('cannot tie a line without an item to any key: it is only rejected', async () => {
    const s = new Scenario().costs({ A: 1 });
    s.d365([d365Row('A', '11', 10)]).wms([wmsRow('A', 'DAL1', 10), wmsRow('', 'DAL1', 3)]);
    const { summary, rejects } = await s.run();
    expect(rejects.map((r) => r.reason)).toEqual(['item is empty']);
    expect(summary.incompleteKeys).toBe(0);
    expect(summary.classifications.Balanced).toBe(1);
  });
});

describe('values Dataverse cannot hold are rejected when read, with the reason (issue 12.5)', () => {
  it('rejects a 20-digit quantity, 1e303 and a 41-character SKU, and writes no null figure', async () => {
    const s = new Scenario().costs({ A: 1, B: 1 });
    const longSku = 'S'.repeat(41);
    s.d365([d365Row('A', '11', 10), d365Row('B', '11', 10)]);
    s.wms([wmsRow('A', 'DAL1', '99999999999999999999'), wmsRow('B', 'DAL1', '1e303'), wmsRow(longSku, 'DAL1', 1), wmsRow('A', 'DAL1', 4)]);
    const { rejects, discrepancies, summary } = await s.run();
    expect(rejects.map((r) => [r.line, r.reason])).toEqual([
      ['2', "quantity '99999999999999999999' ea is outside what Dataverse stores (±100,000,000,000)"],
      ['3', "quantity '1e303' ea is outside what Dataverse stores (±100,000,000,000)"],
      ['4', `item '${'S'.repeat(40)}…' has 41 characters, more than the 40 Dataverse stores (ibal_item)`],
    ]);
    expect(summary.files.find((f) => f.source === 'wms.onHand')).toMatchObject({ read: 4, accepted: 1, rejected: 3 });
    for (const d of discrepancies) {
      for (const figure of ['d365Qty', 'wmsQty', 'inFlightQty', 'qtyVariance', 'residual', 'unitCost', 'valueVariance']) {
        expect(Number.isFinite(Number(d[figure]))).toBe(true);
        expect(d[figure]).not.toBe('');
      }
    }
    expect(only(discrepancies, 'B')).toMatchObject({ wmsQty: '0', flags: 'd365-only;incomplete' });
  });

  it('checks a WMS quantity after unit conversion, and D365 fields too', async () => {
    const s = new Scenario().costs({ A0001: 1 });
    s.d365([d365Row('A0001', '11', 1), d365Row('A0001', 'W'.repeat(21), 1)]);
    s.config.scope = { warehouses: 'all' };
    s.wms([wmsRow('A0001', 'DAL1', 1), wmsRow('A0001', 'DAL1', '9000000000', 'cs')]);
    const { rejects } = await s.run();
    expect(rejects.map((r) => [r.source, r.reason])).toEqual([
      ['d365.onHand', `warehouse '${'W'.repeat(21)}' has 21 characters, more than the 20 Dataverse stores (ibal_warehouse)`],
      ['wms.onHand', "quantity '9000000000' cs (108000000000 in the D365 unit) is outside what Dataverse stores (±100,000,000,000)"],
    ]);
  });

  it('refuses, naming the key, when lines within range add up beyond it', async () => {
    const s = new Scenario().costs({ A: 1 });
    s.d365([d365Row('A', '11', 1)]);
    s.wms([wmsRow('A', 'DAL1', 60000000000, 'ea', 'B1'), wmsRow('A', 'DAL1', 60000000000, 'ea', 'B2')]);
    await expect(s.run()).rejects.toThrow(/1 keys have figures Dataverse cannot store.*A · 1 · 11: wmsQty 120000000000 is outside ±100,000,000,000/);
  });

  it('names the key path of a company, site or warehouse code longer than Dataverse stores', async () => {
    const s = new Scenario();
    s.config.company = 'USMF-EUROPE';
    (s.config.mappings as Record<string, unknown>).facilities = { DAL1: { site: '1', warehouse: 'WAREHOUSE-DALLAS-NORTH' } };
    await expect(s.run()).rejects.toThrow(/company: must be at most 10 characters[\s\S]*mappings\.facilities\.DAL1\.warehouse: must be at most 20 characters/);
  });
});

describe('D365 warehouses the WMS does not manage are out of scope (issue 12.6)', () => {
  function threeWarehouses(): Scenario {
    const s = new Scenario().costs({ A: 1, B: 1 });
    s.d365([d365Row('A', '11', 10), d365Row('B', '13', 8), d365Row('A', '21', 5, '2'), d365Row('B', '13', 'junk')]);
    s.wms([wmsRow('A', 'DAL1', 10)]);
    return s;
  }

  it('compares only the warehouses the facility mapping names and counts the other lines as out of scope', async () => {
    const { discrepancies, summary, rejects } = await threeWarehouses().run();
    expect(discrepancies).toEqual([]);
    expect(rejects).toEqual([]); // a bad line of an unmanaged warehouse is out of scope, not rejected
    expect(summary.files.find((f) => f.source === 'd365.onHand')).toMatchObject({ read: 4, accepted: 1, rejected: 0, outOfScope: 3 });
    for (const f of summary.files) expect(f.read).toBe(f.accepted + f.rejected + f.outOfScope);
  });

  it('widens the scope with scope.warehouses: a list adds warehouses, "all" compares every one', async () => {
    const listed = threeWarehouses();
    listed.config.scope = { warehouses: ['13'] };
    const withList = await listed.run();
    expect(withList.discrepancies.map((d) => [d.item, d.warehouse, d.flags])).toEqual([['B', '13', 'd365-only;incomplete']]);
    expect(withList.summary.files.find((f) => f.source === 'd365.onHand')).toMatchObject({ accepted: 2, rejected: 1, outOfScope: 1 });

    const all = threeWarehouses();
    all.config.scope = { warehouses: 'all' };
    const withAll = await all.run();
    expect(withAll.discrepancies.map((d) => [d.item, d.warehouse])).toEqual([['B', '13'], ['A', '21']]);
    expect(withAll.summary.files.find((f) => f.source === 'd365.onHand')).toMatchObject({ accepted: 3, rejected: 1, outOfScope: 0 });
  });
});

describe('smaller edges of the input (issue 12.11)', () => {
  it('does not read 1_000 as 1000', async () => {
    const s = new Scenario().costs({ A: 1 });
    s.d365([d365Row('A', '11', 1000)]).wms([wmsRow('A', 'DAL1', '1_000')]);
    const { rejects } = await s.run().catch(() => ({ rejects: parse(readFileSync(join(s.dir, 'out', 'rejects.csv')), { columns: true }) as Array<Record<string, string>> }));
    expect(rejects.map((r) => r.reason)).toEqual(["quantity '1_000' is not a number"]);
  });

  it('reads a config path with glob characters as that very file', async () => {
    const s = new Scenario().costs({ A: 1 });
    s.d365([d365Row('A', '11', 10)]);
    s.file('wms[1].csv', csv(WMS_HEADER, [wmsRow('A', 'DAL1', 10)]));
    s.file('wms1.csv', csv(WMS_HEADER, [wmsRow('A', 'DAL1', 999)]));
    (s.config.wms as Record<string, Record<string, unknown>>).onHand!.path = 'wms[1].csv';
    const { summary } = await s.run();
    expect(summary.classifications.Balanced).toBe(1);
    expect(summary.files.find((f) => f.source === 'wms.onHand')!.file).toBe('wms[1].csv');
  });

  it('reads a standalone UTF-16 CSV (with or without a byte-order mark) like a package\'s CSV-Unicode', async () => {
    for (const bom of [true, false]) {
      const s = new Scenario().costs({ 'Ä1': 1 });
      s.d365([d365Row('Ä1', '11', 10)]);
      const text = csv(WMS_HEADER, [wmsRow('Ä1', 'DAL1', 10), wmsRow('Ä1', 'DAL1', 'x')]);
      s.file('wms.csv', Buffer.concat([Buffer.from(bom ? [0xff, 0xfe] : []), Buffer.from(text, 'utf16le')]));
      const { summary, rejects } = await s.run();
      expect(rejects.map((r) => [r.line, r.reason])).toEqual([['3', "quantity 'x' is not a number"]]);
      expect(summary.files.find((f) => f.source === 'wms.onHand')).toMatchObject({ read: 2, accepted: 1, rejected: 1 });
    }
  });
});

describe('threshold rules scoped by item group (issue 12.12)', () => {
  function scenario(): Scenario {
    const s = new Scenario().costs({ SPK: 10, TV: 10, CAB: 10 });
    s.config.thresholds = [
      { name: 'default', quantity: 5 },
      { name: 'warehouse 11', scope: { warehouse: '11' }, quantity: 100 },
      { name: 'audio', scope: { itemGroup: 'AUDIO' }, quantity: 1 },
      { name: 'cable item', scope: { item: 'CAB' }, quantity: 50 },
    ];
    s.d365([d365Row('SPK', '11', 100), d365Row('TV', '11', 100), d365Row('CAB', '11', 100)]);
    s.wms([wmsRow('SPK', 'DAL1', 98), wmsRow('TV', 'DAL1', 98), wmsRow('CAB', 'DAL1', 98)]);
    return s;
  }
  const verdicts = (discrepancies: Array<Record<string, string>>) => discrepancies.map((d) => [d.item, d.rule, d.classification]).sort();

  it('takes the item group from a D365 item file: item > item group > warehouse', async () => {
    const s = scenario();
    (s.config.d365 as Record<string, unknown>).items = { path: 'released-products.csv', columns: { item: 'ItemNumber', itemGroup: 'ItemGroupId' } };
    s.file('released-products.csv', csv(['ItemNumber', 'ItemGroupId'], [['SPK', 'AUDIO'], ['CAB', 'AUDIO'], ['TV', 'VIDEO'], ['', 'AUDIO'], ['SPK', 'VIDEO']]));
    const { discrepancies, summary, rejects } = await s.run();
    // -2 units each: SPK by its group (≥ 1), TV by its warehouse (< 100), CAB by its own rule (< 50) although it is AUDIO.
    expect(verdicts(discrepancies)).toEqual([['CAB', 'cable item', 'Immaterial'], ['SPK', 'audio', 'Material'], ['TV', 'warehouse 11', 'Immaterial']]);
    expect(rejects.map((r) => [r.source, r.line])).toEqual([['d365.items', '5'], ['d365.items', '6']]);
    expect(summary.files.find((f) => f.source === 'd365.items')).toMatchObject({ read: 5, accepted: 3, rejected: 2 });
  });

  it('takes the item group from a column of the D365 on-hand export', async () => {
    const s = scenario();
    s.config.d365 = { ...(s.config.d365 as object), onHand: { path: 'd365-onhand.csv', columns: {
      company: 'dataAreaId', item: 'ItemNumber', site: 'InventorySiteId', warehouse: 'InventoryWarehouseId', quantity: 'OnHandQuantity', itemGroup: 'ItemGroupId' } } };
    s.file('d365-onhand.csv', csv(['dataAreaId', 'ItemNumber', 'InventorySiteId', 'InventoryWarehouseId', 'OnHandQuantity', 'ItemGroupId'],
      [['usmf', 'SPK', '1', '11', '100', 'AUDIO'], ['usmf', 'TV', '1', '11', '100', 'VIDEO'], ['usmf', 'CAB', '1', '11', '100', 'AUDIO']]));
    const { discrepancies } = await s.run();
    expect(verdicts(discrepancies)).toEqual([['CAB', 'cable item', 'Immaterial'], ['SPK', 'audio', 'Material'], ['TV', 'warehouse 11', 'Immaterial']]);
  });

  it('refuses an item group column the export does not have, naming the key', async () => {
    const s = scenario();
    (s.config.d365 as Record<string, unknown>).items = { path: 'released-products.csv', columns: { item: 'ItemNumber', itemGroup: 'ItemGroup' } };
    s.file('released-products.csv', csv(['ItemNumber', 'ItemGroupId'], [['SPK', 'AUDIO']]));
    await expect(s.run()).rejects.toThrow("released-products.csv: required column 'ItemGroup' is missing (d365.items.columns.itemGroup)");
    expect(existsSync(join(s.dir, 'out', 'run.json'))).toBe(false);
  });
});
