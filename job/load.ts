/**
 * Loads one input file into a DuckDB table of text columns, in file order, keeping DuckDB's record of every
 * malformed CSV line. DuckDB is the CSV and Parquet reader: any delimiter, quoted fields, UTF-8 with or without BOM.
 *
 * A file read in one pass (the D365 on-hand) is first only scanned (`scanTable`): read straight from disk in the pass
 * that normalizes and sums it, without line numbers. Most weekly files are clean, and then that pass is all. A file
 * with a malformed, rejected or repeated line is loaded again as a table (`loadTable`), whose rowid gives each line its
 * number for rejects.csv; its results are the same either way.
 */
import { stringify } from 'csv-stringify/sync';
import type { Reject, Source } from '../core/run.js';
import { DUCKDB, type SqlDialect } from './compare/dialect.js';
import { Database } from './db.js';
import { InputError } from './errors.js';
import type { ScannableFile } from './sources.js';

export interface LoadedTable {
  source: Source;
  file: ScannableFile;
  /** The relation to read lines from: the loaded table, or while `scanned`, a view straight over the file. */
  table: string;
  /** SQL of a line's position among the records (`rowid` of the table); a constant 0 while the file is only scanned. */
  rec: string;
  /** Read straight from the file, without line numbers: usable only as long as no line needs to be named. */
  scanned: boolean;
  /** Header names as in the file. */
  columns: string[];
  /** Records DuckDB could parse; their rowid is their order in the file. */
  parsed: number;
  /** Malformed lines (wrong column count, bad quoting, bad encoding), already as rejects. */
  malformed: Reject[];
  delimiter: string;
}

export async function loadTable(db: Database, source: Source, file: ScannableFile, table: string): Promise<LoadedTable> {
  const rejectsTable = `${table}_rejects`;
  const scanTable = `${table}_scan`;
  try {
    if (file.kind === 'parquet') {
      await db.run(`CREATE TABLE ${table} AS SELECT COLUMNS(*)::VARCHAR FROM read_parquet($path)`, { path: file.path });
    } else {
      await db.run(`CREATE TABLE ${table} AS SELECT * FROM read_csv($path, header = true, all_varchar = true,
        store_rejects = true, rejects_table = '${rejectsTable}', rejects_scan = '${scanTable}')`, { path: file.path });
    }
  } catch (error) {
    throw new InputError(`${file.label}: cannot be read as ${file.kind === 'parquet' ? 'Parquet' : 'CSV'} (${readerReason(error)}) (${source})`);
  }
  const columns = (await db.all<{ name: string }>(`SELECT column_name AS name FROM duckdb_columns() WHERE table_name = $t ORDER BY column_index`, { t: table }))
    .map((c) => c.name);
  const { parsed } = await db.one<{ parsed: number }>(`SELECT count(*) AS parsed FROM ${table}`);
  let malformed: Reject[] = [];
  let delimiter = ',';
  if (file.kind === 'csv') {
    // The scan is recorded only when a line was malformed; otherwise the sniffer says what the delimiter was.
    const scan = await db.all<{ delimiter: string }>(`SELECT delimiter FROM ${scanTable} LIMIT 1`);
    const sniffed = scan[0] ? [] : await db.all<{ delimiter: string }>(`SELECT Delimiter AS delimiter FROM sniff_csv(${DUCKDB.string(file.path)}, header = true, all_varchar = true)`);
    delimiter = scan[0]?.delimiter ?? sniffed[0]?.delimiter ?? ',';
    const rows = await db.all<{ line: number; csv_line: string; error_type: string; error_message: string; column_name: string | null }>(
      `SELECT line, any_value(csv_line) AS csv_line, any_value(error_type) AS error_type,
              any_value(error_message) AS error_message, any_value(column_name) AS column_name
       FROM ${rejectsTable} GROUP BY line ORDER BY line`);
    malformed = rows.map((r) => ({
      source, file: file.label, line: r.line, raw: r.csv_line ?? '',
      reason: `malformed CSV line: ${r.error_type.toLowerCase()}${r.column_name ? ` at column ${r.column_name}` : ''} (${r.error_message})`,
    }));
  }
  return { source, file, table, rec: 'rowid', scanned: false, columns, parsed, malformed, delimiter };
}

/**
 * A CSV file as a view straight over the file, in strict mode: a malformed line makes any read of it fail, and the
 * caller then loads the file with `loadTable`, which keeps such lines as rejects. `parsed` is set by the pass that
 * counts the lines.
 */
