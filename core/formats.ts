/**
 * Column names of the D365 on-hand data entities (DOMAIN.md §2), as canonical field → entity field.
 * WarehouseInventoryOnhandReportLines has no site: the job takes it from the facility mapping.
 * InventSumInventDim is D365's own tables as Synapse Link and Link to Fabric export them (lower-case field names):
 * INVENTSUM's physical inventory per inventory dimension id, joined with INVENTDIM's dimensions (job/spark/driver.py).
 */
import type { D365OnHandColumns } from './config.js';

export const D365_FORMATS = {
  WarehousesOnHandV2: {
    company: 'dataAreaId',
    item: 'ItemNumber',
    color: 'ProductColorId',
    size: 'ProductSizeId',
    style: 'ProductStyleId',
    config: 'ProductConfigurationId',
    version: 'ProductVersionId',
    site: 'InventorySiteId',
    warehouse: 'InventoryWarehouseId',
    quantity: 'OnHandQuantity',
  },
  WarehouseInventoryOnhandReportLines: {
    company: 'dataAreaId',
    item: 'ItemNumber',
    color: 'ProductColorId',
    size: 'ProductSizeId',
    style: 'ProductStyleId',
    config: 'ProductConfigurationId',
    version: 'ProductVersionId',
    warehouse: 'WarehouseId',
    location: 'WarehouseLocationId',
    batch: 'ItemBatchNumber',
    serial: 'ItemSerialNumber',
    status: 'InventoryStatusId',
    owner: 'InventoryOwnerId',
    quantity: 'OnHandQuantity',
  },
  InventSumInventDim: {
    company: 'dataareaid',
    item: 'itemid',
    color: 'inventcolorid',
    size: 'inventsizeid',
    style: 'inventstyleid',
    config: 'configid',
    version: 'inventversionid',
    site: 'inventsiteid',
    warehouse: 'inventlocationid',
    location: 'wmslocationid',
    batch: 'inventbatchid',
    serial: 'inventserialid',
    status: 'inventstatusid',
    owner: 'inventownerid_ru',
    quantity: 'physicalinvent',
  },
} as const satisfies Record<string, D365OnHandColumns>;

export type D365Format = keyof typeof D365_FORMATS;
