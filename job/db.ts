/**
 * The job's one DuckDB session: in memory, spilling to a temp folder, with the history store attached.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { DUCKDB, type SqlDialect } from './compare/dialect.js';

export type Row = Record<string, unknown>;

/** IBAL_TRACE_SQL=1 prints each statement's time on stderr, for tuning a large run. */
export type Params = DuckDBValue[] | Record<string, DuckDBValue>;

/**
 * Where the compare's set work runs: this DuckDB session on one machine, or the customer's Spark (job/spark/).
 * Statements are the builders' SQL in the session's dialect; `CREATE [OR REPLACE] [TEMP] TABLE|VIEW` and
 * `CREATE TABLE name (column TYPE, …)` filled by `append` are what every session takes.
 */
export interface Session {
  readonly dialect: SqlDialect;
  run(sql: string): Promise<void>;
  all<T extends Row = Row>(sql: string): Promise<T[]>;
  one<T extends Row = Row>(sql: string): Promise<T>;
  /** A one-row query that may run beside other work. */
  oneAside<T extends Row = Row>(sql: string): Promise<T>;
  columns(sql: string): Promise<Record<string, unknown[]>>;
  streamRows(sql: string): AsyncGenerator<unknown[][]>;
  append(table: string, rows: Iterable<readonly (string | number | null)[]>): Promise<void>;
  withJoinSidesAsWritten<T>(work: () => Promise<T>): Promise<T>;
}

export class Database implements Session {
  readonly dialect = DUCKDB;
  private aside: DuckDBConnection | undefined;
  private streaming: DuckDBConnection | undefined;
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

  /**
   * Runs statements with each hash join built on the side the SQL puts on the right. A file read straight from disk
   * has no row count, so DuckDB may build its hash table on the million-line file instead of the small mapping table
   * joined to it (measured: 1.15 s against 0.72 s for the WMS file at 1M lines). Only for statements written that way.
   */
  async withJoinSidesAsWritten<T>(work: () => Promise<T>): Promise<T> {
    await this.connection.run(`SET disabled_optimizers = 'build_side_probe_side'`);
    try {
      return await work();
    } finally {
      await this.connection.run('RESET disabled_optimizers');
    }
  }

  /** Rows as plain objects; BIGINT and HUGEINT come back as numbers (counts here never pass 2^53). */
  async all<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    const t = performance.now();
    const reader = await this.connection.runAndReadAll(sql, params);
    if (process.env.IBAL_TRACE_SQL) process.stderr.write(`  ${(performance.now() - t).toFixed(0)} ms  ${sql.replace(/\s+/g, ' ').slice(0, 100)}\n`);
    return reader.getRowObjectsJS().map((row) => numbersFromBigInts(row) as T);
  }

  /**
   * A one-row query on a second connection, so it runs while this one (or the JavaScript waiting on it) does other
   * work: the compare counts its keys while the candidates are classified, keeping a core busy that would idle.
   */
  async oneAside<T extends Row = Row>(sql: string): Promise<T> {
    this.aside ??= await this.instance.connect();
    const reader = await this.aside.runAndReadAll(sql);
    const [row] = reader.getRowObjectsJS().map((r) => numbersFromBigInts(r) as T);
    if (!row) throw new Error(`query returned no row: ${sql}`);
    return row;
  }

  async one<T extends Row = Row>(sql: string, params?: Params): Promise<T> {
    const [row] = await this.all<T>(sql, params);
    if (!row) throw new Error(`query returned no row: ${sql}`);
    return row;
  }

  /** A result as arrays by column, the fastest way out of DuckDB for many rows (an empty result has empty arrays). */
  async columns(sql: string, params?: Params): Promise<Record<string, unknown[]>> {
    const t = performance.now();
    const reader = await this.connection.runAndReadAll(sql, params);
    if (process.env.IBAL_TRACE_SQL) process.stderr.write(`  ${(performance.now() - t).toFixed(0)} ms  ${sql.replace(/\s+/g, ' ').slice(0, 100)}\n`);
    const names = reader.columnNames();
    const columns = reader.getColumnsJS();
    return Object.fromEntries(names.map((name, i) => [name, (columns[i] ?? []).map((v) => (typeof v === 'bigint' ? Number(v) : v))]));
  }

  /**
   * Streams rows as arrays, in select-list order (for results whose column names may clash), on a connection of their
   * own: a new statement on a connection ends the result it was streaming, and the rejects writer appends while it
   * reads (before, rejects.csv stopped after the first 2,048 rejected lines of a file).
   */
  async *streamRows(sql: string, params?: Params): AsyncGenerator<unknown[][]> {
    this.streaming ??= await this.instance.connect();
    const result = await this.streaming.stream(sql, params);
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
    this.aside?.closeSync();
    this.streaming?.closeSync();
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function numbersFromBigInts(row: Record<string, unknown>): Row {
  for (const [key, value] of Object.entries(row)) if (typeof value === 'bigint') row[key] = Number(value);
  return row;
}
