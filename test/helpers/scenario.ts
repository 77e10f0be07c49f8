/**
 * A reconcile scenario in a temporary folder: small hand-made files, a config built from the example,
 * and the job's outputs read back.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { reconcile } from '../../job/reconcile';
import type { RunSummary } from '../../core/run';

export const D365_V2_HEADER = ['dataAreaId', 'ItemNumber', 'ProductColorId', 'ProductConfigurationId', 'ProductSizeId', 'ProductStyleId',
  'ProductVersionId', 'InventorySiteId', 'InventoryWarehouseId', 'OnHandQuantity', 'AvailableOnHandQuantity'];

/** A WarehousesOnHandV2 row. */
export const d365Row = (item: string, warehouse: string, qty: string | number, site = '1', company = 'usmf') =>
  [company, item, '', '', '', '', '', site, warehouse, String(qty), String(qty)];

export const WMS_HEADER = ['sku', 'facility', 'bin', 'lot', 'status', 'qty', 'uom'];
export const wmsRow = (sku: string, facility: string, qty: string | number, uom = 'ea', bin = 'B1', lot = '', status = 'AVAIL') =>
  [sku, facility, bin, lot, status, String(qty), uom];

export const csv = (header: string[], rows: string[][], delimiter = ','): string => stringify([header, ...rows], { delimiter });

export type Json = Record<string, unknown>;

/** The example configuration. */
export function exampleConfig(): Json {
  return {
    company: 'usmf',
    compareLevel: ['site', 'warehouse'],
    d365: {
      asOf: '2026-11-20T02:00:00Z',
      onHand: { path: 'd365-onhand.csv', format: 'WarehousesOnHandV2' },
      valuation: { path: 'd365-value.csv', columns: { item: 'ItemNumber', site: 'InventorySiteId', warehouse: 'InventoryWarehouseId', quantity: 'Quantity', amount: 'Amount' } },
    },
    wms: {
      asOf: '2026-11-20T02:05:00Z',
      onHand: { path: 'wms.csv', columns: { item: 'sku', facility: 'facility', location: 'bin', batch: 'lot', status: 'status', quantity: 'qty', unit: 'uom' } },
    },
    mappings: {
      facilities: { DAL1: { site: '1', warehouse: '11' }, DAL2: { site: '1', warehouse: '12' } },
      statuses: { AVAIL: 'Available', HOLD: 'Blocked' },
      units: { default: 'ea', conversions: [{ item: 'A0001', from: 'cs', factor: 12 }, { item: '*', from: 'pk', factor: 6 }] },
    },
    thresholds: [{ name: 'default', quantity: 5, percent: 10, value: 250 }],
    timing: { maxSkewMinutes: 30 },
    audit: { afterRuns: 3 },
  };
}

export interface Outputs {
  summary: RunSummary;
  discrepancies: Array<Record<string, string>>;
  rejects: Array<Record<string, string>>;
  run: Json;
}

export class Scenario {
  readonly dir = mkdtempSync(join(tmpdir(), 'ibal-test-'));
  config: Json = exampleConfig();

  file(name: string, content: string | Buffer): this {
    writeFileSync(join(this.dir, name), content);
    return this;
  }

  /** Valuation with one average cost per item in warehouse 11 of site 1. */
  costs(costs: Record<string, number>, warehouse = '11'): this {
    return this.file('d365-value.csv', csv(['ItemNumber', 'InventorySiteId', 'InventoryWarehouseId', 'Quantity', 'Amount'],
      Object.entries(costs).map(([item, cost]) => [item, '1', warehouse, '10', String(cost * 10)])));
  }

  d365(rows: string[][]): this { return this.file('d365-onhand.csv', csv(D365_V2_HEADER, rows)); }
  wms(rows: string[][]): this { return this.file('wms.csv', csv(WMS_HEADER, rows)); }

  writeConfig(name = 'config.json'): string {
    const path = join(this.dir, name);
    writeFileSync(path, JSON.stringify(this.config, null, 2));
    return path;
  }

  async run(options: { out?: string; runId?: string } = {}): Promise<Outputs> {
    if (!existsSync(join(this.dir, 'd365-value.csv'))) this.costs({});
    const out = join(this.dir, options.out ?? 'out');
    const { summary } = await reconcile({ configPath: this.writeConfig(), outDir: out, runId: options.runId });
    return {
      summary,
      discrepancies: parse(readFileSync(join(out, 'discrepancies.csv')), { columns: true }),
      rejects: parse(readFileSync(join(out, 'rejects.csv')), { columns: true }),
      run: JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as Json,
    };
  }
}

/** The discrepancy of one item, failing the test when there is not exactly one. */
export function only(discrepancies: Array<Record<string, string>>, item: string): Record<string, string> {
  const found = discrepancies.filter((d) => d.item === item);
  if (found.length !== 1) throw new Error(`expected one discrepancy for ${item}, found ${found.length}`);
  return found[0]!;
}
