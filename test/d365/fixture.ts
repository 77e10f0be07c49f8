/** A D365 emulator and its blob stand-in on 127.0.0.1, with an export project, an import project per journal type, and a client signed in through MSAL. */
import { BlobStandIn } from '../../sandbox/d365/blob';
import { D365FinanceEmulator, type Row } from '../../sandbox/d365/emulator';
import { D365Client } from '../../job/d365/client';
import { d365TokenProvider } from '../../job/d365/auth';

export const EXPORT_PROJECT = 'IBAL on-hand export';
export const IMPORT_PROJECT = 'IBAL journal import';
export const COUNTING_PROJECT = 'IBAL counting import';

export interface D365Fixture { d365: D365FinanceEmulator; blob: BlobStandIn; origin: string; client: D365Client; close(): Promise<void> }

export const onHandRow = (company: string, item: string, warehouse: string, qty: number): Row => ({
  dataAreaId: company, ItemNumber: item, ProductColorId: '', ProductConfigurationId: '', ProductSizeId: '', ProductStyleId: '', ProductVersionId: '',
  InventorySiteId: warehouse.slice(0, 1), InventoryWarehouseId: warehouse, OnHandQuantity: qty, AvailableOnHandQuantity: qty, ReservedOnHandQuantity: 0,
  OrderedQuantity: 0, OnOrderQuantity: 0, TotalAvailableQuantity: qty,
});

export async function startD365(options: { executionSeconds?: number } = {}): Promise<D365Fixture> {
  const holder: { d365?: D365FinanceEmulator } = {};
  const blob = new BlobStandIn(() => holder.d365?.now.getTime() ?? Date.now());
  await blob.listen();
  const d365 = holder.d365 = new D365FinanceEmulator({
    blob, executionSeconds: options.executionSeconds ?? 5,
    exportProjects: { [EXPORT_PROJECT]: { entities: [
      { entityName: 'Warehouses on-hand V2', dataEntityName: 'InventWarehouseOnHandV2Entity', entitySet: 'WarehousesOnHandV2' },
      { entityName: 'Inventory value report storage', dataEntityName: 'InventInventoryValueReportStorageEntity', entitySet: 'InventoryValueReportStorageLines' }] } },
    importProjects: { [IMPORT_PROJECT]: 'adjustment', [COUNTING_PROJECT]: 'counting' },
  });
  const origin = await d365.listen();
  const token = d365TokenProvider(origin, { tenantId: d365.tenantId, clientId: d365.clientId, clientSecret: d365.clientSecret, loginUrl: origin });
  const emulator = d365;
  // Retries wait on the emulator's clock, not on the wall clock.
  const client = new D365Client({ baseUrl: origin, token, sleep: async (ms) => { emulator.advance(ms / 1000); } });
  return { d365, blob, origin, client, close: async () => { await emulator.close(); await blob.close(); } };
}
