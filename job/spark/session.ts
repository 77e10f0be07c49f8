/**
 * The compare's set work on Apache Spark: a Session (job/db.ts) whose statements run in a PySpark driver
 * (driver.py), started by spark-submit against the configured master or living in a Livy session
 * (job/spark/channels.ts). The builders' SQL is the same as on DuckDB, in the Spark dialect; what crosses between
 * the job and Spark crosses as Parquet in the exchange folder: results, the rows the job appends, the history
 * relations it hands over.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Reject, Source } from '../../core/run.js';
import { DUCKDB, SPARK } from '../compare/dialect.js';
import type { Database, Row, Session } from '../db.js';
import { InputError } from '../errors.js';
import type { LoadedTable } from '../load.js';
import type { ScannableFile } from '../sources.js';
import { confidentialClient, clientCredentialsToken } from '../entra.js';
import { LivyChannel, SparkError, SubmitChannel, type Channel } from './channels.js';
import type { SparkSettings } from './environment.js';

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

/** Where the Parquet that crosses between the job and Spark lives: as Spark names it, and as this machine reads it. */
export interface Exchange { spark: string; local: string }

export class SparkSession implements Session {
  readonly dialect = SPARK;
  /** What the job is doing, named on a failure (set by the job as it moves through its phases). */
  phase = 'starting Spark';
  private readonly schemas = new Map<string, Array<[string, string]>>();
  private exchanged = 0;
  private pending: Promise<unknown> = Promise.resolve();

  /**
   * @param local the job's DuckDB session, which reads results back and writes what is handed to Spark
   * @param exchange a folder both the job and Spark's executors see (local on one machine)
   */
  constructor(private readonly channel: Channel, private local: Database, private readonly exchange: Exchange) {
    mkdirSync(exchange.local, { recursive: true });
    // The compare's SQL needs Spark 3.4 or later (GROUP BY ALL, split_part, min_by).
    const [major = 0, minor = 0] = channel.version.split('.').map(Number);
    if (major < 3 || (major === 3 && minor < 4)) {
      channel.kill();
      throw new SparkError(`Spark ${channel.version} is too old for the compare: it needs Spark 3.4 or later (Synapse and Fabric run 3.4 and 3.5)`);
    }
  }

  /** Starts the driver with spark-submit (client mode, any master). */
  static async submit(settings: SparkSettings, local: Database, exchange: Exchange): Promise<SparkSession> {
    return new SparkSession(await SubmitChannel.start(settings), local, exchange);
  }

  get version(): string {
    return this.channel.version;
  }

  /** The run's DuckDB session, which reads results back and holds what is handed over (a shared driver serves runs in turn). */
  useLocal(local: Database): void {
    this.local = local;
  }

  /** A file of the exchange, as Spark names it and as this machine reads it. */
  private exchangePath(name: string): { spark: string; local: string } {
    return { spark: `${this.exchange.spark.replace(/\/+$/, '')}/${name}`, local: join(this.exchange.local, name) };
  }

  /** One request at a time, answered in order. */
  private request(body: Record<string, unknown>): Promise<Answer> {
    const next = this.pending.then(async () => {
      let text: string;
      try {
        text = await this.channel.send({ ...body, phase: this.phase });
      } catch (error) {
        throw new SparkError(`Spark stopped while ${this.phase}: ${(error as Error).message}`);
      }
      let answer: Answer;
      try {
        answer = Answer.parse(JSON.parse(text));
      } catch {
        throw new SparkError(`Spark's driver answered what is not an answer while ${this.phase}: ${text.slice(0, 200)}`);
      }
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
        return [match[1]!, type === 'INTEGER' ? 'BIGINT' : type] as [string, string];
      });
      this.schemas.set(empty[1]!, columns);
      await this.request({ op: 'empty', name: empty[1], columns });
      return;
    }
    throw new SparkError(`a statement the Spark session does not take: ${statement.slice(0, 80)}`);
  }

  /** A query's result, written by Spark as Parquet and read back here. */
  private async result(query: string): Promise<string> {
    const path = this.exchangePath(`result-${(this.exchanged += 1)}`);
    await this.request({ op: 'query', query, path: path.spark });
    return `read_parquet(${DUCKDB.string(join(path.local, '*.parquet'))})`;
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
      const path = this.exchangePath(`${staging}.parquet`);
      await this.local.run(`COPY ${staging} TO ${DUCKDB.string(path.local)} (FORMAT parquet)`);
      await this.request({ op: 'parquet', name: table, path: path.spark, union: true });
    } finally {
      await this.local.run(`DROP TABLE IF EXISTS ${staging}`);
    }
  }

  /** A relation of the job's DuckDB (the history's previous keys) as a Spark table of the same name. */
  async handOver(relation: string, name: string): Promise<string> {
    const path = this.exchangePath(`${name}-${(this.exchanged += 1)}.parquet`);
    await this.local.run(`COPY (SELECT * FROM ${relation}) TO ${DUCKDB.string(path.local)} (FORMAT parquet)`);
    await this.request({ op: 'parquet', name, path: path.spark });
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
    await this.channel.close();
  }

  /** Stops Spark at once (the job was interrupted or failed before it could close the session). */
  kill(): void {
    this.channel.kill();
  }
}

export interface SparkOptions extends SparkSettings {
  exchange: Exchange;
  livy?: { url: string; scope: string; loginUrl?: string | undefined } | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

/** A session on the configured Spark: a Livy session when `livy` is given, else a driver started by spark-submit. */
export async function openSpark(options: SparkOptions, local: Database): Promise<SparkSession> {
  if (!options.livy) return SparkSession.submit(options, local, options.exchange);
  const env = options.env ?? process.env;
  const missing = ['IBAL_TENANT_ID', 'IBAL_CLIENT_ID', 'IBAL_CLIENT_SECRET'].filter((name) => !env[name]);
  if (missing.length > 0) throw new InputError(`spark.livy: ${options.livy.url} needs the app registration in ${missing.join(', ')} (client credentials)`);
  const app = confidentialClient({ tenantId: env.IBAL_TENANT_ID!, clientId: env.IBAL_CLIENT_ID!, clientSecret: env.IBAL_CLIENT_SECRET!,
    loginUrl: options.livy.loginUrl }, 'spark.livy.loginUrl');
  const channel = await LivyChannel.start({ url: options.livy.url, token: clientCredentialsToken(app, options.livy.scope),
    conf: options.conf, startSeconds: options.startSeconds });
  return new SparkSession(channel, local, options.exchange);
}
