/**
 * The checks every line passes when it is read, as SQL expressions that give the reason a line is rejected
 * (NULL when it passes): numbers written as plain decimals, and values that fit the Dataverse columns they end
 * up in (core/stored-limits.ts). The reasons quote at most 40 characters of what the line held.
 */
import type { KeyField } from '../core/keys.js';
import { KEY_FIELD_LIMITS, describeRange } from '../core/stored-limits.js';

export const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** A value quoted into a reason: at most 40 characters, so a runaway field does not fill rejects.csv twice. */
export const quoted = (text: string): string =>
  `'''' || CASE WHEN length(${text}) > 40 THEN left(${text}, 40) || '…' ELSE ${text} END || ''''`;

/** All reasons of a line joined, NULL when there is none. */
export const reasons = (...parts: string[]): string => `nullif(concat_ws('; ', ${parts.join(', ')}), '')`;

/**
 * Number text (an SQL expression) → DOUBLE, with the reason when it is not a plain decimal number. DuckDB's cast
 * also takes digit separators (`1_000`), which no export means, so they are refused here.
 */
export function numberSql(text: string, name: string): { value: string; reason: string } {
  const number = `TRY_CAST(${text} AS DOUBLE)`;
  return {
    value: number,
    reason: `CASE WHEN ${text} = '' THEN '${name} is empty'
      WHEN ${number} IS NULL OR NOT isfinite(${number}) OR contains(${text}, '_')
      THEN '${name} ' || ${quoted(text)} || ' is not a number'
        || CASE WHEN contains(${text}, ',') THEN ' (write numbers with a decimal point and no thousands separator)' ELSE '' END END`,
  };
}

/**
 * The reason a number is outside a Dataverse column's range; `shown` is what the reason quotes, `detail` (SQL)
 * what it adds after the quote.
 */
export function rangeSql(value: string, limits: { min: number; max: number }, name: string, shown: string, detail = `''`): string {
  return `CASE WHEN ${value} < ${limits.min} OR ${value} > ${limits.max}
    THEN '${name} ' || ${quoted(shown)} || ${detail} || ' is outside what Dataverse stores (${describeRange(limits)})' END`;
}

/** Reasons for key fields longer than their Dataverse column; `fields` maps a key field to its SQL expression. */
export function lengthSql(fields: ReadonlyArray<[KeyField, string]>): string[] {
  return fields.map(([field, sql]) => {
    const { maxLength, column } = KEY_FIELD_LIMITS[field];
    return `CASE WHEN length(${sql}) > ${maxLength} THEN '${field} ' || ${quoted(sql)} || ' has ' || length(${sql})
      || ' characters, more than the ${maxLength} Dataverse stores (${column})' END`;
  });
}
