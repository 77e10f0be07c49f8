/**
 * Inventory Visibility's tables in the Dataverse emulator: the lines the IV emulator keeps, written as IV keeps them
 * in Dataverse (its Adjustment Line and Aggregated Adjustment Line tables, sandbox/dataverse/metadata.ts IV_TABLES).
 */
import type { DataverseEmulator } from '../dataverse/emulator.js';
import { IV_TABLES } from '../dataverse/metadata.js';
import type { IvEmulatorOptions } from './emulator.js';

export function ivTablesIn(dataverse: DataverseEmulator): NonNullable<IvEmulatorOptions['mirror']> {
  return async ({ lines, aggregated }) => {
    if (aggregated.length > 0) {
      await dataverse.writeServiceRows(IV_TABLES.aggregated.logicalName, aggregated.map((a) => ({
        [IV_TABLES.aggregated.primaryId]: a.aggregatedLineId, msdyn_name: a.aggregatedLineId, msdyn_productid: a.productId, msdyn_status: a.status,
        msdyn_journalid: a.journalId ?? null, msdyn_message: a.message ?? null,
      })));
    }
    if (lines.length > 0) {
      await dataverse.writeServiceRows(IV_TABLES.lines.logicalName, lines.map((l) => ({
        [IV_TABLES.lines.primaryId]: l.lineId, msdyn_name: l.id, msdyn_externalreferenceid: l.line.externalReferenceId ?? null, msdyn_productid: l.line.productId,
        msdyn_quantity: l.line.quantity, msdyn_status: l.status, msdyn_aggregatedline: l.aggregatedLineId ?? null,
      })));
    }
  };
}
