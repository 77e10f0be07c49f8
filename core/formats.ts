/**
 * Column names of the D365 on-hand data entities (DOMAIN.md §2), as canonical field → entity field.
 * WarehouseInventoryOnhandReportLines has no site: the job takes it from the facility mapping.
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
} as const satisfies Record<string, D365OnHandColumns>;

export type D365Format = keyof typeof D365_FORMATS;
