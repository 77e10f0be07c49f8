/**
 * The compare (this folder) builds its SQL here and nowhere else: normalize.ts maps and checks each file's lines,
 * incomplete.ts finds the keys a rejected line may belong to, compare.ts joins the sides into the candidates that
 * core/ classifies. What engines spell differently goes through a dialect; everything else the builders write is
 * SQL that DuckDB and Spark SQL both take (joins, CASE, coalesce, length, concat_ws, GROUPING SETS, aggregates
 * with FILTER (WHERE …)). The session a statement runs in carries its dialect (`db.dialect`): DuckDB on one machine,
 * Spark SQL on the customer's Spark (job/spark/), and the statements stay the builders'.
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
  /** A quoted identifier (column names come from file headers and may hold anything). */
  ident(name: string): string;
  /** A text as a string literal. */
  string(value: string): string;
  /** A text without the Unicode spaces (category Zs: the space, no-break space, …) at either end; tabs stay. */
  trim(text: string): string;
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
  ident: (name) => `"${name.replaceAll('"', '""')}"`,
  string: (value) => `'${value.replaceAll("'", "''")}'`,
  trim: (text) => `trim(${text})`,
};

/**
 * Spark SQL (3.5, the version Synapse and Fabric run). Its cast to DOUBLE also takes what no export means
 * (`1.5d`, hexadecimal `0x1p3`), so only plain decimals are cast: DuckDB's cast takes those, and `inf`, `nan` and
 * digit separators, which numberCheck refuses on both engines alike. Java's %g keeps trailing zeros; they are cut
 * so the text is C's. `split` takes a regular expression, which U+001F is not special in. Identifiers are quoted
 * with backticks and string literals escaped with backslashes.
 */
export const SPARK: SqlDialect = {
  keySeparator: 'chr(31)',
  splitKey: (key) => `split(${key}, chr(31))`,
  part: (parts, n) => `element_at(${parts}, ${n})`,
  keyField: (key, n) => `split_part(${key}, chr(31), ${n})`,
  toDouble: (text) => `CASE WHEN ${text} RLIKE '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$' THEN CAST(${text} AS DOUBLE) END`,
  isFinite: (value) => `(NOT isnan(${value}) AND abs(${value}) <> double('Infinity'))`,
  contains: (text, part) => `(instr(${text}, ${part}) > 0)`,
  byteLength: (text) => `octet_length(${text})`,
  sha256: (text) => `sha2(${text}, 256)`,
  argMin: (value, order) => `min_by(${value}, ${order})`,
  shortNumber: (value) => `regexp_replace(regexp_replace(format_string('%.15g', CAST(${value} AS DOUBLE)), '(\\\\.[0-9]*?)0+(e|$)', '$1$2'), '\\\\.(e|$)', '$1')`,
  groupByAll: 'GROUP BY ALL',
  ident: (name) => `\`${name.replaceAll('`', '``')}\``,
  // Spark's literals take backslash escapes, and '' is two literals side by side, not a quote.
  string: (value) => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`,
  // Spark's trim takes off only U+0020; DuckDB's every Unicode space.
  trim: (text) => `regexp_replace(${text}, '^\\\\p{Zs}+|\\\\p{Zs}+$', '')`,
};
