import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { reconcile } from '../../job/reconcile';
import { NotArrivedError, takeSnapshot } from '../../job/d365/snapshot';
import { serveOnLoopback, type Listening } from '../../sandbox/http';
import { Scenario, WMS_HEADER, csv, wmsRow, type Json } from '../helpers/scenario';
import { startD365, onHandRow, EXPORT_PROJECT, type D365Fixture } from './fixture';

/** `ibal snapshot` against the D365 emulator and a WMS folder, URL or request, with the emulator's clock as the only clock. */
let f: D365Fixture;
let s: Scenario;
beforeEach(async () => {
  f = await startD365({ executionSeconds: 30 });
  f.d365.setClock('2026-11-20T02:00:00Z');
  f.d365.load('WarehousesOnHandV2', [onHandRow('usmf', 'A', '11', 10), onHandRow('usmf', 'B', '11', 20), onHandRow('ussi', 'A', '11', 99)]);
  f.d365.load('InventoryValueReportStorageLines', [
    { ItemNumber: 'A', InventorySiteId: '1', InventoryWarehouseId: '11', Quantity: 10, Amount: 30 },
    { ItemNumber: 'B', InventorySiteId: '1', InventoryWarehouseId: '11', Quantity: 10, Amount: 50 }]);
  s = new Scenario();
  mkdirSync(join(s.dir, 'drop'));
});
afterEach(async () => { await f.close(); });

const wmsFile = () => csv(WMS_HEADER, [wmsRow('A', 'DAL1', 7), wmsRow('B', 'DAL1', 20)]);
const clock = () => ({ now: () => f.d365.now.getTime(), d365: f.client });

function snapshotConfig(snapshot: Json): string {
  s.config.snapshot = snapshot;
  delete (s.config.d365 as Json).asOf;
  delete (s.config.wms as Json).asOf;
  (s.config.d365 as Json).valuation = { path: 'unused.csv', columns: { item: 'ItemNumber', site: 'InventorySiteId', warehouse: 'InventoryWarehouseId', quantity: 'Quantity', amount: 'Amount' } };
  return s.writeConfig();
}
const packageSource = { mode: 'package', dataProject: EXPORT_PROJECT, onHandEntity: 'Warehouses on-hand V2', valuationEntity: 'Inventory value report storage' };

