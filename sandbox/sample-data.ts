/**
 * Sample weeks for the sandbox (seeded, so every clone sees the same story): a few thousand SKUs in three
 * warehouses, batches, cases and eaches, in-flight receipts, a handful of lines the job must reject, and four weekly
 * snapshots in which the processes improve while a stubborn set of keys stays wrong long enough to need an audit.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { seededRandom } from '../core/random.js';

export const SAMPLE_COMPANY = 'usmf';
const WAREHOUSES = [{ facility: 'DAL1', site: '1', warehouse: '11' }, { facility: 'DAL2', site: '1', warehouse: '12' }, { facility: 'ATL1', site: '2', warehouse: '21' }];
/** Share of keys with a real difference in each week: falling as counts and fixes take hold. */
const ERROR_RATE = [0.06, 0.045, 0.035, 0.025];
const WEEK_STARTS = ['2026-10-30', '2026-11-06', '2026-11-13', '2026-11-20'];

export interface SampleWeek { week: number; dir: string; config: string; d365AsOf: string }

export function generateSampleWeeks(root: string, options: { skus?: number; seed?: number } = {}): SampleWeek[] {
  const skus = options.skus ?? 3000;
  const seed = options.seed ?? 20261120;
  const setup = seededRandom(seed);
  const items = Array.from({ length: skus }, (_, i) => {
    const number = `A${String(1000 + i).padStart(5, '0')}`;
    return {
      item: number,
      // A fifth of the catalogue is known to the WMS by its own SKU code.
      sku: setup() < 0.2 ? `SKU-${(7919 * (i + 1)) % 100000}` : number,
      color: i % 10 === 0 ? ['Red', 'Blue', 'Black'][i % 3]! : '',
      caseSize: setup() < 0.3 ? 12 : 0,
      cost: Math.round((0.8 + setup() ** 3 * 400) * 100) / 100,
      warehouses: WAREHOUSES.filter(() => setup() < 0.7),
      batches: setup() < 0.4 ? 2 : 1,
    };
  });
  const keys = items.flatMap((it) => it.warehouses.flatMap((w) => Array.from({ length: it.batches }, (_, b) => ({
    it, w, batch: `B${26 - b}${String(it.item.slice(-3))}`, base: 12 * (2 + Math.floor(setup() * 60)),
  }))));
  const stubborn = new Set(keys.filter(() => setup() < 0.004).map((k) => k));

  const weeks: SampleWeek[] = [];
  for (let week = 0; week < WEEK_STARTS.length; week += 1) {
    const dir = join(root, `week-${week + 1}`);
    mkdirSync(dir, { recursive: true });
    const rand = seededRandom(seed + 101 * (week + 1));
    const asOf = `${WEEK_STARTS[week]}T02:00:00Z`;
    const d365: string[][] = [];
    const wms: string[][] = [];
    const inFlight: string[][] = [];
    for (const key of keys) {
      const { it, w, batch } = key;
      const d365Qty = Math.max(0, key.base + (week - 1) * 6 + Math.floor(rand() * 12) - 6);
      d365.push([SAMPLE_COMPANY, `OH-${week + 1}`, it.item, it.color, w.warehouse, `${w.facility}-${(Number(it.item.slice(-2)) % 40) + 1}`, 'Available', batch, String(d365Qty)]);
      let wmsQty = d365Qty;
      const roll = rand();
      if (stubborn.has(key)) wmsQty = d365Qty - 3 - (Number(it.item.slice(-1)) % 5);
      else if (roll < ERROR_RATE[week]!) wmsQty = Math.max(0, d365Qty + (rand() < 0.6 ? -1 : 1) * (1 + Math.floor(rand() * 15)));
      else if (roll < ERROR_RATE[week]! + 0.01) {
        const received = 6 + Math.floor(rand() * 30);
        wmsQty = d365Qty + received;
        inFlight.push([it.sku, w.facility, batch, 'AVAIL', String(received), 'EA']);
      }
      if (wmsQty === 0 && d365Qty === 0) continue;
      // Some of the stock sits in a second bin; case-packed items are counted in cases where they divide evenly.
      const split = wmsQty > 24 && rand() < 0.3 ? 12 : 0;
      for (const [bin, qty] of [[`${w.facility}-${(Number(it.item.slice(-2)) % 40) + 1}`, wmsQty - split], [`${w.facility}-R${Number(it.item.slice(-2)) % 9}`, split]] as const) {
        if (qty === 0) continue;
        const inCases = it.caseSize > 0 && qty % it.caseSize === 0 && rand() < 0.5;
        wms.push([it.sku, w.facility, bin, batch, 'AVAIL', String(inCases ? qty / it.caseSize : qty), inCases ? 'CS' : 'EA']);
      }
    }
    // What a real export also holds: lines the job must reject and report, not compare.
    wms.push(['A01234', 'MEM9', 'X-1', 'B26234', 'AVAIL', '5', 'EA']);
    wms.push([items[7]!.sku, 'DAL1', 'DAL1-8', 'B26007', 'AVAIL', '1', 'PAL']);
    wms.push([items[9]!.sku, 'DAL2', 'DAL2-10', 'B26009', 'QUARANTINE', '2', 'EA']);

    writeFileSync(join(dir, 'd365-onhand.csv'), stringify([['dataAreaId', 'ReportNumber', 'ItemNumber', 'ProductColorId', 'WarehouseId',
      'WarehouseLocationId', 'InventoryStatusId', 'ItemBatchNumber', 'OnHandQuantity'], ...d365]));
    writeFileSync(join(dir, 'd365-value.csv'), stringify([['ItemNumber', 'InventorySiteId', 'InventoryWarehouseId', 'Quantity', 'Amount'],
      ...items.flatMap((it) => it.warehouses.map((w) => [it.item, w.site, w.warehouse, '100', (100 * it.cost).toFixed(2)]))]));
    writeFileSync(join(dir, 'wms.csv'), stringify([['sku', 'facility', 'bin', 'lot', 'status', 'qty', 'uom'], ...wms]));
    writeFileSync(join(dir, 'wms-inflight.csv'), stringify([['sku', 'facility', 'lot', 'status', 'qty', 'uom'], ...inFlight]));
    writeFileSync(join(dir, 'item-xref.csv'), stringify([['sku', 'ItemNumber', 'Color'],
      ...items.filter((it) => it.sku !== it.item || it.color !== '').map((it) => [it.sku, it.item, it.color])]));
    const config = {
      $schema: '../../../job/config.schema.json',
      company: SAMPLE_COMPANY,
      compareLevel: ['site', 'warehouse', 'batch', 'status'],
      d365: {
        asOf: asOf,
        onHand: { path: 'd365-onhand.csv', format: 'WarehouseInventoryOnhandReportLines' },
        valuation: { path: 'd365-value.csv', columns: { item: 'ItemNumber', site: 'InventorySiteId', warehouse: 'InventoryWarehouseId', quantity: 'Quantity', amount: 'Amount' } },
      },
      wms: {
        asOf: `${WEEK_STARTS[week]}T02:07:00Z`,
        onHand: { path: 'wms.csv', columns: { item: 'sku', facility: 'facility', location: 'bin', batch: 'lot', status: 'status', quantity: 'qty', unit: 'uom' } },
        inFlight: { path: 'wms-inflight.csv', columns: { item: 'sku', facility: 'facility', batch: 'lot', status: 'status', quantity: 'qty', unit: 'uom' } },
      },
      mappings: {
        facilities: Object.fromEntries(WAREHOUSES.map((w) => [w.facility, { site: w.site, warehouse: w.warehouse }])),
        items: { path: 'item-xref.csv', columns: { sku: 'sku', item: 'ItemNumber', color: 'Color' } },
        statuses: { AVAIL: 'Available', HOLD: 'Blocked' },
        units: { default: 'ea', conversions: [{ item: '*', from: 'cs', factor: 12 }] },
      },
      thresholds: [
        { name: 'default', quantity: 5, percent: 10, value: 250 },
        { name: 'high-value warehouse', scope: { warehouse: '11' }, value: 100 },
      ],
      timing: { maxSkewMinutes: 30 },
      audit: { afterRuns: 3 },
    };
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
    weeks.push({ week: week + 1, dir, config: configPath, d365AsOf: asOf });
  }
  return weeks;
}
