/**
 * The canonical comparison key (DOMAIN.md §3): company, item and product dimensions are always compared;
 * the compare level picks which storage and tracking dimensions follow.
 */

export const PRODUCT_DIMENSIONS = ['color', 'size', 'style', 'config', 'version'] as const;
export const LEVEL_FIELDS = ['site', 'warehouse', 'location', 'batch', 'serial', 'status', 'owner'] as const;
/** Every key field, in the order of the discrepancy output. */
export const KEY_FIELDS = ['company', 'item', ...PRODUCT_DIMENSIONS, ...LEVEL_FIELDS] as const;

export type ProductDimension = (typeof PRODUCT_DIMENSIONS)[number];
export type LevelField = (typeof LEVEL_FIELDS)[number];
export type KeyField = (typeof KEY_FIELDS)[number];

/** A comparison key: every field present, empty string where the field is not compared or not known. */
export type ComparisonKey = Record<KeyField, string>;

/** The key fields compared at a level, in canonical order. */
export function comparedFields(level: readonly LevelField[]): KeyField[] {
  return KEY_FIELDS.filter((field) => field === 'company' || field === 'item'
    || (PRODUCT_DIMENSIONS as readonly string[]).includes(field) || level.includes(field as LevelField));
}

/** Keeps the configured order-independent level in canonical order, so two configs that list it differently agree. */
export function canonicalLevel(level: readonly LevelField[]): LevelField[] {
  return LEVEL_FIELDS.filter((field) => level.includes(field));
}

/** Separator for a key written as one string (history store, hashes): a control character no export contains. */
export const KEY_SEPARATOR = '\u001f';

export function keyString(key: ComparisonKey): string {
  return KEY_FIELDS.map((field) => key[field]).join(KEY_SEPARATOR);
}

export interface LevelDecision {
  level: LevelField[];
  /** Configured fields that cannot be compared, with the reason to show the user. */
  dropped: Array<{ field: LevelField; reason: string }>;
}

/**
 * The level actually compared: the configured one, less the fields a side does not export. Comparing a field
 * one side lacks would set every key of that side apart and create only noise (DOMAIN.md §3); finer lines of the
 * other side are summed up instead.
 */
export function effectiveLevel(configured: readonly LevelField[], d365Has: ReadonlySet<LevelField>, wmsHas: ReadonlySet<LevelField>,
  names: { d365: string; wms: string }): LevelDecision {
  const level: LevelField[] = [];
  const dropped: LevelDecision['dropped'] = [];
  for (const field of canonicalLevel(configured)) {
    const missing = [!d365Has.has(field) ? names.d365 : undefined, !wmsHas.has(field) ? names.wms : undefined].filter(Boolean);
    if (missing.length === 0) level.push(field);
    else dropped.push({ field, reason: `compareLevel '${field}' is not compared: ${missing.join(' and ')} has no ${field} column, so lines are summed up to the remaining level` });
  }
  return { level, dropped };
}
