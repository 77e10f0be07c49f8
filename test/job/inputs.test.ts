import { join } from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { DuckDBInstance } from '@duckdb/node-api';
import { Scenario, csv, d365Row, D365_V2_HEADER, wmsRow, WMS_HEADER, only } from '../helpers/scenario';

const manifest = (entity: string) => `<?xml version="1.0" encoding="utf-8"?>
<DataManagementPackageManifest xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/dynamics/2015/01/DataManagement">
  <DefinitionGroupName>Onhand export</DefinitionGroupName>
  <PackageEntityList>
    <DataManagementPackageEntityData>
      <DataEntityName>${entity.replace(/ /g, '')}Entity</DataEntityName>
      <EntityName>${entity}</EntityName>
      <SourceFormatName>CSV-Unicode</SourceFormatName>
    </DataManagementPackageEntityData>
  </PackageEntityList>
</DataManagementPackageManifest>`;

function utf16le(text: string): Uint8Array {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

describe('input files', () => {
  it('reads CSVs with another delimiter, a byte-order mark and quoted fields', async () => {
    const s = new Scenario().costs({ 'A;1': 1 });
    s.file('d365-onhand.csv', `\uFEFF${csv(D365_V2_HEADER, [d365Row('A;1', '11', 10)], ';')}`);
    s.file('wms.csv', `\uFEFF${csv(WMS_HEADER, [wmsRow('A;1', 'DAL1', 7, 'ea', 'B "1"')], '\t')}`);
    const { discrepancies, rejects } = await s.run();
    expect(rejects).toEqual([]);
    expect(only(discrepancies, 'A;1')).toMatchObject({ d365Qty: '10', wmsQty: '7' });
  });

  it('reads the entity CSV from a D365 data-management package, also in UTF-16', async () => {
    const s = new Scenario().costs({ A: 1 });
    const entityCsv = csv(D365_V2_HEADER, [d365Row('A', '11', 10), d365Row('A', '11', 10)]);
    s.file('onhand-package.zip', Buffer.from(zipSync({
      'Manifest.xml': strToU8(manifest('Warehouses on-hand V2')),
      'PackageHeader.xml': strToU8('<?xml version="1.0"?><DataManagementPackageHeader/>'),
      'Warehouses on-hand V2.csv': utf16le(entityCsv),
    })));
    s.config.d365 = { ...(s.config.d365 as object), onHand: { path: 'onhand-package.zip', format: 'WarehousesOnHandV2' } };
    s.wms([wmsRow('A', 'DAL1', 4)]);
    const { discrepancies, rejects, summary } = await s.run();
    expect(only(discrepancies, 'A')).toMatchObject({ d365Qty: '10', wmsQty: '4' });
    expect(rejects).toEqual([expect.objectContaining({ file: 'onhand-package.zip!Warehouses on-hand V2.csv', line: '3' })]);
    expect(summary.files.find((f) => f.source === 'd365.onHand')).toMatchObject({ read: 2, accepted: 1, rejected: 1 });
  });

  it('picks the named entity from a package that holds several', async () => {
    const s = new Scenario().costs({ A: 1 });
    s.file('package.zip', Buffer.from(zipSync({
      'Manifest.xml': strToU8(manifest('Warehouses on-hand V2')),
      'Warehouses on-hand V2.csv': strToU8(csv(D365_V2_HEADER, [d365Row('A', '11', 10)])),
      'Released products V2.csv': strToU8('ItemNumber\nA\n'),
    })));
    s.config.d365 = { ...(s.config.d365 as object), onHand: { path: 'package.zip', format: 'WarehousesOnHandV2' } };
    s.wms([wmsRow('A', 'DAL1', 10)]);
    await expect(s.run()).rejects.toThrow(/holds 2 CSV files .* name the one to read with d365\.onHand\.entity/);
    s.config.d365 = { ...(s.config.d365 as object), onHand: { path: 'package.zip', format: 'WarehousesOnHandV2', entity: 'Warehouses on-hand V2' } };
    expect((await s.run()).summary.classifications.Balanced).toBe(1);
  });

  it('reads Parquet from a data lake', async () => {
    const s = new Scenario().costs({ A: 2 });
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    await connection.run(`COPY (SELECT * FROM (VALUES ('A', 'DAL1', 'B1', '', 'AVAIL', 8.5::DOUBLE, 'ea'), ('A', 'DAL1', 'B2', '', 'AVAIL', 1.5::DOUBLE, 'ea'))
      t(sku, facility, bin, lot, status, qty, uom)) TO '${join(s.dir, 'wms.parquet')}' (FORMAT parquet)`);
    connection.closeSync();
    db.closeSync();
    (s.config.wms as Record<string, unknown>).onHand = { path: 'wms.parquet', columns: { item: 'sku', facility: 'facility', location: 'bin', quantity: 'qty', unit: 'uom' } };
    s.d365([d365Row('A', '11', 12)]);
    const { discrepancies } = await s.run();
    expect(only(discrepancies, 'A')).toMatchObject({ wmsQty: '10', residual: '-2', valueVariance: '-4' });
  });

  it('sums the report\'s bins up to warehouse and batch when bins are not compared', async () => {
    const s = new Scenario().costs({ A: 1 });
    s.config.compareLevel = ['site', 'warehouse', 'batch'];
    s.config.d365 = { ...(s.config.d365 as object), onHand: { path: 'report-lines.csv', format: 'WarehouseInventoryOnhandReportLines' } };
    s.file('report-lines.csv', csv(['dataAreaId', 'ItemNumber', 'WarehouseId', 'WarehouseLocationId', 'ItemBatchNumber', 'OnHandQuantity'], [
      ['usmf', 'A', '11', 'B1', 'L1', '10'], ['usmf', 'A', '11', 'B2', 'L1', '5'], ['usmf', 'A', '11', 'B3', 'L2', '7'],
    ]));
    s.wms([wmsRow('A', 'DAL1', 15, 'ea', 'X9', 'L1'), wmsRow('A', 'DAL1', 4, 'ea', 'X9', 'L2')]);
    const { discrepancies, summary } = await s.run();
    expect(summary.keysCompared).toBe(2);
    expect(discrepancies.map((d) => [d.batch, d.d365Qty, d.wmsQty])).toEqual([['L2', '7', '4']]);
  });

  it('compares at bin, batch and status level with the warehouse-only on-hand report, taking the site from the facilities', async () => {
    const s = new Scenario().costs({ A: 1 });
    s.config.compareLevel = ['site', 'warehouse', 'location', 'batch', 'status'];
    s.config.d365 = { ...(s.config.d365 as object), onHand: { path: 'report-lines.csv', format: 'WarehouseInventoryOnhandReportLines' } };
    s.file('report-lines.csv', csv(['dataAreaId', 'ReportNumber', 'ItemNumber', 'WarehouseId', 'WarehouseLocationId', 'InventoryStatusId', 'ItemBatchNumber', 'ItemSerialNumber', 'OnHandQuantity'], [
      ['usmf', 'R1', 'A', '11', 'B1', 'Available', 'L1', '', '10'],
      ['usmf', 'R1', 'A', '11', 'B2', 'Available', 'L1', '', '5'],
    ]));
    s.wms([wmsRow('A', 'DAL1', 10, 'ea', 'B1', 'L1'), wmsRow('A', 'DAL1', 3, 'ea', 'B2', 'L1'), wmsRow('A', 'DAL1', 2, 'ea', 'B2', 'L1', 'HOLD')]);
    const { discrepancies, summary } = await s.run();
    expect(summary.compareLevel).toEqual(['site', 'warehouse', 'location', 'batch', 'status']);
    expect(discrepancies.map((d) => [d.site, d.warehouse, d.location, d.batch, d.status, d.qtyVariance])).toEqual([
      ['1', '11', 'B2', 'L1', 'Available', '-2'],
      ['1', '11', 'B2', 'L1', 'Blocked', '2'],
    ]);
    expect(summary.classifications.Balanced).toBe(1);
  });
});
