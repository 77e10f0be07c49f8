/**
 * A discrepancy as the job writes it (`discrepancies.csv`) and as Dataverse will store it.
 */
import { KEY_FIELDS, type ComparisonKey } from './keys.js';
import type { Assessment } from './classification.js';

export type Discrepancy = ComparisonKey & Assessment;

export const DISCREPANCY_COLUMNS = [
  ...KEY_FIELDS,
  'd365Qty', 'wmsQty', 'inFlightQty', 'qtyVariance', 'residual', 'unitCost', 'valueVariance',
  'classification', 'rule', 'runsUnbalanced', 'flags',
] as const;

/** Largest value first, so finance reads the differences that matter at the top; the key breaks ties. */
export function byValueImpact(a: Discrepancy, b: Discrepancy): number {
  const byValue = Math.abs(b.valueVariance) - Math.abs(a.valueVariance);
  if (byValue !== 0) return byValue;
  const byQty = Math.abs(b.residual) - Math.abs(a.residual);
  if (byQty !== 0) return byQty;
  for (const field of KEY_FIELDS) {
    if (a[field] !== b[field]) return a[field] < b[field] ? -1 : 1;
  }
  return 0;
}

export function discrepancyRecord(d: Discrepancy): Record<(typeof DISCREPANCY_COLUMNS)[number], string | number> {
  return { ...d, flags: d.flags.join(';') };
}
