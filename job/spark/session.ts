/**
 * The compare's set work on Apache Spark: a Session (job/db.ts) whose statements run in a PySpark driver
 * (driver.py) started with spark-submit against the configured master. The builders' SQL is the same as on
 * DuckDB, in the Spark dialect; what crosses between the job and Spark crosses as Parquet in the exchange folder:
 * results, the rows the job appends, the history relations it hands over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { z } from 'zod';
import type { Reject, Source } from '../../core/run.js';
import { SPARK } from '../compare/dialect.js';
import { sqlString } from '../compare/line-checks.js';
import type { Database, Row, Session } from '../db.js';
import { InputError } from '../errors.js';
import type { LoadedTable } from '../load.js';
import type { ScannableFile } from '../sources.js';
import { sparkCommand, type SparkSettings } from './environment.js';

const Answer = z.object({
  ok: z.boolean(),
  error: z.string().optional(),
  kind: z.enum(['input', 'spark']).optional(),
  detail: z.string().optional(),
}).passthrough();
type Answer = z.infer<typeof Answer>;

const Loaded = z.object({
  columns: z.array(z.string()),
  parsed: z.number().int().nonnegative(),
  malformed: z.array(z.object({ line: z.number().int(), raw: z.string(), reason: z.string() })),
  delimiter: z.string(),
});

const CREATE_AS = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\s+|TEMPORARY\s+)?(TABLE|VIEW)\s+(\w+)\s+AS\s+([\s\S]+)$/i;
const CREATE_EMPTY = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\s+|TEMPORARY\s+)?TABLE\s+(\w+)\s*\(([\s\S]+)\)\s*$/i;
const COLUMN = /^\s*(\w+)\s+(VARCHAR|DOUBLE|BIGINT|INTEGER|BOOLEAN)\s*$/i;

/** What Spark's reader and statements said, for the job's error (the first line names the failed stage). */
export class SparkError extends Error {}

export class SparkSession implements Session {
  readonly dialect = SPARK;
  /** What the job is doing, named on a failure (set by the job as it moves through its phases). */
  phase = 'starting Spark';
  private readonly schemas = new Map<string, Array<[string, string]>>();
  private exchanged = 0;
  private pending: Promise<unknown> = Promise.resolve();

  private constructor(private readonly process: ChildProcess, private readonly socket: Socket,
    private readonly answers: AsyncIterator<string>, private local: Database,
    private readonly exchange: string, readonly version: string, private readonly log: string[]) {}