export async function scanTable(db: Database, source: Source, file: ScannableFile, table: string): Promise<LoadedTable> {
  if (file.kind !== 'csv') return loadTable(db, source, file, table);
  const view = `${table}_file`;
  try {
    // DuckDB sniffs a file's dialect each time a query binds read_csv (and each view over it): sniffed once here, the
    // view reads with the very options the sniffer found (its Prompt), as read_csv would have on its own.
    const [sniffed] = await db.all<{ prompt: string; columns: Array<{ name: string }> }>(
      `SELECT Prompt AS prompt, Columns AS columns FROM sniff_csv(${DUCKDB.string(file.path)}, header = true, all_varchar = true)`);
    const reader = /^FROM (read_csv\(.*\));?\s*$/s.exec(sniffed?.prompt ?? '')?.[1];
    await db.run(`CREATE OR REPLACE VIEW ${view} AS SELECT * FROM ${reader ?? `read_csv(${DUCKDB.string(file.path)}, header = true, all_varchar = true)`}`);
    const columns = reader ? sniffed!.columns.map((c) => c.name) : (await db.all<{ column_name: string }>(`DESCRIBE ${view}`)).map((c) => c.column_name);
    return { source, file, table: view, rec: '0', scanned: true, columns, parsed: 0, malformed: [], delimiter: ',' };
  } catch {
    return loadTable(db, source, file, table);
  }
}

/** Finds a configured column in the header, case-insensitively; a missing one stops the run naming file, column and key. */
export function requireColumn(loaded: LoadedTable, configKey: string, name: string): string {
  const found = findColumn(loaded, name);
  if (found === undefined) {
    throw new InputError(`${loaded.file.label}: required column '${name}' is missing (${configKey}); ${headerDescription(loaded.columns)}`);
  }
  return found;
}

/**
 * The header's column names, when they look like one. A file with a single "column" is not a CSV with a header
 * (or its delimiter is unusual), and its first line may be anything, so it is not echoed.
 */
function headerDescription(columns: readonly string[]): string {
  if (columns.length <= 1) {
    return 'the file has no header row with separated column names: it is not a CSV file, or its delimiter is not one of , ; | or tab';
  }
  const shown = columns.slice(0, 40).map((c) => (c.length > 40 ? `${c.slice(0, 40)}…` : c));
  return `the file has: ${shown.join(', ')}${columns.length > 40 ? `, … (${columns.length} columns)` : ''}`;
}

export function findColumn(loaded: LoadedTable, name: string): string | undefined {
  return loaded.columns.find((c) => c.toLowerCase() === name.toLowerCase());
}

/** `coalesce(trim("Column"), '')`, or '' when the column is not mapped. */
export function textOf(sql: SqlDialect, column: string | undefined): string {
  return column === undefined ? `''` : `coalesce(${sql.trim(sql.ident(column))}, '')`;
}

/**
 * Turns record positions (rowid among parsed records) into file lines. DuckDB numbers lines by record with the
 * header as line 1, and malformed records take their line without a row, so they are stepped over.
 */
export function lineNumberer(loaded: LoadedTable): (rowid: number) => number {
  if (loaded.file.kind !== 'csv') return (rowid) => rowid + 1;
  const skipped = loaded.malformed.map((r) => r.line);
  return (rowid) => {
    let line = rowid + 2;
    for (const malformedLine of skipped) {
      if (malformedLine <= line) line += 1;
      else break;
    }
    return line;
  };
}

/** The original record, written back with the file's own delimiter and quoting. */
export function rawRecord(values: readonly unknown[], delimiter: string): string {
  return stringify([values.map((v) => (v === null || v === undefined ? '' : String(v)))], { delimiter, record_delimiter: '' });
}

/**
 * DuckDB's reason for refusing a file, without what would echo the file (its "Original Line"), the reader options
 * it lists after the reason, and its line number, which its sniffer reports as 1 wherever the line is:
 * "Maximum line size of 2000000 bytes exceeded. Actual Size:3000003 bytes.".
 */
export function readerReason(error: unknown): string {
  const lines = String((error as Error)?.message ?? error).split('\n');
  const kept: string[] = [];
  for (const line of lines) {
    if (line.trim() === '' && kept.length > 0) break;
    if (/^\s*(Original Line|LINE \d+:|Possible Solution)/i.test(line)) continue;
    kept.push(line.trim());
  }
  return kept.join(' ').replace(/^[A-Za-z ]*Error: /, '').replace(/^CSV Error on Line: \d+/, '').replace(/\s+/g, ' ').trim();
}
