/**
 * The D365 stand-in as `npm start` runs it: the emulator with the data projects an admin would create (an on-hand
 * export, a journal import per journal type), its blob store on its own port, and each sample week's D365 data loaded
 * into it so the week comes in through `ibal snapshot` like a scheduled job's would.
 */
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { BlobStandIn } from './blob.js';
import { D365FinanceEmulator, type Row } from './emulator.js';
import type { SampleWeek } from '../sample-data.js';

export const SANDBOX_EXPORT_PROJECT = 'IBAL on-hand export';
export const SANDBOX_IMPORT_PROJECTS = { 'IBAL journal import': 'adjustment', 'IBAL counting import': 'counting' } as const;

export async function startSandboxD365(): Promise<{ d365: D365FinanceEmulator; blob: BlobStandIn }> {
  const holder: { d365?: D365FinanceEmulator } = {};
  const blob = new BlobStandIn(() => holder.d365?.now.getTime() ?? Date.now());
  await blob.listen();
  holder.d365 = new D365FinanceEmulator({
    blob,
    exportProjects: { [SANDBOX_EXPORT_PROJECT]: { entities: [
      { entityName: 'Warehouse inventory on-hand report lines', dataEntityName: 'WHSInventoryOnhandReportLineEntity', entitySet: 'WarehouseInventoryOnhandReportLines' },
      { entityName: 'Inventory value report storage', dataEntityName: 'InventInventoryValueReportStorageEntity', entitySet: 'InventoryValueReportStorageLines' }] } },
    importProjects: { ...SANDBOX_IMPORT_PROJECTS },
  });
  return { d365: holder.d365, blob };
}

/**
 * Puts a generated week into D365 (its report lines and valuation, with D365's clock at the week's as-of) and writes
 * the week's config with a `snapshot` section: D365 by export package, the WMS files collected from the week's folder.
 * Returns the config's path.
 */
export function prepareWeekSnapshot(d365: D365FinanceEmulator, week: SampleWeek, origin: string): string {
  const rows = (file: string): Row[] => (parse(readFileSync(join(week.dir, file)), { columns: true }) as Array<Record<string, string>>)
    .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, /quantity$|^amount$/i.test(k) ? Number(v) : v])));
  d365.load('WarehouseInventoryOnhandReportLines', rows('d365-onhand.csv'));
  d365.load('InventoryValueReportStorageLines', rows('d365-value.csv'));
  d365.setClock(week.d365AsOf);
  const config = JSON.parse(readFileSync(week.config, 'utf8')) as { wms: { asOf: string }; d365: object } & Record<string, unknown>;
  // The WMS wrote its files at its own as-of: the snapshot reads that from the files' times.
  const wmsTime = new Date(config.wms.asOf);
  for (const file of ['wms.csv', 'wms-inflight.csv']) utimesSync(join(week.dir, file), wmsTime, wmsTime);
  // The as-of times are the snapshot's to set, from what each system reports.
  const d365Section: Record<string, unknown> = { ...config.d365 };
  const wmsSection: Record<string, unknown> = { ...config.wms };
  delete d365Section.asOf;
  delete wmsSection.asOf;
  const path = join(week.dir, 'config-snapshot.json');
  writeFileSync(path, `${JSON.stringify({ ...config, $schema: undefined, d365: d365Section, wms: wmsSection, snapshot: {
    d365: { url: origin, source: { mode: 'package', dataProject: SANDBOX_EXPORT_PROJECT, onHandEntity: 'Warehouse inventory on-hand report lines',
      valuationEntity: 'Inventory value report storage' } },
    wms: { onHand: { from: 'folder', path: '.', file: 'wms.csv' }, inFlight: { from: 'folder', path: '.', file: 'wms-inflight.csv' }, asOf: 'file-time' },
    deadlineMinutes: 30, pollSeconds: 5,
  } }, null, 2)}\n`);
  return path;
}
