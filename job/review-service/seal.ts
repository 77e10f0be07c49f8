/**
 * The approval seal: a keyed hash (HMAC-SHA-256, the service's own key) of everything an approval decided, written
 * with the approval. At posting the service seals the line again: a line whose item, dimensions, quantities, cost,
 * correction or reason changed after approval, by whatever path, no longer matches and is refused, not posted.
 * Nobody without the key can make a matching seal for changed figures.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { roundQuantity } from '../../core/classification.js';
import type { DiscrepancyRow } from '../../core/dataverse/rows.js';

/** The figures an approval decides on, in a fixed order. */
function sealed(row: DiscrepancyRow, correctionQty: number, approvedOn: string, reasonCode: string): string {
  const c = row.correction;
  return JSON.stringify([row.id, row.runId ?? '', c.company.toLowerCase(), c.item, c.color, c.size, c.style, c.config, c.version, c.site, c.warehouse,
    c.location, c.batch, c.serial, c.inventoryStatus, c.owner, row.subject.d365Qty, row.subject.countedQty, c.unitCost, roundQuantity(correctionQty),
    approvedOn, reasonCode]);
}

export function approvalSeal(key: string, row: DiscrepancyRow, correctionQty: number, approvedOn: string, reasonCode: string): string {
  return createHmac('sha256', key).update(sealed(row, correctionQty, approvedOn, reasonCode)).digest('base64url');
}

/** Whether the row's stored seal still matches its figures as they are now. */
export function sealHolds(key: string, row: DiscrepancyRow): boolean {
  const c = row.correction;
  if (!row.approvalSeal || c.correctionQty === null || c.approvedOn === undefined || c.reasonCode === undefined) return false;
  const expected = Buffer.from(approvalSeal(key, row, c.correctionQty, c.approvedOn, c.reasonCode));
  const actual = Buffer.from(row.approvalSeal);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
