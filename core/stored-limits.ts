/**
 * What a discrepancy row can hold in Dataverse (the definitions in core/dataverse/tables.ts): the length of each
 * key field and the range of the figures. The job checks every line against them when it reads, so a value
 * Dataverse would refuse is a rejected line with its reason, never a failed write or a null figure.
 */
import { maxLengthOf, rangeOf } from './dataverse/schema.js';
import { discrepancy, thresholdRule } from './dataverse/tables.js';
import { KEY_FIELDS, type KeyField } from './keys.js';

const D = discrepancy.columns;

function lengthOf(field: KeyField): number {
  const length = maxLengthOf(D[field]);
  if (length === undefined) throw new Error(`discrepancy column for ${field} is not text`);
  return length;
}

function range(column: (typeof D)[keyof typeof D]): { min: number; max: number } {
  const found = rangeOf(column);
  if (found === undefined) throw new Error(`${column.logicalName} is not a number column`);
  return found;
}

/** Characters each key field may have, and the Dataverse column that sets it. */
export const KEY_FIELD_LIMITS: Record<KeyField, { maxLength: number; column: string }> = Object.fromEntries(
  KEY_FIELDS.map((field) => [field, { maxLength: lengthOf(field), column: D[field].logicalName }])) as
  Record<KeyField, { maxLength: number; column: string }>;

/** Every quantity column (D365, WMS, in flight, variance, residual) has the same range. */
export const QUANTITY_RANGE = range(D.d365Qty);
export const UNIT_COST_RANGE = range(D.unitCost);
export const VALUE_RANGE = range(D.valueVariance);

/** Longest threshold rule name (the rule's primary name column; discrepancies keep it too). */
export const RULE_NAME_LENGTH = Math.min(maxLengthOf(thresholdRule.primaryName) ?? 100, maxLengthOf(D.rule) ?? 100);

export function withinRange(value: number, limits: { min: number; max: number }): boolean {
  return Number.isFinite(value) && value >= limits.min && value <= limits.max;
}

/** "±100,000,000,000" for a symmetric range, "0 to 1,000,000" otherwise. */
export function describeRange(limits: { min: number; max: number }): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return limits.min === -limits.max ? `±${n(limits.max)}` : `${n(limits.min)} to ${n(limits.max)}`;
}
