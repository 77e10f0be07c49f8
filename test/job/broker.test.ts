import { IV_ENTRA_SCOPE } from '../../core/iv';
import { securityServiceTokens } from '../../core/iv-tokens';
import { brokerSettingsFrom, createBroker } from '../../job/broker';
import { DataverseEmulator } from '../../sandbox/dataverse/emulator';
import { serveOnLoopback, type Listening } from '../../sandbox/http';
import { InventoryVisibilityEmulator } from '../../sandbox/iv/emulator';
import { InventoryVisibilityClient } from '../../webresources/iv-client';

/** The token broker over HTTP: callers are known by their Dataverse token, only approvers get IV tokens or relayed calls. */
let dataverse: DataverseEmulator;
let iv: InventoryVisibilityEmulator;
let broker: Listening;
let entraCalls = 0;
let ivBase: string;
const ORIGIN = 'https://contoso.crm.dynamics.com';
beforeAll(async () => {
  dataverse = await DataverseEmulator.open({ database: ':memory:' });
  const api = await dataverse.listen();
  iv = new InventoryVisibilityEmulator();
  ivBase = await iv.listen();
  const handle = createBroker({ dataverseApiUrl: api, ivEndpoint: ivBase, ivEnvironmentId: iv.environmentId, allowedOrigins: [ORIGIN],
    ivTokens: securityServiceTokens({ fetch, securityServiceUrl: `${ivBase}/securityservice/token`, environmentId: iv.environmentId, now: () => iv.now.getTime(),
      entraToken: async () => {
        entraCalls += 1;
        return ((await (await fetch(`${ivBase}/${iv.tenantId}/oauth2/v2.0/token`, { method: 'POST',
          body: new URLSearchParams({ client_id: iv.clientId, client_secret: iv.clientSecret, grant_type: 'client_credentials', scope: IV_ENTRA_SCOPE }) })).json()) as { access_token: string }).access_token;
      } }),
    now: () => iv.now.getTime() });
  broker = await serveOnLoopback(handle);
});
afterAll(async () => { await broker.close(); await dataverse.close(); await iv.close(); });

const askToken = (authorization?: string, headers: Record<string, string> = {}) =>
  fetch(`${broker.origin}/iv-token`, { method: 'POST', headers: { ...(authorization ? { Authorization: authorization } : {}), ...headers } });
const line = (id: string, quantity: number) => ({ id, organizationId: 'usmf', productId: 'B1', quantityDataSource: 'ibal', physicalMeasure: 'adjustment',
  dimensions: { siteId: '1', locationId: '11' }, quantity });

it('refuses callers without a valid Dataverse token (401) and callers who are not approvers (403)', async () => {
  expect((await askToken()).status).toBe(401);
  const forged = await askToken('Bearer forged');
  expect(forged.status).toBe(401);
  expect(forged.headers.get('WWW-Authenticate')).toBe('Bearer');
  const reviewer = await askToken(`Bearer ${dataverse.issueToken('reviewer@sandbox.local')}`);
  expect(reviewer.status).toBe(403);
  expect(((await reviewer.json()) as { error: { message: string } }).error.message).toContain('Inventory Balance Approver');
});

it('gives an approver an IV token that IV accepts, cached across callers until shortly before it expires', async () => {
  const before = entraCalls;
  const first = await askToken(`Bearer ${dataverse.issueToken('approver@sandbox.local')}`, { Origin: ORIGIN });
  expect(first.status).toBe(200);
  expect(first.headers.get('Access-Control-Allow-Origin')).toBe(ORIGIN);
  const token = (await first.json()) as { access_token: string; expires_in: number };
  expect(token.expires_in).toBeGreaterThan(60);
  const second = (await (await askToken(`Bearer ${dataverse.issueToken('admin@sandbox.local')}`)).json()) as { access_token: string };
  expect(second.access_token).toBe(token.access_token);
  expect(entraCalls - before).toBe(1);
  const client = new InventoryVisibilityClient({ endpoint: ivBase, environmentId: iv.environmentId, tokens: { token: async () => token.access_token } });
  expect((await client.postAdjustments([line('broker-direct-1', 2)])).ok).toBe(true);
});

it('relays adjustment and status calls for approvers, passing IV answers back unchanged', async () => {
  const approver = dataverse.issueToken('approver@sandbox.local');
  const relayed = new InventoryVisibilityClient({ endpoint: `${broker.origin}/iv`, environmentId: iv.environmentId, tokens: { token: async () => approver } });
  const outcome = await relayed.postAdjustments([line('broker-relay-1', -3)]);
  expect(outcome.ok).toBe(true);
  expect(iv.ledger().lines.find((l) => l.line.id === 'broker-relay-1')?.line.quantity).toBe(-3);
  expect((await relayed.lineStatuses(['broker-relay-1']))[0]).toMatchObject({ id: 'broker-relay-1' });

  // IV's own refusal comes back as IV gave it.
  const bad = await fetch(`${broker.origin}/iv/api/environment/${iv.environmentId}/transaction/adjustment/bulk`, { method: 'POST',
    headers: { Authorization: `Bearer ${approver}`, 'Content-Type': 'application/json', 'Api-Version': '1.0' }, body: JSON.stringify([{ ...line('x', 1), quantityDataSource: 'fno' }]) });
  expect(bad.status).toBe(400);
  expect(await bad.text()).toContain('fno');

  const reviewer = new InventoryVisibilityClient({ endpoint: `${broker.origin}/iv`, environmentId: iv.environmentId, maxAttempts: 1,
    tokens: { token: async () => dataverse.issueToken('reviewer@sandbox.local') } });
  expect((await reviewer.postAdjustments([line('broker-relay-2', 1)])).error).toContain('403');
  const otherEnvironment = await fetch(`${broker.origin}/iv/api/environment/other/transaction/adjustment/bulk`, { method: 'POST', headers: { Authorization: `Bearer ${approver}` }, body: '[]' });
  expect(otherEnvironment.status).toBe(403);
  expect((await fetch(`${broker.origin}/iv/api/environment/${iv.environmentId}/onhand/indexquery`, { method: 'POST', headers: { Authorization: `Bearer ${approver}` } })).status).toBe(404);
});

it('answers CORS preflights only for the configured Dynamics 365 origins', async () => {
  const allowed = await fetch(`${broker.origin}/iv-token`, { method: 'OPTIONS', headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST' } });
  expect(allowed.status).toBe(204);
  expect(allowed.headers.get('Access-Control-Allow-Headers')).toContain('Authorization');
  const other = await fetch(`${broker.origin}/iv-token`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
  expect(other.status).toBe(403);
  expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull();
});

it('names the missing or wrong setting when started without its configuration', () => {
  expect(() => brokerSettingsFrom({ IBAL_DATAVERSE_URL: 'https://contoso.crm.dynamics.com/api/data/v9.2/', IBAL_IV_ENDPOINT: 'not a url' }))
    .toThrow(/IBAL_IV_ENDPOINT: .*IBAL_IV_ENVIRONMENT_ID: not set.*IBAL_CLIENT_SECRET: not set/);
});
