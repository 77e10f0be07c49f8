/**
 * The job's one DuckDB session: in memory, spilling to a temp folder, with the history store attached.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';

export type Row = Record<string, unknown>;

/** IBAL_TRACE_SQL=1 prints each statement's time on stderr, for tuning a large run. */
export type Params = DuckDBValue[] | Record<string, DuckDBValue>;

export class Database {
  private constructor(private readonly instance: DuckDBInstance, readonly connection: DuckDBConnection) {}

  static async open(options: { tempDirectory: string; memoryLimit?: string }): Promise<Database> {
    const instance = await DuckDBInstance.create(':memory:', {
      temp_directory: options.tempDirectory,
      ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}),
    });
    return new Database(instance, await instance.connect());
  }

  async run(sql: string, params?: Params): Promise<void> {
    const t = performance.now();
    await this.connection.run(sql, params);
    if (process.env.IBAL_TRACE_SQL) process.stderr.write(`  ${(performance.now() - t).toFixed(0)} ms  ${sql.replace(/\s+/g, ' ').slice(0, 100)}\n`);
  }

  /** Rows as plain objects; BIGINT and HUGEINT come back as numbers (counts here never pass 2^53). */
  async all<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    const t = performance.now();
    const reader = await this.connection.runAndReadAll(sql, params);
    if (process.env.IBAL_TRACE_SQL) process.stderr.write(`  ${(performance.now() - t).toFixed(0)} ms  ${sql.replace(/\s+/g, ' ').slice(0, 100)}\n`);
    return reader.getRowObjectsJS().map((row) => numbersFromBigInts(row) as T);
  }

  async one<T extends Row = Row>(sql: string, params?: Params): Promise<T> {
    const [row] = await this.all<T>(sql, params);
    if (!row) throw new Error(`query returned no row: ${sql}`);
    return row;
  }

  /** A result as arrays by column, the fastest way out of DuckDB for many rows (an empty result has empty arrays). */
  async columns(sql: string, params?: Params): Promise<Record<string, unknown[]>> {
    const reader = await this.connection.runAndReadAll(sql, params);
    const names = reader.columnNames();
    const columns = reader.getColumnsJS();
    return Object.fromEntries(names.map((name, i) => [name, (columns[i] ?? []).map((v) => (typeof v === 'bigint' ? Number(v) : v))]));
  }

  /** Streams rows as arrays, in select-list order (for results whose column names may clash). */
  async *streamRows(sql: string, params?: Params): AsyncGenerator<unknown[][]> {
    const result = await this.connection.stream(sql, params);
    for await (const rows of result.yieldRowsJs()) yield rows.map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
  }

  /** Bulk-loads rows into an existing table through DuckDB's appender. */
  async append(table: string, rows: Iterable<readonly (string | number | null)[]>): Promise<void> {
    const appender = await this.connection.createAppender(table);
    for (const row of rows) {
      for (const value of row) {
        if (value === null) appender.appendNull();
        else if (typeof value === 'number') appender.appendDouble(value);
        else appender.appendVarchar(value);
      }
      appender.endRow();
    }
    appender.closeSync();
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function numbersFromBigInts(row: Record<string, unknown>): Row {
  for (const [key, value] of Object.entries(row)) if (typeof value === 'bigint') row[key] = Number(value);
  return row;
}

/** A quoted SQL identifier; column names come from file headers and may hold anything. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
