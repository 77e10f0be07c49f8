/**
 * A discrepancy as the job writes it (`discrepancies.csv`) and as Dataverse will store it.
 */
import { KEY_FIELDS, type ComparisonKey } from './keys.js';
import type { Assessment } from './classification.js';
import type { Cause } from './causes.js';

/** The strongest likely cause found for the discrepancy (core/causes.ts), empty where no rule fits. */
export interface LikelyCause { likelyCause: Cause | ''; causeEvidence: string }

export type Discrepancy = ComparisonKey & Assessment & LikelyCause;

export const DISCREPANCY_COLUMNS = [
  ...KEY_FIELDS,
  'd365Qty', 'wmsQty', 'inFlightQty', 'qtyVariance', 'residual', 'unitCost', 'valueVariance',
  'classification', 'rule', 'runsUnbalanced', 'flags', 'likelyCause', 'causeEvidence',
] as const;

/** One object literal with every field, so all discrepancies share one shape (spreading 25 fields does not); causes come later. */
export function discrepancyOf(k: ComparisonKey, a: Assessment): Discrepancy {
  return {
    company: k.company, item: k.item, color: k.color, size: k.size, style: k.style, config: k.config, version: k.version,
    site: k.site, warehouse: k.warehouse, location: k.location, batch: k.batch, serial: k.serial, status: k.status, owner: k.owner,
    d365Qty: a.d365Qty, wmsQty: a.wmsQty, inFlightQty: a.inFlightQty, qtyVariance: a.qtyVariance, residual: a.residual,
    unitCost: a.unitCost, valueVariance: a.valueVariance, classification: a.classification, rule: a.rule,
    runsUnbalanced: a.runsUnbalanced, flags: a.flags, likelyCause: '', causeEvidence: '',
  };
}

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

/** The values of a discrepancy in column order, flags `;`-separated. */
export function discrepancyValues(d: Discrepancy): Array<string | number> {
  return DISCREPANCY_COLUMNS.map((column) => (column === 'flags' ? d.flags.join(';') : d[column]));
}
