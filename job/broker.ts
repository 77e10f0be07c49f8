/**
 * `ibal broker`: IV tokens for the web resources without a secret in the browser (issue "Review workflow"). A caller
 * sends its own Dataverse bearer token; the broker asks Dataverse who that is (WhoAmI) and which security roles they
 * hold, and only an approver gets an IV token (client credentials through MSAL, then IV's security-service exchange,
 * cached) or has an adjustment or status call relayed to IV with the broker's token, the IV answer passed back as is.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { z } from 'zod';
import { IV_ENTRA_SCOPE } from '../core/iv.js';
import { securityServiceTokens, type IvTokenProvider } from '../core/iv-tokens.js';
import { mayRun } from '../core/workflow.js';
import { InputError } from './errors.js';

export interface BrokerRequest { method: string; url: string; headers: Record<string, string | undefined>; body: string }
export interface BrokerResponse { status: number; headers: Record<string, string>; body: string }

export interface BrokerOptions {
  /** The Dataverse Web API root the callers' tokens are for, ending in /api/data/v9.2/. */
  dataverseApiUrl: string;
  ivEndpoint: string;
  ivEnvironmentId: string;
  ivTokens: IvTokenProvider & { validUntil?(): number };
  /** Origins of the Dynamics 365 pages allowed to call from the browser (CORS). */
  allowedOrigins: readonly string[];
  fetch?: typeof fetch;
  now?: () => number;
}

const whoAmISchema = z.object({ UserId: z.string() });
const idsSchema = z.object({ value: z.array(z.object({ roleid: z.string() })) });
const namesSchema = z.object({ value: z.array(z.object({ name: z.string() })) });
/** Only IV's adjustment calls are relayed: the broker is not an open proxy. */
const RELAYED = /^\/iv(\/api\/environment\/([^/]+)\/transaction\/adjustment\/(?:bulk|lines))(\?.*)?$/;

const json = (status: number, body: unknown, headers: Record<string, string> = {}): BrokerResponse =>
  ({ status, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) });
const refusal = (status: number, message: string, headers: Record<string, string> = {}) => json(status, { error: { code: status === 401 ? 'Unauthorized' : 'Forbidden', message } }, headers);

export function createBroker(options: BrokerOptions): (request: BrokerRequest) => Promise<BrokerResponse> {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? Date.now;
  const api = options.dataverseApiUrl.endsWith('/') ? options.dataverseApiUrl : `${options.dataverseApiUrl}/`;

  /** Who the caller is and whether their roles allow posting; undefined when they may go on. */
  async function check(authorization: string | undefined): Promise<BrokerResponse | undefined> {
    if (!authorization || !/^Bearer\s+\S+/i.test(authorization)) return refusal(401, 'Send your Dataverse token as Authorization: Bearer <token>.', { 'WWW-Authenticate': 'Bearer' });
    const get = async (path: string) => {
      const response = await doFetch(`${api}${path}`, { headers: { Authorization: authorization, Accept: 'application/json', 'OData-Version': '4.0' } });
      return { status: response.status, body: response.ok ? await response.json() as unknown : await response.text() };
    };
    const me = await get('WhoAmI');
    if (me.status === 401) return refusal(401, 'Dataverse did not accept your token.', { 'WWW-Authenticate': 'Bearer' });
    if (me.status !== 200) return json(502, { error: { code: 'DataverseUnavailable', message: `Dataverse answered WhoAmI with ${me.status}` } });
    const userId = whoAmISchema.parse(me.body).UserId;
    const held = idsSchema.parse((await get(`systemuserrolescollection?$select=roleid&$filter=systemuserid eq ${userId}`)).body).value;
    const names = held.length === 0 ? [] : namesSchema.parse((await get(`roles?$select=name&$filter=${held.map((r) => `roleid eq ${r.roleid}`).join(' or ')}`)).body).value.map((r) => r.name);
    if (!mayRun('post', names)) return refusal(403, `User ${userId} does not hold a role that may post corrections (Inventory Balance Approver).`);
    return undefined;
  }

  async function relay(request: BrokerRequest, path: string, environmentId: string, query: string): Promise<BrokerResponse> {
    if (environmentId !== options.ivEnvironmentId) return refusal(403, `This broker serves IV environment ${options.ivEnvironmentId}, not ${environmentId}.`);
    const send = async (token: string) => doFetch(`${options.ivEndpoint.replace(/\/$/, '')}${path}${query}`, {
      method: request.method, ...(request.method === 'GET' ? {} : { body: request.body }),
      headers: { Authorization: `Bearer ${token}`, 'Api-Version': request.headers['api-version'] ?? '1.0', 'Content-Type': 'application/json', Accept: 'application/json' },
    });
    let response = await send(await options.ivTokens.token(false));
    if (response.status === 401) response = await send(await options.ivTokens.token(true));
    return { status: response.status, headers: { 'Content-Type': response.headers.get('Content-Type') ?? 'application/json' }, body: await response.text() };
  }

  return async (request) => {
    const origin = request.headers.origin;
    const cors: Record<string, string> = origin && options.allowedOrigins.includes(origin)
      ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin', 'Access-Control-Allow-Headers': 'Authorization, Content-Type, Api-Version', 'Access-Control-Allow-Methods': 'GET, POST' }
      : {};
    const withCors = (response: BrokerResponse): BrokerResponse => ({ ...response, headers: { ...response.headers, ...cors } });
    if (request.method === 'OPTIONS') return withCors({ status: origin && cors['Access-Control-Allow-Origin'] ? 204 : 403, headers: {}, body: '' });
    const url = request.url;
    try {
      if (url === '/iv-token' && request.method === 'POST') {
        const refused = await check(request.headers.authorization);
        if (refused) return withCors(refused);
        const token = await options.ivTokens.token(false);
        const until = options.ivTokens.validUntil?.() ?? now() + 600000;
        return withCors(json(200, { access_token: token, token_type: 'Bearer', expires_in: Math.max(60, Math.floor((until - now()) / 1000) + 60) }, { 'Cache-Control': 'no-store' }));
      }
      const relayed = RELAYED.exec(url);
      if (relayed && (request.method === 'POST' || request.method === 'GET')) {
        const refused = await check(request.headers.authorization);
        if (refused) return withCors(refused);
        return withCors(await relay(request, relayed[1]!, relayed[2]!, relayed[3] ?? ''));
      }
      return withCors(json(404, { error: { code: 'NotFound', message: `The broker has POST /iv-token and /iv/api/environment/<id>/transaction/adjustment/(bulk|lines), not ${request.method} ${url}` } }));
    } catch (error) {
      return withCors(json(502, { error: { code: 'BrokerError', message: (error as Error).message } }));
    }
  };
}

