import { IV_ENTRA_SCOPE, IV_SERVICE_SCOPE, adjustmentBulkResponseSchema, entraTokenResponseSchema, securityTokenResponseSchema, type AdjustmentLine } from '../../core/iv';
import { InventoryVisibilityEmulator } from '../../sandbox/iv/emulator';

/** The Inventory Visibility emulator over HTTP on 127.0.0.1, against the documented shapes (iv_api.md §1, §3). */
let iv: InventoryVisibilityEmulator;
let base: string;
beforeEach(async () => {
  iv = new InventoryVisibilityEmulator({ maxLinesPerCall: 5, failCreate: ['BADCREATE'], failPost: ['BADPOST'] });
  base = await iv.listen();
});
afterEach(async () => { await iv.close(); });

async function entraToken(secret = iv.clientSecret): Promise<Response> {
  return fetch(`${base}/${iv.tenantId}/oauth2/v2.0/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: iv.clientId, client_secret: secret, grant_type: 'client_credentials', scope: IV_ENTRA_SCOPE }) });
}
async function accessToken(): Promise<string> {
  const entra = entraTokenResponseSchema.parse(await (await entraToken()).json());
  const exchanged = await fetch(`${base}/securityservice/token`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Api-Version': '1.0' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_assertion_type: 'aad_app', client_assertion: entra.access_token,
      scope: IV_SERVICE_SCOPE, context: iv.environmentId, context_type: 'finops-env' }) });
  return securityTokenResponseSchema.parse(await exchanged.json()).access_token;
}
const line = (id: string, productId: string, quantity: number, locationId = '11', extra: Partial<AdjustmentLine> = {}): AdjustmentLine => ({
  id, organizationId: 'usmf', productId, quantityDataSource: 'ibal', physicalMeasure: 'adjustment',
  dimensions: { siteId: '1', locationId }, quantity, externalReferenceCategory: 'Inventory Balance', externalReferenceId: `disc-${id}`, ...extra });
async function post(lines: unknown, token?: string, query = ''): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${base}/api/environment/${iv.environmentId}/transaction/adjustment/bulk${query}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'Api-Version': '1.0', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(lines) });
  return { status: response.status, body: await response.json() };
}
const statuses = () => Object.fromEntries(iv.ledger().lines.map((l) => [l.id, l.status]));

describe('IV token flow', () => {
  it('issues an Entra token for client credentials and refuses a wrong secret', async () => {
    const ok = await entraToken();
    expect(entraTokenResponseSchema.parse(await ok.json()).token_type).toBe('Bearer');
    const wrong = await entraToken('nope');
    expect([wrong.status, ((await wrong.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);
  });

  it('answers the general security service URL with 307 to the regional one, which exchanges the Entra token', async () => {
    const redirect = await fetch(`${base}/securityservice/token`, { method: 'POST', redirect: 'manual', body: '{}' });
    expect([redirect.status, redirect.headers.get('Location')]).toEqual([307, '/securityservice/regional/token']);
    const token = await accessToken();
    expect(token).toMatch(/^iv-/);
  });

  it('matches the exchange\'s keys without regard to case, and refuses another environment', async () => {
    const entra = entraTokenResponseSchema.parse(await (await entraToken()).json());
    const body = (context: string) => JSON.stringify({ grant_type: 'client_credentials', client_assertion_type: 'aad_app', client_assertion: entra.access_token,
      Scope: IV_SERVICE_SCOPE, Context: context, context_type: 'finops-env' });
    expect((await fetch(`${base}/securityservice/token`, { method: 'POST', body: body(iv.environmentId) })).status).toBe(200);
    expect((await fetch(`${base}/securityservice/token`, { method: 'POST', body: body('other-env') })).status).toBe(401);
  });
});

describe('IV adjustment bulk API', () => {
  it('needs a valid, unexpired token', async () => {
    expect((await post([line('a', 'A', 1)])).status).toBe(401);
    const token = await accessToken();
    expect((await post([line('a', 'A', 1)], token)).status).toBe(200);
    await iv.advance(61);
    expect((await post([line('b', 'A', 1)], token)).body).toEqual({ statusCode: 401, message: 'Unauthorized: the token has expired' });
  });

  it('keeps every line it receives, a repeated id too: IV documents no de-duplication, so a caller must not rely on one', async () => {
    const token = await accessToken();
    const first = await post([line('c1', 'A', -3), line('c2', 'B', 4)], token);
    expect(adjustmentBulkResponseSchema.parse(first.body)).toEqual([
      { id: 'c1', lineId: expect.any(String), processingStatus: 'success', statusCode: 200, message: '' },
      { id: 'c2', lineId: expect.any(String), processingStatus: 'success', statusCode: 200, message: '' }]);
    const again = await post([line('c1', 'A', -3)], token);
    expect(again.body[0].lineId).not.toBe(first.body[0].lineId);
    expect(iv.ledger().lines.map((l) => l.id)).toEqual(['c1', 'c2', 'c1']);
  });

  it('keeps its lines in its own Dataverse tables as it receives them, and their statuses as they move', async () => {
    const kept: Array<{ lines: string[]; aggregated: string[] }> = [];
    const mirrored = new InventoryVisibilityEmulator({ mirror: async (change) => { kept.push({ lines: change.lines.map((l) => `${l.id}:${l.status}`), aggregated: change.aggregated.map((a) => a.status) }); } });
    const origin = await mirrored.listen();
    try {
      const token = await mirrored.tokenProvider(origin).token();
      await fetch(`${origin}/api/environment/${mirrored.environmentId}/transaction/adjustment/bulk`, { method: 'POST', headers: { Authorization: `Bearer ${token}` },
        body: JSON.stringify([line('m1', 'A', -1)]) });
      expect(kept).toEqual([{ lines: ['m1:Created'], aggregated: [] }]);
      await mirrored.advance(6);
      expect(kept.at(-1)).toEqual({ lines: ['m1:Aggregated'], aggregated: ['Created'] });
    } finally {
      await mirrored.close();
    }
  });

  it('refuses the fno data source, too many lines, malformed lines and other API versions', async () => {
    const token = await accessToken();
    expect((await post([line('f', 'A', 1, '11', { quantityDataSource: 'fno' })], token)).body.message).toContain('fno data source cannot be written');
    expect((await post(Array.from({ length: 6 }, (_, i) => line(`m${i}`, 'A', 1)), token)).body.message).toBe('At most 5 lines per call; this call has 6');
    const missing = { ...line('x', 'A', 1), dimensions: { siteId: '1' } };
    expect((await post([missing], token)).body.message).toMatch(/^line 0 dimensions\.locationId:/);
    const v2 = await fetch(`${base}/api/environment/${iv.environmentId}/transaction/adjustment/bulk`, { method: 'POST',
      headers: { 'Api-Version': '2.0', Authorization: `Bearer ${token}` }, body: JSON.stringify([line('v', 'A', 1)]) });
    expect(v2.status).toBe(400);
    expect(iv.ledger().lines).toEqual([]);
  });
});

describe('IV line statuses on the emulator clock', () => {
  it('moves lines Created → IVPosted → Aggregated and aggregated lines through D365 journal creation and posting', async () => {
    const token = await accessToken();
    await post([line('s1', 'A', -2), line('s2', 'A', -3), line('s3', 'B', 5), line('s4', 'B', -5), line('s5', 'BADCREATE', 1)], token);
    await post([line('s6', 'A', 7, '12')], token);
    await post([line('s7', 'BADPOST', 2)], token, '?createWithIVSync=true');
    expect(statuses()).toMatchObject({ s1: 'Created', s7: 'IVPosted' });
    await iv.advance(5);
    expect(statuses().s1).toBe('IVPosted');
    await iv.advance(1);
    expect(new Set(Object.values(statuses()))).toEqual(new Set(['Aggregated']));
    const byProduct = (product: string, location = '11') => iv.ledger().aggregated.find((a) => a.productId === product && a.dimensions.locationId === location)!;
    expect(byProduct('A').quantity).toBe(-5); // s1 + s2, same dimensions
    expect(byProduct('A', '12').quantity).toBe(7);
    expect(byProduct('B').status).toBe('DoNotSync'); // +5 and -5 net to zero
    await iv.advance(5);
    expect(byProduct('A').status).toBe('FnOSyncEnqueued');
    await iv.advance(1);
    expect([byProduct('A').status, byProduct('BADCREATE').status]).toEqual(['FnOTransCreated', 'FnOTransCreateError']);
    await iv.advance(5);
    expect([byProduct('A').status, byProduct('BADPOST').status]).toEqual(['FnOTransPosted', 'FnOTransPostError']);
    expect(byProduct('A').journalId).toMatch(/^IAJ-/);
  });

  it('has no read API for lines (IV documents none): their statuses are in its Dataverse tables', async () => {
    const token = await accessToken();
    const response = await fetch(`${base}/api/environment/${iv.environmentId}/transaction/adjustment/lines?ids=r1`, { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(404);
  });
});

describe('IV fault modes', () => {
  it('answers 429 with Retry-After, 500, or HTTP 200 with a failing body statusCode, keeping nothing of those calls', async () => {
    const token = await accessToken();
    const seen = new Set<string>();
    for (const kind of ['429', '500', 'body500'] as const) {
      iv.setFaults({ share: 1, kinds: [kind], delayMs: 0, retryAfterSeconds: 2, seed: 1 });
      const response = await fetch(`${base}/api/environment/${iv.environmentId}/transaction/adjustment/bulk`, { method: 'POST',
        headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify([line(`k-${kind}`, 'A', 1)]) });
      const body = (await response.json()) as { statusCode: number };
      seen.add(`${response.status} ${body.statusCode} ${response.headers.get('Retry-After')}`);
    }
    expect(seen).toEqual(new Set(['429 429 2', '500 500 null', '200 500 null']));
    expect(iv.ledger().lines).toEqual([]);
  });

  it('answers 500 after keeping the lines with 500after: the caller cannot tell from the answer', async () => {
    const token = await accessToken();
    iv.setFaults({ share: 1, kinds: ['500after'], delayMs: 0, retryAfterSeconds: 0, seed: 1 });
    expect((await post([line('after1', 'A', 1)], token)).status).toBe(500);
    expect(iv.ledger().lines.map((l) => l.id)).toEqual(['after1']);
  });

  it('answers late but keeps the lines when slow: a blind retry counts them twice', async () => {
    const token = await accessToken();
    iv.setFaults({ share: 1, kinds: ['slow'], delayMs: 300, retryAfterSeconds: 0, seed: 1 });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 100);
    await expect(fetch(`${base}/api/environment/${iv.environmentId}/transaction/adjustment/bulk`, { method: 'POST', signal: controller.signal,
      headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify([line('slow1', 'A', 1)]) })).rejects.toThrow();
    clearTimeout(timer);
    iv.setFaults(undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(iv.ledger().lines.filter((l) => l.id === 'slow1')).toHaveLength(1);
    await post([line('slow1', 'A', 1)], token);
    expect(iv.ledger().lines.filter((l) => l.id === 'slow1')).toHaveLength(2);
  });
});