  /**
   * Starts the driver with spark-submit and connects to it.
   * @param local the job's DuckDB session, which reads results back and writes what is handed to Spark
   * @param exchange a folder both the job and Spark's executors see (local on one machine)
   */
  static async start(settings: SparkSettings, local: Database, exchange: string): Promise<SparkSession> {
    mkdirSync(exchange, { recursive: true });
    const command = sparkCommand(settings);
    const token = randomBytes(24).toString('hex');
    const child = spawn(command.file, command.args, {
      env: { ...process.env, ...command.env, IBAL_SPARK_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log: string[] = [];
    const keep = (line: string) => {
      log.push(line);
      if (log.length > 40) log.shift();
      if (settings.echoLog) process.stderr.write(`  spark: ${line}\n`);
    };
    createInterface({ input: child.stderr! }).on('line', keep);
    const ready = await new Promise<{ port: number; version: string }>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new SparkError(`Spark did not start within ${settings.startSeconds} s (${command.describe})`)),
        settings.startSeconds * 1000);
      child.once('error', (error) => { clearTimeout(timer); reject(new SparkError(`cannot run ${command.describe}: ${error.message}`)); });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new SparkError(`Spark stopped before it was ready (exit ${code}, ${command.describe}): ${lastError(log)}`));
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const match = /^IBAL_SPARK_READY (\d+) (\S+)/.exec(line);
        if (match) { clearTimeout(timer); resolvePort({ port: Number(match[1]), version: match[2]! }); } else keep(line);
      });
    });
    const socket = createConnection({ host: '127.0.0.1', port: ready.port });
    await new Promise<void>((resolveConnect, reject) => { socket.once('connect', resolveConnect); socket.once('error', reject); });
    socket.write(`${token}\n`);
    const answers = createInterface({ input: socket })[Symbol.asyncIterator]();
    child.removeAllListeners('exit');
    return new SparkSession(child, socket, answers, local, exchange, ready.version, log);
  }

  /** The run's DuckDB session, which reads results back and holds what is handed over (a shared driver serves runs in turn). */
  useLocal(local: Database): void {
    this.local = local;
  }

  /** One request at a time, answered in order. */
  private request(body: Record<string, unknown>): Promise<Answer> {
    const next = this.pending.then(async () => {
      this.socket.write(`${JSON.stringify({ ...body, phase: this.phase })}\n`);
      const line = await this.answers.next();
      if (line.done) throw new SparkError(`Spark stopped while ${this.phase}: ${lastError(this.log)}`);
      const answer = Answer.parse(JSON.parse(line.value));
      if (!answer.ok) {
        if (answer.kind === 'input') throw new InputError(answer.error ?? 'Spark could not read the input');
        throw new SparkError(`Spark failed while ${this.phase}: ${answer.error}`);
      }
      return answer;
    });
    this.pending = next.catch(() => undefined);
    return next;
  }

  async run(statement: string): Promise<void> {
    const created = CREATE_AS.exec(statement);
    if (created) {
      await this.request({ op: 'table', name: created[2], query: created[3], cache: created[1]!.toUpperCase() === 'TABLE' });
      return;
    }
    const empty = CREATE_EMPTY.exec(statement);
    if (empty) {
      const columns = empty[2]!.split(',').map((column) => {
        const match = COLUMN.exec(column);
        if (!match) throw new SparkError(`a table column Spark is not given here: ${column.trim()}`);
        const type = match[2]!.toUpperCase();
        return [match[1]!, type === 'VARCHAR' ? 'VARCHAR' : type === 'INTEGER' ? 'BIGINT' : type] as [string, string];
      });
      this.schemas.set(empty[1]!, columns);
      await this.request({ op: 'empty', name: empty[1], columns });
      return;
    }
    throw new SparkError(`a statement the Spark session does not take: ${statement.slice(0, 80)}`);
  }

  /** A query's result, written by Spark as Parquet and read back here. */
  private async result(query: string): Promise<string> {
    const path = join(this.exchange, `result-${(this.exchanged += 1)}`);
    await this.request({ op: 'query', query, path });
    return `read_parquet(${sqlString(join(path, '*.parquet'))})`;
  }

  async all<T extends Row = Row>(query: string): Promise<T[]> {
    return this.local.all<T>(`SELECT * FROM ${await this.result(query)}`);
  }

  async one<T extends Row = Row>(query: string): Promise<T> {
    const [row] = await this.all<T>(query);
    if (!row) throw new Error(`query returned no row: ${query}`);
    return row;
  }

  oneAside<T extends Row = Row>(query: string): Promise<T> {
    return this.one<T>(query);
  }

  async columns(query: string): Promise<Record<string, unknown[]>> {
    return this.local.columns(`SELECT * FROM ${await this.result(query)}`);
  }

  async *streamRows(query: string): AsyncGenerator<unknown[][]> {
    yield* this.local.streamRows(`SELECT * FROM ${await this.result(query)}`);
  }

  /** Rows written as Parquet by the job's DuckDB and added to the Spark table. */
  async append(table: string, rows: Iterable<readonly (string | number | null)[]>): Promise<void> {
    const columns = this.schemas.get(table);
    if (!columns) throw new SparkError(`append to ${table}, which was not created with its columns`);
    const staging = `spark_append_${(this.exchanged += 1)}`;
    await this.local.run(`CREATE TEMP TABLE ${staging} (${columns.map(([name, type]) => `${name} ${type}`).join(', ')})`);
    try {
      await this.local.append(staging, rows);
      const path = join(this.exchange, `${staging}.parquet`);
      await this.local.run(`COPY ${staging} TO ${sqlString(path)} (FORMAT parquet)`);
      await this.request({ op: 'parquet', name: table, path, union: true });
    } finally {
      await this.local.run(`DROP TABLE IF EXISTS ${staging}`);
    }
  }

  /** A relation of the job's DuckDB (the history's previous keys) as a Spark table of the same name. */
  async handOver(relation: string, name: string): Promise<string> {
    const path = join(this.exchange, `${name}-${(this.exchanged += 1)}.parquet`);
    await this.local.run(`COPY (SELECT * FROM ${relation}) TO ${sqlString(path)} (FORMAT parquet)`);
    await this.request({ op: 'parquet', name, path });
    return name;
  }

  withJoinSidesAsWritten<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  /** A file read by Spark into a table of text columns, each record numbered (`__rec`) in file order. */
  async load(source: Source, file: ScannableFile, table: string, inventDim?: ScannableFile): Promise<LoadedTable> {
    let loaded: z.infer<typeof Loaded>;
    const kind = file.kind;
    try {
      loaded = Loaded.parse(await this.request(inventDim
        ? { op: 'load', name: table, kind: 'inventsum', path: file.path, sumKind: kind, dimPath: inventDim.path, dimKind: inventDim.kind }
        : { op: 'load', name: table, path: file.path, kind }));
    } catch (error) {
      if (error instanceof InputError) {
        const what = inventDim ? `D365's INVENTSUM and INVENTDIM (${inventDim.label})` : kind === 'csv' ? 'CSV' : kind === 'delta' ? 'Delta' : 'Parquet';
        throw new InputError(`${file.label}: cannot be read as ${what} by Spark (${error.message}) (${source})`);
      }
      throw error;
    }
    const malformed: Reject[] = loaded.malformed.map((m) => ({ source, file: file.label, line: m.line, raw: m.raw, reason: m.reason }));
    return { source, file, table, rec: '__rec', scanned: false, columns: loaded.columns, parsed: loaded.parsed, malformed, delimiter: loaded.delimiter };
  }

  async close(): Promise<void> {
    await this.pending;
    if (!this.socket.destroyed) this.socket.end(`${JSON.stringify({ op: 'stop' })}\n`);
    const exited = new Promise<void>((resolveExit) => {
      if (this.process.exitCode !== null) resolveExit();
      else this.process.once('exit', () => resolveExit());
    });
    const timer = setTimeout(() => this.process.kill('SIGTERM'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops Spark at once (the job was interrupted or failed before it could close the session). */
  kill(): void {
    this.socket.destroy();
    this.process.kill('SIGTERM');
  }
}

/** The line of Spark's log that says what went wrong, or its last line. */
function lastError(log: readonly string[]): string {
  const error = [...log].reverse().find((line) => /error|exception|not found|cannot/i.test(line));
  return (error ?? log.at(-1) ?? 'no output').trim().slice(0, 400);
}
