/**
 * Seeded, realistic snapshot files for the benchmark: a D365 warehouse-only on-hand report at bin and batch level,
 * a WMS export with its own facility codes, status words and some lines in cases, 8 warehouses, about 5 % of keys
 * different and 1 % one-sided, plus the valuation export.
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { seededRandom } from '../core/random.js';

export const WAREHOUSES = ['11', '12', '13', '14', '21', '22', '23', '24'];
const facility = (warehouse: string) => `FAC${warehouse}`;
const site = (warehouse: string) => warehouse[0]!;


class LineWriter {
  private readonly stream;
  private buffer: string[] = [];
  constructor(path: string, header: string) {
    this.stream = createWriteStream(path);
    this.buffer.push(header);
  }
  async line(text: string): Promise<void> {
    this.buffer.push(text);
    if (this.buffer.length >= 20000) await this.flush();
  }
  private async flush(): Promise<void> {
    if (!this.stream.write(`${this.buffer.join('\n')}\n`)) await once(this.stream, 'drain');
    this.buffer = [];
  }
  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

export interface GeneratedSet { dir: string; config: string; lines: number }

export async function generate(dir: string, lines: number, seed = 20261120): Promise<GeneratedSet> {
  mkdirSync(dir, { recursive: true });
  const rand = seededRandom(seed);
  const d365 = new LineWriter(join(dir, 'd365-onhand.csv'), 'dataAreaId,ReportNumber,ItemNumber,ProductConfigurationId,ProductSizeId,'
    + 'ProductColorId,ProductStyleId,ProductVersionId,WarehouseId,WarehouseLocationId,InventoryStatusId,ItemBatchNumber,'
    + 'ItemSerialNumber,InventoryGtdId,InventoryOwnerId,InventoryProfileId,OnHandQuantity');
  const wms = new LineWriter(join(dir, 'wms.csv'), 'sku,facility,bin,lot,status,qty,uom');
  const perItem = WAREHOUSES.length * 4;
  for (let i = 0; i < lines; i += 1) {
    const item = `IT${String(Math.floor(i / perItem)).padStart(6, '0')}`;
    const warehouse = WAREHOUSES[Math.floor(i / 4) % WAREHOUSES.length]!;
    const slot = i % 4;
    const bin = `${String.fromCharCode(65 + (i % 26))}${String(Math.floor(i / 26) % 40).padStart(2, '0')}-${slot}`;
    const batch = `B${Math.floor(i / perItem) % 997}-${slot}`;
    const qty = 12 * (1 + Math.floor(rand() * 40));
    const roll = rand();
    await d365.line(`usmf,OH-2026-47,${item},,,,,,${warehouse},${bin},Available,${batch},,,,,${qty}`);
    if (roll < 0.005) continue; // on D365 only
    let wmsQty = qty;
    if (roll < 0.055) wmsQty = qty + (rand() < 0.5 ? -1 : 1) * (1 + Math.floor(rand() * 20));
    const inCases = rand() < 0.1 && wmsQty % 12 === 0;
    await wms.line(`${item},${facility(warehouse)},${bin},${batch},AVAIL,${inCases ? wmsQty / 12 : wmsQty},${inCases ? 'CS' : 'EA'}`);
    if (roll > 0.995) { // a key only the WMS has
      await wms.line(`${item},${facility(warehouse)},Z99-${slot},${batch},AVAIL,${1 + Math.floor(rand() * 10)},EA`);
    }
  }
  await d365.close();
  await wms.close();

  const valuation = new LineWriter(join(dir, 'd365-value.csv'), 'ItemNumber,InventorySiteId,InventoryWarehouseId,Quantity,Amount');
  for (let item = 0; item * perItem < lines; item += 1) {
    const cost = Math.round((0.5 + rand() * 200) * 100) / 100;
    for (const warehouse of WAREHOUSES) {
      const qty = 100 + Math.floor(rand() * 1000);
      await valuation.line(`IT${String(item).padStart(6, '0')},${site(warehouse)},${warehouse},${qty},${(qty * cost).toFixed(2)}`);
    }
  }
  await valuation.close();

  const config = {
    company: 'usmf',
    compareLevel: ['site', 'warehouse', 'location', 'batch', 'status'],
    d365: {
      asOf: '2026-11-20T02:00:00Z',
      onHand: { path: 'd365-onhand.csv', format: 'WarehouseInventoryOnhandReportLines' },
      valuation: { path: 'd365-value.csv', columns: { item: 'ItemNumber', site: 'InventorySiteId', warehouse: 'InventoryWarehouseId', quantity: 'Quantity', amount: 'Amount' } },
    },
    wms: {
      asOf: '2026-11-20T02:05:00Z',
      onHand: { path: 'wms.csv', columns: { item: 'sku', facility: 'facility', location: 'bin', batch: 'lot', status: 'status', quantity: 'qty', unit: 'uom' } },
    },
    mappings: {
      facilities: Object.fromEntries(WAREHOUSES.map((w) => [facility(w), { site: site(w), warehouse: w }])),
      statuses: { AVAIL: 'Available' },
      units: { default: 'ea', conversions: [{ item: '*', from: 'cs', factor: 12 }] },
    },
    thresholds: [{ name: 'default', quantity: 5, percent: 10, value: 250 }, { name: 'DC 11', scope: { warehouse: '11' }, value: 50 }],
    timing: { maxSkewMinutes: 30 },
    audit: { afterRuns: 3 },
  };
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return { dir, config: configPath, lines };
}
