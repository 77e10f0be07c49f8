/**
 * The compare in a Livy session, as on a Synapse Spark pool: the job signs in with client credentials (MSAL, against
 * the stand-in's Entra endpoint), creates a session, defines its driver there, sends each request as a statement and
 * deletes the session at the end. The stand-in (sandbox/livy) runs each session as a real local PySpark interpreter.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reconcile } from '../../job/reconcile';
import { PROJECT_SPARK, projectPath } from '../../job/spark/environment';
import { LivyEmulator } from '../../sandbox/livy/emulator';
import type { Json } from '../helpers/scenario';
import { describeSpark } from '../helpers/spark';

const APP = { tenantId: '11111111-2222-3333-4444-555555555555', clientId: 'ibal-job-app', clientSecret: 'livy-test-secret' };

describeSpark('ibal reconcile on a Synapse Spark pool, through its Livy API (stand-in on 127.0.0.1)', () => {
  let livy: LivyEmulator;
  let origin: string;
  const saved = { ...process.env };
  beforeAll(async () => {
    livy = new LivyEmulator({ python: projectPath(...PROJECT_SPARK, 'bin', 'python'), master: 'local[2]', pool: 'ibalpool', ...APP });
    origin = await livy.start();
    Object.assign(process.env, { IBAL_TENANT_ID: APP.tenantId, IBAL_CLIENT_ID: APP.clientId, IBAL_CLIENT_SECRET: APP.clientSecret });
  });
  afterAll(async () => {
    process.env = saved;
    await livy.close();
  });

  it('reconciles the sample week in a Livy session with the outputs DuckDB gives, and deletes the session', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibal-livy-'));
    cpSync(join(__dirname, '..', '..', 'examples', 'weekly'), dir, { recursive: true, filter: (path) => !path.includes(join('weekly', 'out')) });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Json;
    await reconcile({ configPath: join(dir, 'config.json'), outDir: join(dir, 'duckdb'), historyPath: join(dir, 'duckdb.history') });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, engine: 'spark', spark: { livy: { url: livy.poolUrl(), loginUrl: origin } } }));
    const { summary } = await reconcile({ configPath: join(dir, 'config.json'), outDir: join(dir, 'livy'), historyPath: join(dir, 'livy.history') });
    expect(summary.classifications).toMatchObject({ Material: 4, Timing: 1, Immaterial: 2, Balanced: 4 });
    for (const file of ['discrepancies.csv', 'rejects.csv']) {
      expect(readFileSync(join(dir, 'livy', file), 'utf8')).toBe(readFileSync(join(dir, 'duckdb', file), 'utf8'));
    }
    expect(livy.stats.sessionsCreated).toBe(1);
    expect(livy.stats.statementsRun).toBeGreaterThan(20);
    // The session was deleted: asking for it again finds nothing.
    const token = await (await fetch(`${origin}/${APP.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({
      grant_type: 'client_credentials', client_id: APP.clientId, client_secret: APP.clientSecret, scope: 'https://dev.azuresynapse.net/.default' }) })).json() as { access_token: string };
    expect((await fetch(`${livy.poolUrl()}/sessions/0`, { headers: { Authorization: `Bearer ${token.access_token}` } })).status).toBe(404);
  }, 300_000);

  it('asks for an exchange folder both sides see before it opens a session on a workspace elsewhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibal-livy-'));
    cpSync(join(__dirname, '..', '..', 'examples', 'weekly'), dir, { recursive: true, filter: (path) => !path.includes(join('weekly', 'out')) });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Json;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, engine: 'spark',
      spark: { livy: { url: 'https://contoso.dev.azuresynapse.net/livyApi/versions/2019-11-01-preview/sparkPools/pool' } } }));
    await expect(reconcile({ configPath: join(dir, 'config.json'), outDir: join(dir, 'out'), historyPath: join(dir, 'h') }))
      .rejects.toThrow('spark.exchange: the Livy session on contoso.dev.azuresynapse.net writes its results where this machine must read them');
  });

  it('refuses settings that cannot work before anything starts, naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibal-livy-'));
    cpSync(join(__dirname, '..', '..', 'examples', 'weekly'), dir, { recursive: true, filter: (path) => !path.includes(join('weekly', 'out')) });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Json;
    const remote = 'https://contoso.dev.azuresynapse.net/livyApi/versions/2019-11-01-preview/sparkPools/pool';
    const exchange = { spark: 'abfss://ibal@contoso.dfs.core.windows.net/x', local: join(dir, 'mount') };
    const sessions = livy.stats.sessionsCreated;
    const attempt = async (spark: Json, sparkMaster?: string) => {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, engine: 'spark', spark }));
      return reconcile({ configPath: join(dir, 'config.json'), outDir: join(dir, 'out'), historyPath: join(dir, 'h'), sparkMaster });
    };
    await expect(attempt({ conf: { 'spark.submit.deployMode': 'cluster' } })).rejects.toThrow('spark.conf.spark.submit.deployMode: the driver runs in client mode');
    await expect(attempt({ livy: { url: livy.poolUrl(), loginUrl: origin } }, 'local[2]')).rejects.toThrow('--spark-master: the Livy session of spark.livy runs on its own pool');
    await expect(attempt({ livy: { url: remote.replace('https:', 'http:') }, exchange })).rejects.toThrow('spark.livy.url: http://contoso');
    await expect(attempt({ livy: { url: remote }, exchange })).rejects.toThrow("d365.onHand.path: the Livy session on contoso.dev.azuresynapse.net reads storage addresses (abfss://…), not this machine's files");
    expect(livy.stats.sessionsCreated).toBe(sessions);
  });

  it('refuses a Livy call without a token, and a wrong secret never reaches a session', async () => {
    expect((await fetch(`${livy.poolUrl()}/sessions`, { method: 'POST', body: '{"name":"x"}' })).status).toBe(401);
    const dir = mkdtempSync(join(tmpdir(), 'ibal-livy-'));
    cpSync(join(__dirname, '..', '..', 'examples', 'weekly'), dir, { recursive: true, filter: (path) => !path.includes(join('weekly', 'out')) });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Json;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, engine: 'spark', spark: { livy: { url: livy.poolUrl(), loginUrl: origin } } }));
    process.env.IBAL_CLIENT_SECRET = 'not-the-secret';
    const before = livy.stats.sessionsCreated;
    await expect(reconcile({ configPath: join(dir, 'config.json'), outDir: join(dir, 'out'), historyPath: join(dir, 'h') })).rejects.toThrow(/invalid_client|Invalid client secret/);
    expect(livy.stats.sessionsCreated).toBe(before);
    process.env.IBAL_CLIENT_SECRET = APP.clientSecret;
  }, 120_000);
});