const brokerEnvSchema = z.object({
  IBAL_DATAVERSE_URL: z.url().describe('the Dataverse Web API root, https://<org>.crm.dynamics.com/api/data/v9.2/'),
  IBAL_IV_ENDPOINT: z.url(),
  IBAL_IV_ENVIRONMENT_ID: z.string().min(1),
  IBAL_IV_SECURITY_SERVICE_URL: z.url().default('https://securityservice.operations365.dynamics.com/token'),
  IBAL_TENANT_ID: z.string().min(1),
  IBAL_CLIENT_ID: z.string().min(1),
  IBAL_CLIENT_SECRET: z.string().min(1),
  IBAL_BROKER_ALLOWED_ORIGINS: z.string().default(''),
  PORT: z.coerce.number().int().min(0).max(65535).default(7071),
  HOST: z.string().default('127.0.0.1'),
});

/** The broker's settings from the environment (the Function App or container settings); errors name the key. */
export function brokerSettingsFrom(env: NodeJS.ProcessEnv): z.infer<typeof brokerEnvSchema> {
  const parsed = brokerEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new InputError(parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message === 'Invalid input: expected string, received undefined' ? 'not set' : i.message}`).join('; '));
  }
  return parsed.data;
}

/** `ibal broker`: serves the broker with MSAL client credentials and the IV exchange. */
export async function serveBroker(env: NodeJS.ProcessEnv, log: (text: string) => void): Promise<Server> {
  const settings = brokerSettingsFrom(env);
  const msal = new ConfidentialClientApplication({ auth: { clientId: settings.IBAL_CLIENT_ID, clientSecret: settings.IBAL_CLIENT_SECRET,
    authority: `https://login.microsoftonline.com/${settings.IBAL_TENANT_ID}` } });
  const ivTokens = securityServiceTokens({ fetch: globalThis.fetch.bind(globalThis), securityServiceUrl: settings.IBAL_IV_SECURITY_SERVICE_URL, environmentId: settings.IBAL_IV_ENVIRONMENT_ID,
    entraToken: async () => {
      const result = await msal.acquireTokenByClientCredential({ scopes: [IV_ENTRA_SCOPE] });
      if (!result?.accessToken) throw new Error('Entra issued no token for Inventory Visibility');
      return result.accessToken;
    } });
  const handle = createBroker({ dataverseApiUrl: settings.IBAL_DATAVERSE_URL, ivEndpoint: settings.IBAL_IV_ENDPOINT, ivEnvironmentId: settings.IBAL_IV_ENVIRONMENT_ID,
    ivTokens, allowedOrigins: settings.IBAL_BROKER_ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean) });
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
      void handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8') })
        .then((response) => { res.writeHead(response.status, response.headers); res.end(response.body); });
    });
  });
  await new Promise<void>((ready, fail) => { server.once('error', fail); server.listen(settings.PORT, settings.HOST, ready); });
  log(`ibal broker: listening on http://${settings.HOST}:${settings.PORT} for ${new URL(settings.IBAL_DATAVERSE_URL).origin}\n`);
  return server;
}
