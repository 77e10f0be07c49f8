/**
 * The compare (this folder) builds its SQL here and nowhere else: normalize.ts maps and checks each file's lines,
 * incomplete.ts finds the keys a rejected line may belong to, compare.ts joins the sides into the candidates that
 * core/ classifies. What engines spell differently goes through a dialect; everything else the builders write is
 * SQL that DuckDB and Spark SQL both take (joins, CASE, coalesce, trim, length, concat_ws, GROUPING SETS, aggregates
 * with FILTER (WHERE …)). The job runs the DuckDB dialect on one machine; a Spark dialect (issue 17) implements the
 * same interface for the customer's Spark, and the statements stay the builders'.
 */

export interface SqlDialect {
  /** core's KEY_SEPARATOR (U+001F) as an SQL expression: keys are one string, fields joined by it. */
  readonly keySeparator: string;
  /** The key's fields as an array (`part` reads one). */
  splitKey(key: string): string;
  /** Field n (from 1) of an array from `splitKey`. */
  part(parts: string, n: number): string;
  /** Field n (from 1) of a key string. */
  keyField(key: string, n: number): string;
  /** A text as a DOUBLE, NULL where it is not a number. */
  toDouble(text: string): string;
  /** A DOUBLE that is neither infinite nor NaN. */
  isFinite(value: string): string;
  contains(text: string, part: string): string;
  /** A text's length in bytes, known without counting characters (a cheap first test before `length`). */
  byteLength(text: string): string;
  /** SHA-256 of a text, as lower-case hex (the key hash Dataverse's alternate key uses). */
  sha256(text: string): string;
  /** The value of the row with the smallest `order`. */
  argMin(value: string, order: string): string;
  /** A DOUBLE as text with up to 15 significant digits (C's %.15g). */
  shortNumber(value: string): string;
  /** GROUP BY every column of the select list that is not an aggregate. */
  readonly groupByAll: string;
}

/** DuckDB, the job's engine on one machine. */
export const DUCKDB: SqlDialect = {
  keySeparator: 'chr(31)',
  splitKey: (key) => `string_split(${key}, chr(31))`,
  part: (parts, n) => `${parts}[${n}]`,
  keyField: (key, n) => `split_part(${key}, chr(31), ${n})`,
  toDouble: (text) => `TRY_CAST(${text} AS DOUBLE)`,
  isFinite: (value) => `isfinite(${value})`,
  contains: (text, part) => `contains(${text}, ${part})`,
  byteLength: (text) => `strlen(${text})`,
  sha256: (text) => `sha256(${text})`,
  argMin: (value, order) => `arg_min(${value}, ${order})`,
  shortNumber: (value) => `printf('%.15g', ${value})`,
  groupByAll: 'GROUP BY ALL',
};

/** The dialect the job's statements are built in. */
export const sql = DUCKDB;
