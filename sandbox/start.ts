/**
 * `npm start`: the sandbox on 127.0.0.1. One server holds the Dataverse emulator (under /api/data/v9.2/), the
 * Inventory Visibility emulator, the review service (the webhook the solution registers, pointed here as an admin
 * would after import) and the app shell; on first start it generates four sample weeks and runs the reconcile job
 * for each into the sandbox, as a scheduled job would into an environment. It serves until Ctrl+C and needs no
 * network but 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tokenProviderFor } from '../job/dataverse/auth.js';
import { DataverseClient } from '../job/dataverse/client.js';
import { DataverseTarget } from '../job/dataverse/target.js';
import { reconcile } from '../job/reconcile.js';
import { ReviewService } from '../job/review-service/service.js';
import { RUN_STATUS, snapshotRun } from '../core/dataverse/tables.js';
import { API_PATH, DataverseEmulator, SANDBOX_REVIEW_SERVICE_APP, TOKEN_PATH } from './dataverse/emulator.js';
import { AUTH_TYPES } from './dataverse/webhooks.js';
import { InventoryVisibilityEmulator } from './iv/emulator.js';
import { ivTablesIn } from './iv/mirror.js';
import { serveOnLoopback } from './http.js';
import { appServer } from './app/server.js';
import { generateSampleWeeks } from './sample-data.js';
import { loadSandboxSettings } from './settings.js';
import { D365Client } from '../job/d365/client.js';
import { d365TokenProvider } from '../job/d365/auth.js';
import { takeSnapshot } from '../job/d365/snapshot.js';
import { prepareWeekSnapshot, startSandboxD365 } from './d365/sandbox.js';

const port = Number(process.env.PORT ?? 8484);
const dataDir = resolve(process.env.IBAL_SANDBOX_DATA ?? join('sandbox', '.data'));
mkdirSync(dataDir, { recursive: true });

const emulator = await DataverseEmulator.open({ database: join(dataDir, 'dataverse.duckdb') });
// IV keeps what it receives in its Dataverse tables, here the emulator's.
const iv = new InventoryVisibilityEmulator({ mirror: ivTablesIn(emulator) });
// In the sandbox IV's jobs run on their own: one IV minute every two seconds (IBAL_IV_MINUTE_MS), so a posting
// reaches D365 within a minute.
const ivClock = setInterval(() => void iv.advance(1), Number(process.env.IBAL_IV_MINUTE_MS ?? 2000));
// The review service's secrets, kept with the sandbox's data so approval seals hold across restarts.
const keysPath = join(dataDir, 'review-service-keys.json');
if (!existsSync(keysPath)) writeFileSync(keysPath, JSON.stringify({ webhookKey: randomBytes(32).toString('base64url'), sealKey: randomBytes(32).toString('base64url') }));
const keys = JSON.parse(readFileSync(keysPath, 'utf8')) as { webhookKey: string; sealKey: string };
const ivPaths = ['/api/environment/', '/securityservice/', `/${iv.tenantId}/oauth2/`];
// D365 finance and operations under /data/ (OData and data management), its sign-in, and its blob store on its own port.
const { d365, blob: d365Blob } = await startSandboxD365();
const d365Paths = ['/data/', `/${d365.tenantId}/oauth2/`];
// The app's and the review service's routes are added once the server knows its own origin.
const routes: { app?: ReturnType<typeof appServer>; reviewService?: ReviewService } = {};
const REVIEW_SERVICE_PATH = '/review-service/';
const listening = await serveOnLoopback((request) => {
  if (request.url.startsWith(API_PATH) || request.url.startsWith(TOKEN_PATH)) return emulator.handle(request);
  if (ivPaths.some((p) => request.url.startsWith(p))) return iv.handle(request);
  if (request.url.startsWith(REVIEW_SERVICE_PATH) && routes.reviewService) return routes.reviewService.handle(request);
  if (d365Paths.some((p) => request.url.startsWith(p))) return d365.handle(request);
  const notFound = { status: 404, headers: { 'Content-Type': 'text/plain' }, body: `Not found: ${request.url}` };
  return routes.app ? routes.app(request).then((response) => response ?? notFound) : Promise.resolve(notFound);
}, port);
const origin = listening.origin;
emulator.useOrigin(origin);
d365.useOrigin(origin);
const api = `${origin}${API_PATH}`;
// The review service as an admin would host it: its own application user in Dataverse, the IV emulator's app
// registration for IV (no secret ever reaches a browser).
const reviewService = new ReviewService({
  dataverse: new DataverseClient({ apiUrl: api, token: tokenProviderFor(api, { IBAL_CLIENT_ID: SANDBOX_REVIEW_SERVICE_APP.clientId, IBAL_CLIENT_SECRET: SANDBOX_REVIEW_SERVICE_APP.clientSecret }) }),
  ivTokens: iv.tokenProvider(origin), webhookKey: keys.webhookKey, sealKey: keys.sealKey, organizationHost: new URL(origin).host,
  ivBackoffBaseMs: 200, log: (line) => process.stderr.write(line),
  d365Tokens: (url) => d365TokenProvider(url, { tenantId: d365.tenantId, clientId: d365.clientId, clientSecret: d365.clientSecret, loginUrl: origin }),
});
routes.reviewService = reviewService;
routes.app = appServer({ root: resolve('.'), emulator, iv });

// After import an admin sets the environment variables and points the solution's webhook at the hosted service.
const settings = loadSandboxSettings(resolve(process.env.IBAL_SANDBOX_SETTINGS ?? join('sandbox', 'settings.json')));
const admin = new DataverseClient({ apiUrl: api, token: async () => emulator.issueToken('admin@sandbox.local') });
for (const [schemaname, value] of Object.entries({ ibal_IVEndpoint: origin, ibal_D365Url: origin, ...settings.environmentVariables })) {
  const [definition] = await admin.retrieveTop(`environmentvariabledefinitions?$select=environmentvariabledefinitionid&$filter=schemaname eq '${schemaname}'`);
  const [existing] = await admin.retrieveTop(`environmentvariablevalues?$select=environmentvariablevalueid&$filter=schemaname eq '${schemaname}'`);
  const row = { schemaname, value, 'environmentvariabledefinitionid@odata.bind': `/environmentvariabledefinitions(${String(definition!.environmentvariabledefinitionid)})` };
  if (existing) await admin.request('PATCH', `environmentvariablevalues(${String(existing.environmentvariablevalueid)})`, row, { 'If-Match': '*' });
  else await admin.request('POST', 'environmentvariablevalues', row);
}
for (const endpoint of await admin.retrieveAll('serviceendpoints?$select=serviceendpointid')) {
  await admin.request('PATCH', `serviceendpoints(${String(endpoint.serviceendpointid)})`, { url: `${origin}${REVIEW_SERVICE_PATH}dataverse`, authtype: AUTH_TYPES.httpHeader,
    authvalue: `<settings><setting name="x-ibal-webhook-key" value="${keys.webhookKey}" /></settings>` }, { 'If-Match': '*' });
}
// The job signs in as its own application user, as a scheduled job would.
const client = new DataverseClient({ apiUrl: api, token: tokenProviderFor(api) });

const d365Client = new D365Client({ baseUrl: origin, token: d365TokenProvider(origin, { tenantId: d365.tenantId, clientId: d365.clientId, clientSecret: d365.clientSecret, loginUrl: origin }) });
const weeksDir = join(dataDir, 'weeks');
const fresh = !existsSync(weeksDir);
const weeks = generateSampleWeeks(weeksDir, { skus: Number(process.env.IBAL_SAMPLE_SKUS ?? 3000) });
if (fresh) process.stdout.write(`Generated four sample weeks in ${weeksDir}\n`);
for (const week of weeks) {
  const runs = await client.retrieveTop(`${snapshotRun.entitySetName}?$select=${snapshotRun.primaryName.logicalName}`
    + `&$filter=${snapshotRun.columns.runStatus.logicalName} eq ${RUN_STATUS.find((r) => r.label === 'Completed')!.value}`
    + ` and ${snapshotRun.columns.d365AsOf.logicalName} eq ${week.d365AsOf}`);
  if (runs.length > 0) continue;
  process.stdout.write(`Reconciling week ${week.week} into the sandbox: snapshot from the D365 and WMS stand-ins ...\n`);
  // As a scheduled job would: ibal snapshot from D365 (export package) and the WMS (its files), then reconcile.
  const snapshot = await takeSnapshot({ configPath: prepareWeekSnapshot(d365, week, origin), outDir: join(week.dir, 'snapshot'), asOf: week.d365AsOf,
    d365: d365Client, now: () => d365.now.getTime(), sleep: async (ms) => { d365.advance(ms / 1000); } });
  const { summary } = await reconcile({ configPath: snapshot.configPath, outDir: join(week.dir, 'out'), target: new DataverseTarget(client, api) });
  const c = summary.classifications;
  process.stdout.write(`  ${summary.runId}: ${summary.keysCompared.toLocaleString('en-US')} keys, Material ${c.Material}, Timing ${c.Timing}, `
    + `Immaterial ${c.Immaterial}; ${summary.files.reduce((n, f) => n + f.rejected, 0)} lines rejected (see ${join(week.dir, 'out', 'rejects.csv')})\n`);
}

// From here D365's clock runs with the wall clock, and its posting job posts imported journals a minute after they arrive.
d365.setClock(new Date().toISOString());
const d365Clock = setInterval(() => { d365.advance(1); if (d365.now.getSeconds() === 0) d365.postOpenJournals(); }, 1000);

process.stdout.write(`\nInventory Balance sandbox: ${origin}/\n`
  + `  ${origin}/            the Inventory Balance app: runs and their trend, discrepancies in the VarianceGrid, the review commands\n`
  + `  ${api}   the Dataverse Web API emulator (try ${api}ibal_snapshotruns)\n`
  + `  ${origin}/api/environment/${iv.environmentId}/transaction/adjustment/bulk   the Inventory Visibility emulator\n`
  + `    (tokens: ${origin}/${iv.tenantId}/oauth2/v2.0/token, then ${origin}/securityservice/token; client ${iv.clientId})\n`
  + `  ${origin}/data/WarehousesOnHandV2   the D365 finance and operations emulator (data management: ${origin}/data/DataManagementDefinitionGroups/…;\n`
  + `    tokens: ${origin}/${d365.tenantId}/oauth2/v2.0/token, client ${d365.clientId}; blobs on ${d365Blob.origin})\n`
  + 'Press Ctrl+C to stop. Data stays in sandbox/.data (delete it to start over).\n');

// The service's follow-up: unfinished requests taken up, posted lines followed to D365, stuck ones marked.
const followUpSeconds = Number(process.env.IBAL_FOLLOW_UP_SECONDS ?? 30);
const followUp = followUpSeconds > 0 ? setInterval(() => void reviewService.followUp().catch((e: Error) => process.stderr.write(`follow-up: ${e.message}\n`)), followUpSeconds * 1000) : undefined;
void reviewService.resumeUnfinished().catch((e: Error) => process.stderr.write(`review service: ${e.message}\n`));

const stop = () => {
  clearInterval(ivClock);
  clearInterval(d365Clock);
  void d365Blob.close();
  if (followUp) clearInterval(followUp);
  void reviewService.idle().then(() => listening.close()).then(() => emulator.close()).finally(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
