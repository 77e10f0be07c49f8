/**
 * A stand-in for a Synapse Spark pool's Livy API on 127.0.0.1, in Livy's wire shapes as Synapse documents them
 * (`{endpoint}/livyApi/versions/{livyApiVersion}/sparkPools/{sparkPoolName}/sessions…`): create a session, read its
 * state, run statements and read their output, delete it. Each session is a real local PySpark interpreter
 * (repl.py). Tokens come from Microsoft Entra's client-credentials endpoint, for the scope
 * `https://dev.azuresynapse.net/.default`. Whatever else is asked is answered 400, 404 or 501.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { projectPath } from '../../job/spark/environment.js';
import { refuseClientCredentials } from '../entra.js';
import { serveOnLoopback, type Listening, type PlainRequest, type PlainResponse } from '../http.js';

export const SYNAPSE_SCOPE = 'https://dev.azuresynapse.net/.default';
const API_VERSIONS = new Set(['2019-11-01-preview', '2020-12-01']);
/** The session fields Synapse's "Create Spark Session" takes. */
const SESSION_FIELDS = new Set(['name', 'kind', 'conf', 'tags', 'artifactId', 'file', 'className', 'args', 'jars', 'pyFiles', 'files', 'archives',
  'driverMemory', 'driverCores', 'executorMemory', 'executorCores', 'numExecutors']);