describe('ibal snapshot', () => {
  it('exports from D365 and waits for the WMS file to land, then writes a run folder that reconciles as it is', async () => {
    const configPath = snapshotConfig({ d365: { url: f.origin, source: packageSource },
      wms: { onHand: { from: 'folder', path: 'drop', file: 'onhand-{date}.csv' }, asOf: 'file-time' }, pollSeconds: 60, deadlineMinutes: 30 });
    let polls = 0;
    const { runDir, manifest } = await takeSnapshot({ configPath, outDir: join(s.dir, 'run'), asOf: '2026-11-20T02:00:00Z', ...clock(),
      sleep: async (ms) => {
        polls += 1;
        // The WMS drops its file after the third look, four minutes in.
        if (polls === 3) writeFileSync(join(s.dir, 'drop', 'onhand-2026-11-20.csv'), wmsFile());
        f.d365.advance(ms / 1000);
      } });
    expect(polls).toBeGreaterThanOrEqual(3);
    // D365's as-of is its own clock when it took the export, within the deadline of the requested time.
    expect(manifest.d365).toMatchObject({ mode: 'package', executionId: expect.stringMatching(/^ibal-snapshot-/) });
    expect(Date.parse(manifest.d365.asOf) - Date.parse('2026-11-20T02:00:00Z')).toBeLessThan(30 * 60000);
    for (const file of manifest.files) {
      const bytes = readFileSync(join(runDir, file.file));
      expect([file.bytes, file.sha256]).toEqual([bytes.length, createHash('sha256').update(bytes).digest('hex')]);
    }
    expect(manifest.files.map((x) => x.role).sort()).toEqual(['d365', 'wms.onHand']);
    const { summary } = await reconcile({ configPath: join(runDir, 'config.json'), outDir: join(runDir, 'out') });
    // D365 has 10 of A (usmf only: the ussi row is another legal entity), the WMS 7: one difference, valued at the export's cost of 3.
    expect(summary.keysCompared).toBe(2);
    const discrepancies = parse(readFileSync(join(runDir, 'out', 'discrepancies.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(discrepancies.map((d) => [d.item, d.qtyVariance, d.valueVariance])).toEqual([['A', '-3', '-9']]);
    expect(summary.d365AsOf).toBe(manifest.d365.asOf);
  });

  it('reads D365 through OData page by page, asks the WMS by HTTP, and warns when the two as-of times are far apart', async () => {
    let asked: string | undefined;
    const wms: Listening = await serveOnLoopback(async (request) => {
      if (request.method === 'POST') {
        asked = JSON.parse(request.body).asOf as string;
        return { status: 202, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ snapshotAsOf: '2026-11-20T03:10:00Z' }) };
      }
      return { status: 200, headers: { 'Content-Type': 'text/csv' }, body: wmsFile() };
    });
    try {
      const configPath = snapshotConfig({ d365: { url: f.origin, source: { mode: 'odata', pageSize: 2 } },
        wms: { request: { url: `${wms.origin}/snapshots`, body: '{"asOf":"{asOf}"}', asOfField: 'snapshotAsOf' },
          onHand: { from: 'url', url: `${wms.origin}/files/onhand.csv` }, asOf: 'response' } });
      (s.config.d365 as Json).valuation = undefined;
      const logs: string[] = [];
      const { runDir, manifest } = await takeSnapshot({ configPath, outDir: join(s.dir, 'run'), asOf: '2026-11-20T02:00:00Z', ...clock(),
        sleep: async (ms) => { f.d365.advance(ms / 1000); }, log: (t) => logs.push(t) });
      expect(asked).toBe('2026-11-20T02:00:00Z');
      expect(manifest.d365).toMatchObject({ mode: 'odata', records: 2 });
      expect(manifest.skewMinutes).toBe(70);
      expect(manifest.warnings[0]).toContain('70 minutes apart');
      expect(logs.join('')).toContain('70 minutes apart');
      const rows = parse(readFileSync(join(runDir, 'd365-onhand.csv')), { columns: true }) as Array<Record<string, string>>;
      expect(rows.map((r) => [r.dataAreaId, r.ItemNumber, r.OnHandQuantity])).toEqual([['usmf', 'A', '10'], ['usmf', 'B', '20']]);
    } finally {
      await wms.close();
    }
  });

  it('collects the WMS file from an Azure Blob SAS URL, waiting while it answers 404', async () => {
    const url = f.blob.sasUrl('wms/onhand-2026-11-20.csv', 'r');
    const configPath = snapshotConfig({ d365: { url: f.origin, source: packageSource },
      wms: { onHand: { from: 'url', url }, asOf: 'file-time' }, pollSeconds: 30 });
    let polls = 0;
    const { manifest } = await takeSnapshot({ configPath, outDir: join(s.dir, 'run'), asOf: '2026-11-20T02:00:00Z', ...clock(),
      sleep: async (ms) => { polls += 1; if (polls === 2) f.blob.write('wms/onhand-2026-11-20.csv', Buffer.from(wmsFile()), 'text/csv', Date.parse('2026-11-20T02:01:00Z')); f.d365.advance(ms / 1000); } });
    expect(manifest.wms).toEqual({ asOf: '2026-11-20T02:01:00.000Z', asOfFrom: 'file-time' });
    expect(manifest.skewMinutes).toBe(Math.round(Math.abs(Date.parse(manifest.wms.asOf) - Date.parse(manifest.d365.asOf)) / 600) / 100);
  });

  it('stops at the deadline naming what did not arrive', async () => {
    snapshotConfig({ d365: { url: f.origin, source: { mode: 'odata' } },
      wms: { onHand: { from: 'folder', path: 'drop', file: 'never-{date}.csv' } }, deadlineMinutes: 5, pollSeconds: 60 });
    (s.config.d365 as Json).valuation = undefined;
    const error = await takeSnapshot({ configPath: s.writeConfig(), outDir: join(s.dir, 'run'), asOf: '2026-11-20T02:00:00Z', ...clock(),
      sleep: async (ms) => { f.d365.advance(ms / 1000); } }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(NotArrivedError);
    expect((error as Error).message).toBe('the snapshot as of 2026-11-20T02:00:00Z is incomplete after 5 minutes (snapshot.deadlineMinutes):\n'
      + `  the WMS on-hand file (snapshot.wms.onHand): nothing at ${join(s.dir, 'drop', 'never-2026-11-20.csv')}`);
    expect(existsSync(join(s.dir, 'run', 'config.json'))).toBe(false);
  });

  it('reports a D365 export that ends in error with its execution id and D365\'s message', async () => {
    writeFileSync(join(s.dir, 'drop', 'onhand.csv'), wmsFile());
    f.d365.failNextExecutions('The export of Warehouses on-hand V2 failed: the batch server is stopped.');
    const configPath = snapshotConfig({ d365: { url: f.origin, source: packageSource }, wms: { onHand: { from: 'folder', path: 'drop', file: 'onhand.csv' } } });
    const error = await takeSnapshot({ configPath, outDir: join(s.dir, 'run'), asOf: '2026-11-20T02:00:00Z', ...clock(),
      sleep: async (ms) => { f.d365.advance(ms / 1000); } }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/the D365 export \(data project 'IBAL on-hand export', execution ibal-snapshot-\S+\) ended Failed: The export of Warehouses on-hand V2 failed: the batch server is stopped\./);
  });

  it('names every wrong key of the snapshot settings', async () => {
    const configPath = snapshotConfig({ d365: { url: 'ftp://x', source: { mode: 'package' } }, wms: { onHand: { from: 'folder', path: 'drop' }, colour: 1 } });
    await expect(takeSnapshot({ configPath, outDir: join(s.dir, 'run'), ...clock() })).rejects.toThrow(
      /snapshot\.d365\.url: must be an http\(s\) URL[\s\S]*snapshot\.d365\.source\.dataProject[\s\S]*snapshot\.wms\.onHand\.file[\s\S]*snapshot\.wms\.colour: unknown key/);
  });
});
