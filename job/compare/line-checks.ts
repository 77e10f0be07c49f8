/**
 * The checks every line passes when it is read, as SQL: numbers written as plain decimals, and values that fit the
 * Dataverse columns they end up in (core/stored-limits.ts). Each check is a condition and the reason it gives; the
 * reasons quote at most 40 characters of what the line held.
 */
import type { KeyField } from '../../core/keys.js';
import type { SqlDialect } from './dialect.js';
import { KEY_FIELD_LIMITS, describeRange } from '../../core/stored-limits.js';

/** A line is rejected `when` (an SQL condition) holds, for the reason `why` (an SQL text). */
export interface Check { when: string; why: string }

/** A reason computed elsewhere (a mapping decision joined in): NULL when there is none. */
export const reasonColumn = (column: string): Check => ({ when: `${column} IS NOT NULL`, why: column });

/** A value quoted into a reason: at most 40 characters, so a runaway field does not fill rejects.csv twice. */
export const quoted = (sql: SqlDialect, text: string): string =>
  `${sql.string("'")} || CASE WHEN length(${text}) > 40 THEN left(${text}, 40) || '…' ELSE ${text} END || ${sql.string("'")}`;

/**
 * All reasons of a line joined, NULL when it passes every check. The conditions are tested first, so the reasons
 * are only put together for the lines that need them.
 */
export function reasons(...checks: Check[]): string {
  return `CASE WHEN ${checks.map((c) => `coalesce(${c.when}, false)`).join(' OR ')}
    THEN concat_ws('; ', ${checks.map((c) => `CASE WHEN ${c.when} THEN ${c.why} END`).join(', ')}) END`;
}

/**
 * The reason a number's text is not a plain decimal number; `value` is its cast to DOUBLE (sql.toDouble). DuckDB's cast
 * also takes digit separators (`1_000`) and `inf`, which no export means, so they are refused here.
 */
export function numberCheck(sql: SqlDialect, text: string, value: string, name: string): Check {
  return {
    when: `${text} = '' OR ${value} IS NULL OR NOT ${sql.isFinite(value)} OR ${sql.contains(text, `'_'`)}`,
    why: `CASE WHEN ${text} = '' THEN '${name} is empty' ELSE '${name} ' || ${quoted(sql, text)} || ' is not a number'
      || CASE WHEN ${sql.contains(text, `','`)} THEN ' (write numbers with a decimal point and no thousands separator)' ELSE '' END END`,
  };
}

/**
 * The reason a number is outside a Dataverse column's range; `shown` is what the reason quotes, `detail` (SQL)
 * what it adds after the quote.
 */
export function rangeCheck(sql: SqlDialect, value: string, limits: { min: number; max: number }, name: string, shown: string, detail = `''`): Check {
  return {
    when: `${value} < ${limits.min} OR ${value} > ${limits.max}`,
    why: `'${name} ' || ${quoted(sql, shown)} || ${detail} || ' is outside what Dataverse stores (${describeRange(limits)})'`,
  };
}

/** Key fields longer than their Dataverse column; `fields` maps a key field to its SQL expression. */
export function lengthChecks(sql: SqlDialect, fields: ReadonlyArray<[KeyField, string]>): Check[] {
  return fields.map(([field, expression]) => {
    const { maxLength, column } = KEY_FIELD_LIMITS[field];
    return {
      // A text of at most maxLength bytes has at most maxLength characters: only longer ones are counted.
      when: `${sql.byteLength(expression)} > ${maxLength} AND length(${expression}) > ${maxLength}`,
      why: `'${field} ' || ${quoted(sql, expression)} || ' has ' || length(${expression}) || ' characters, more than the ${maxLength} Dataverse stores (${column})'`,
    };
  });
}