export interface LivyEmulatorOptions {
  /** The Python that has pyspark (the project's .spark/venv). */
  python: string;
  /** The Spark master each session's interpreter runs on. */
  master: string;
  pool: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

interface Output { status: string; execution_count: number; data?: Record<string, string>; ename?: string; evalue?: string; traceback?: string[] }
interface Statement { id: number; code: string; state: 'waiting' | 'running' | 'available' | 'error'; output: Output | null }
interface LivySession {
  id: number; name: string; state: 'starting' | 'idle' | 'busy' | 'dead' | 'killed';
  process: ChildProcess; statements: Statement[]; queue: Promise<void>; answers: AsyncIterator<string>;
}

const json = (status: number, body: unknown): PlainResponse => ({ status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const problem = (status: number, message: string) => json(status, { code: status === 501 ? 'NotImplemented' : 'BadRequest', message });

export class LivyEmulator {
  private listening: Listening | undefined;
  private readonly tokens = new Set<string>();
  private readonly sessions = new Map<number, LivySession>();
  /** Every interpreter started, deleted sessions' too, so closing waits for each to be gone. */
  private readonly interpreters = new Set<ChildProcess>();
  private nextId = 0;
  readonly stats = { sessionsCreated: 0, statementsRun: 0 };

  constructor(private readonly options: LivyEmulatorOptions) {}

  async start(): Promise<string> {
    this.listening = await serveOnLoopback((request) => this.handle(request));
    return this.listening.origin;
  }

  /** The Livy root a job is configured with: sessions are created under it. */
  poolUrl(version = '2019-11-01-preview'): string {
    return `${this.listening!.origin}/livyApi/versions/${version}/sparkPools/${this.options.pool}`;
  }

  async close(): Promise<void> {
    await Promise.all([...this.interpreters].map((child) => new Promise<void>((gone) => {
      if (child.exitCode !== null || child.signalCode !== null) { gone(); return; }
      child.once('exit', () => gone());
      child.kill('SIGTERM');
    })));
    await this.listening?.close();
  }

  private async handle(request: PlainRequest): Promise<PlainResponse> {
    const url = new URL(request.url, 'http://127.0.0.1');
    if (request.method === 'POST' && url.pathname === `/${this.options.tenantId}/oauth2/v2.0/token`) return this.token(request);
    const route = /^\/livyApi\/versions\/([^/]+)\/sparkPools\/([^/]+)\/sessions(?:\/(\d+)(?:\/(statements)(?:\/(\d+))?)?)?$/.exec(url.pathname);
    if (!route) return problem(404, `No Livy resource at ${url.pathname}`);
    const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer === undefined || !this.tokens.has(bearer)) return json(401, { code: 'Unauthorized', message: 'A valid bearer token for https://dev.azuresynapse.net is required.' });
    const [, version, pool, sessionId, statements, statementId] = route;
    if (!API_VERSIONS.has(version!)) return problem(400, `The livyApiVersion ${version} is not supported.`);
    if (pool !== this.options.pool) return problem(404, `The Spark pool ${pool} does not exist in this workspace.`);
    if (sessionId === undefined) {
      if (request.method === 'POST') return this.createSession(request.body);
      return problem(501, `${request.method} on the session list is not emulated`);
    }
    const session = this.sessions.get(Number(sessionId));
    if (!session) return problem(404, `Session ${sessionId} not found.`);
    if (statements === undefined) {
      if (request.method === 'GET') return json(200, this.describe(session));
      if (request.method === 'DELETE') {
        session.state = 'killed';
        session.process.kill('SIGTERM');
        this.sessions.delete(session.id);
        return json(200, { msg: 'deleted' });
      }
      return problem(501, `${request.method} on a session is not emulated`);
    }
    if (statementId === undefined) {
      if (request.method === 'POST') return this.runStatement(session, request.body);
      if (request.method === 'GET') return json(200, { statements: session.statements, total_statements: session.statements.length });
      return problem(501, `${request.method} on statements is not emulated`);
    }
    const statement = session.statements.find((s) => s.id === Number(statementId));
    if (!statement) return problem(404, `Statement ${statementId} not found.`);
    if (request.method === 'GET') return json(200, statement);
    return problem(501, `${request.method} on a statement is not emulated`);
  }

  private token(request: PlainRequest): PlainResponse {
    const refused = refuseClientCredentials(request, { clientId: this.options.clientId, clientSecret: this.options.clientSecret, scope: SYNAPSE_SCOPE });
    if (refused) return refused;
    const token = `livy-${randomUUID()}`;
    this.tokens.add(token);
    return json(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
  }

  private describe(session: LivySession) {
    return { id: session.id, name: session.name, appId: `app-${session.id}`, state: session.state, kind: 'pyspark', log: [] };
  }

  private createSession(text: string): PlainResponse {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text || '{}') as Record<string, unknown>;
    } catch {
      return problem(400, 'The request body is not valid JSON.');
    }
    const unknown = Object.keys(body).filter((k) => !SESSION_FIELDS.has(k));
    if (unknown.length > 0) return problem(400, `Unknown session fields: ${unknown.join(', ')}`);
    if (typeof body.name !== 'string' || body.name === '') return problem(400, 'The session needs a name.');
    if (body.kind !== undefined && body.kind !== 'pyspark') return problem(501, `Sessions of kind ${String(body.kind)} are not emulated (pyspark only).`);
    for (const field of ['file', 'className', 'jars', 'pyFiles', 'files', 'archives', 'artifactId']) {
      if (body[field] !== undefined) return problem(501, `The session field ${field} is not emulated.`);
    }
    const id = this.nextId++;
    const child = spawn(this.options.python, [projectPath('sandbox', 'livy', 'repl.py'), this.options.master, body.name], { stdio: ['pipe', 'pipe', 'ignore'] });
    const marked = (async function* lines() {
      for await (const line of createInterface({ input: child.stdout! })) if (line.startsWith('IBAL_LIVY_REPL ')) yield line.slice('IBAL_LIVY_REPL '.length);
    })();
    const session: LivySession = { id, name: body.name, state: 'starting', process: child, statements: [], queue: Promise.resolve(), answers: marked };
    this.interpreters.add(child);
    child.once('exit', () => { if (session.state !== 'killed') session.state = 'dead'; });
    session.queue = (async () => {
      const ready = await marked.next();
      if (!ready.done && session.state === 'starting') session.state = 'idle';
    })();
    this.sessions.set(id, session);
    this.stats.sessionsCreated += 1;
    return json(200, this.describe(session));
  }

  private runStatement(session: LivySession, text: string): PlainResponse {
    let body: { code?: unknown; kind?: unknown };
    try {
      body = JSON.parse(text || '{}') as typeof body;
    } catch {
      return problem(400, 'The request body is not valid JSON.');
    }
    if (typeof body.code !== 'string') return problem(400, 'The statement needs code.');
    if (body.kind !== undefined && body.kind !== 'pyspark') return problem(501, `Statements of kind ${String(body.kind)} are not emulated (pyspark only).`);
    if (session.state === 'dead' || session.state === 'killed') return problem(400, `Session ${session.id} is ${session.state}.`);
    const statement: Statement = { id: session.statements.length, code: body.code, state: 'waiting', output: null };
    session.statements.push(statement);
    this.stats.statementsRun += 1;
    session.queue = session.queue.then(async () => {
      statement.state = 'running';
      session.state = 'busy';
      session.process.stdin!.write(`${JSON.stringify({ code: statement.code })}\n`);
      const answer = await session.answers.next();
      statement.output = answer.done
        ? { status: 'error', execution_count: statement.id, ename: 'SessionDead', evalue: 'The interpreter stopped.' }
        : JSON.parse(answer.value) as Output;
      statement.state = 'available';
      if (session.state === 'busy') session.state = 'idle';
    });
    return json(200, statement);
  }
}
