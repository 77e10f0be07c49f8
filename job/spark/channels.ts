/**
 * How the job reaches its Spark driver (driver.py): one JSON request at a time, one JSON answer back.
 * - `SubmitChannel`: spark-submit starts the driver here (client mode, any master); it listens on 127.0.0.1 for this
 *   job alone (a random token proves the caller).
 * - `LivyChannel`: a Livy session (a Synapse Spark pool, Fabric, or any Livy server): the driver's code is the session's
 *   first statement and each request one more statement, its answer the statement's output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { DRIVER, driverEnvironment, projectPath, sessionConf, sparkCommand, type SparkSettings } from './environment.js';

/** What Spark's reader and statements said, for the job's error (the first line names the failed stage). */
export class SparkError extends Error {}

export interface Channel {
  /** The Spark version the driver runs on. */
  readonly version: string;
  /** Sends one request and returns its answer's JSON text. */
  send(request: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
  kill(): void;
}

export class SubmitChannel implements Channel {
  private constructor(private readonly process: ChildProcess, private readonly socket: Socket,
    private readonly answers: AsyncIterator<string>, readonly version: string, private readonly log: string[]) {}

  static async start(settings: SparkSettings): Promise<SubmitChannel> {
    const command = sparkCommand(settings);
    const token = randomBytes(24).toString('hex');
    const child = spawn(command.file, command.args, {
      env: { ...driverEnvironment(process.env), ...command.env, IBAL_SPARK_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'],
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
      child.once('error', (error) => {
        clearTimeout(timer);
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? ' (no spark-submit there: set SPARK_HOME or spark.submit, or run `node tools/spark-env.mjs` for the project\'s own Spark; Java 17 is needed too)' : '';
        reject(new SparkError(`cannot run ${command.describe}: ${error.message}${missing}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new SparkError(`Spark stopped before it was ready (exit ${code}, ${command.describe}): ${failureIn(log)}`));
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const match = /^IBAL_SPARK_READY (\d+) (\S+)/.exec(line);
        if (match) { clearTimeout(timer); resolvePort({ port: Number(match[1]), version: match[2]! }); } else keep(line);
      });
    }).catch((error: unknown) => {
      child.kill('SIGTERM'); // a driver that never became ready is not left behind
      throw error;
    });
    const socket = createConnection({ host: '127.0.0.1', port: ready.port });
    await new Promise<void>((resolveConnect, reject) => { socket.once('connect', resolveConnect); socket.once('error', reject); })
      .catch((error: unknown) => { child.kill('SIGTERM'); throw error; });
    socket.write(`${token}\n`);
    child.removeAllListeners('exit');
    return new SubmitChannel(child, socket, createInterface({ input: socket })[Symbol.asyncIterator](), ready.version, log);
  }

  async send(request: Record<string, unknown>): Promise<string> {
    this.socket.write(`${JSON.stringify(request)}\n`);
    const line = await this.answers.next();
    if (line.done) throw new SparkError(`Spark stopped: ${failureIn(this.log)}`);
    return line.value;
  }

  async close(): Promise<void> {
    if (!this.socket.destroyed) this.socket.end(`${JSON.stringify({ op: 'stop' })}\n`);
    const exited = new Promise<void>((resolveExit) => {
      if (this.process.exitCode !== null) resolveExit();
      else this.process.once('exit', () => resolveExit());
    });
    const timer = setTimeout(() => this.process.kill('SIGTERM'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.socket.destroy();
    this.process.kill('SIGTERM');
  }
}

/** Livy's session and statement, as its REST API (and Synapse's `livyApi`) returns them; only what the job reads. */
const LivySession = z.object({ id: z.number().int(), state: z.string() }).passthrough();
const LivyStatement = z.object({
  id: z.number().int(),
  state: z.string(),
  output: z.object({
    status: z.string(),
    data: z.record(z.string(), z.unknown()).optional(),
    ename: z.string().optional(),
    evalue: z.string().optional(),
  }).nullish(),
}).passthrough();

export interface LivySettings {
  /** The Livy root the sessions live under, e.g. https://<workspace>.dev.azuresynapse.net/livyApi/versions/2019-11-01-preview/sparkPools/<pool>. */
  url: string;
  /** A bearer token for it (Microsoft Entra for Synapse and Fabric). */
  token: () => Promise<string>;
  /** Spark properties for the session. */
  conf: Record<string, string>;
  startSeconds: number;
  /** The longest wait between looks at a session or statement (default 1 s). */
  pollMs?: number | undefined;
}

const FINISHED_SESSION = new Set(['error', 'dead', 'killed', 'success', 'shutting_down']);

export class LivyChannel implements Channel {
  version = '';

  private constructor(private readonly settings: LivySettings, readonly sessionUrl: string) {}

  static async start(settings: LivySettings): Promise<LivyChannel> {
    const root = settings.url.replace(/\/+$/, '');
    const created = LivySession.parse(await livyCall(settings, 'POST', `${root}/sessions`,
      { kind: 'pyspark', name: 'ibal reconcile', conf: sessionConf(settings.conf) }));
    const channel = new LivyChannel(settings, `${root}/sessions/${created.id}`);
    try {
      const until = Date.now() + settings.startSeconds * 1000;
      for (let state = created.state; state !== 'idle'; state = LivySession.parse(await livyCall(settings, 'GET', channel.sessionUrl)).state) {
        if (FINISHED_SESSION.has(state)) throw new SparkError(`the Livy session ${created.id} ended while starting (${state})`);
        if (Date.now() > until) throw new SparkError(`the Livy session ${created.id} did not start within ${settings.startSeconds} s (${state})`);
        await sleep(settings.pollMs ?? 1000);
      }
      // The driver's functions, defined in the session; its socket loop does not run there.
      await channel.statement(`IBAL_LIVY = True\n${readFileSync(projectPath(...DRIVER), 'utf8')}`);
      channel.version = (await channel.statement('print(SparkSession.builder.getOrCreate().version)')).trim();
      return channel;
    } catch (error) {
      await channel.close(); // a session that did not start is not left to run (and bill) until its idle timeout
      throw error;
    }
  }

  /** Runs code in the session and returns what it printed. */
  private async statement(code: string): Promise<string> {
    const posted = LivyStatement.parse(await livyCall(this.settings, 'POST', `${this.sessionUrl}/statements`, { code, kind: 'pyspark' }));
    let statement = posted;
    // Most statements take well under a second: look again soon, then less and less often.
    for (let wait = 25; statement.state !== 'available' && statement.state !== 'error' && statement.state !== 'cancelled'; wait = Math.min(wait * 2, this.settings.pollMs ?? 1000)) {
      await sleep(wait);
      statement = LivyStatement.parse(await livyCall(this.settings, 'GET', `${this.sessionUrl}/statements/${posted.id}`));
    }
    const output = statement.output;
    if (statement.state !== 'available' || !output || output.status !== 'ok') {
      throw new SparkError(`the Livy statement failed: ${`${output?.ename ?? statement.state}: ${output?.evalue ?? ''}`.trim()}`);
    }
    return String(output.data?.['text/plain'] ?? '');
  }

  async send(request: Record<string, unknown>): Promise<string> {
    const printed = await this.statement(`ibal_livy('${Buffer.from(JSON.stringify(request)).toString('base64')}')`);
    const line = printed.trim().split('\n').pop();
    if (!line) throw new SparkError('the Livy statement printed no answer');
    return line;
  }

  async close(): Promise<void> {
    await livyCall(this.settings, 'DELETE', this.sessionUrl).catch(() => undefined);
  }

  kill(): void {
    void this.close();
  }
}

async function livyCall(settings: LivySettings, method: string, url: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method, headers: { Authorization: `Bearer ${await settings.token()}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new SparkError(`Livy answered ${method} ${new URL(url).pathname} with ${response.status}: ${text.slice(0, 300)}`);
  return text === '' ? {} : JSON.parse(text) as unknown;
}

/** The line of Spark's log that says what went wrong, or its last line. */
function failureIn(log: readonly string[]): string {
  const error = [...log].reverse().find((line) => /error|exception|not found|cannot/i.test(line));
  return (error ?? log.at(-1) ?? 'no output').trim().slice(0, 400);
}
