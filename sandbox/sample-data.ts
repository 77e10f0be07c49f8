/**
 * Sample weeks for the sandbox (seeded, so every clone sees the same story): a few thousand SKUs in three
 * warehouses, batches, cases and eaches, in-flight receipts, a handful of lines the job must reject, and four weekly
 * snapshots in which the processes improve while a stubborn set of keys stays wrong long enough to need an audit.
 * The last week also has a few faults planted whose likely causes the app shows (README "Likely causes").
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
/** The week (1-based) whose snapshots carry the planted faults: the latest run, which the app opens on. */
const PLANTED_WEEK = 4;

type Fault = 'cases-as-eaches' | 'status-move' | 'duplicate-line' | 'sign-flip' | 'negative-on-hand' | 'lost-document' | 'already-posted' | 'partly-in-flight';
interface SampleKey { it: { item: string; sku: string; caseSize: number; cost: number }; w: (typeof WAREHOUSES)[number]; batch: string }

/**
 * Which keys carry which fault, chosen by their properties and not by the random stream, so the rest of the sample
 * stays as it was: five case-packed items in DAL2 counted in cases but entered as eaches (one systematic unit error),
 * two units put on hold in the WMS only, a repeated WMS line, a sign flip, a negative on-hand, a lost and an
 * already-posted in-flight document, and one receipt mostly still in flight.
 */
function plantFaults(keys: readonly SampleKey[], stubborn: ReadonlySet<SampleKey>): Map<SampleKey, Fault> {
  const wanted: Array<[Fault, number, (k: SampleKey) => boolean]> = [
    ['cases-as-eaches', 5, (k) => k.it.caseSize === 12 && k.w.facility === 'DAL2'],
    ['status-move', 2, (k) => k.w.facility === 'DAL1'],
    ['duplicate-line', 1, () => true], ['sign-flip', 1, () => true], ['negative-on-hand', 1, () => true],
    // Counted, the already-posted line balances (D365 was right): a cheap item, so it is not among the largest.
    ['lost-document', 1, () => true], ['already-posted', 1, (k) => k.it.cost < 5],
    // Immaterial once in flight is taken off: a cheap item outside the high-value warehouse.
    ['partly-in-flight', 1, (k) => k.it.cost < 50 && k.w.facility !== 'DAL1'],
  ];
  const planted = new Map<SampleKey, Fault>();
  const usedItems = new Set<string>();
  for (const [fault, count, fits] of wanted) {
    for (const key of keys.filter((k) => !stubborn.has(k) && !usedItems.has(k.it.item) && fits(k)).slice(0, count)) {
      planted.set(key, fault);
      usedItems.add(key.it.item);
    }
  }
  return planted;
}

/** The D365 quantity, WMS lines and in-flight lines of a key with a planted fault (no random draws). */
function faultLines(fault: Fault, key: SampleKey, d365Qty: number, bin: string): { d365Qty: number; wms: string[][]; inFlight: string[][] } {
  const { it, w, batch } = key;
  const qty = Math.max(d365Qty, 30);
  const line = (q: number, status = 'AVAIL', where = bin) => [it.sku, w.facility, where, batch, status, String(q), 'EA'];
  const inTransit = (q: number) => [it.sku, w.facility, batch, 'AVAIL', String(q), 'EA'];
  switch (fault) {
    case 'cases-as-eaches': {
      const cases = Math.max(2, Math.round(qty / 12));
      return { d365Qty: 12 * cases, wms: [line(cases)], inFlight: [] };
    }
    case 'status-move': return { d365Qty: qty, wms: [line(qty - 6), line(6, 'HOLD')], inFlight: [] };
    case 'duplicate-line': return { d365Qty: qty, wms: [line(qty - 12), line(12, 'AVAIL', `${bin}-R`), line(12, 'AVAIL', `${bin}-R`)], inFlight: [] };
    case 'sign-flip': return { d365Qty: -qty, wms: [line(qty)], inFlight: [] };
    case 'negative-on-hand': return { d365Qty: -4, wms: [], inFlight: [] };
    case 'lost-document': return { d365Qty: qty, wms: [line(qty + 48)], inFlight: [inTransit(24)] };
    case 'already-posted': return { d365Qty: qty, wms: [line(qty)], inFlight: [inTransit(18)] };
    case 'partly-in-flight': return { d365Qty: qty, wms: [line(qty + 32)], inFlight: [inTransit(30)] };
  }
}

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
  const planted = plantFaults(keys, stubborn);

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
      const d365Line = [SAMPLE_COMPANY, `OH-${week + 1}`, it.item, it.color, w.warehouse, `${w.facility}-${(Number(it.item.slice(-2)) % 40) + 1}`, 'Available', batch, String(d365Qty)];
      // A planted fault replaces the key's lines after its random draws, so every other key keeps its quantities.
      const fault = week + 1 === PLANTED_WEEK ? planted.get(key) : undefined;
      const wmsBefore = wms.length;
      const inFlightBefore = inFlight.length;
      d365.push(d365Line);
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
      if (fault !== undefined) {
        const lines = faultLines(fault, key, d365Qty, d365Line[5]!);
        d365Line[8] = String(lines.d365Qty);
        wms.splice(wmsBefore, wms.length - wmsBefore, ...lines.wms);
        inFlight.splice(inFlightBefore, inFlight.length - inFlightBefore, ...lines.inFlight);
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
