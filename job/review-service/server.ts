/**
 * `ibal review-service`: the review service as the customer hosts it (a container or an App Service; README "Hosting
 * the review service"). Settings come from the environment and a wrong one is named. A request body larger than
 * Dataverse ever sends is refused before it is read whole; requests left unfinished are taken up at start and, with
 * Posted lines and stuck corrections, on a timer (`ibal follow-up` does the same once, from a scheduler).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { IV_ENTRA_SCOPE } from '../../core/iv.js';
import { securityServiceTokens, type IvTokenProvider } from '../../core/iv-tokens.js';
import { tokenProviderFor } from '../dataverse/auth.js';
import { DataverseClient } from '../dataverse/client.js';
import { d365TokenProvider } from '../d365/auth.js';
import { clientCredentialsToken, confidentialClient } from '../entra.js';
import { InputError } from '../errors.js';
import { ReviewService, type PlainRequest, type PlainResponse } from './service.js';

/** Dataverse sends at most 256 KB (larger contexts are cut down); anything far past that is not Dataverse. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const isLoopback = (url: string) => /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(url);

const settingsSchema = z.object({
  IBAL_DATAVERSE_URL: z.url().refine((u) => u.endsWith('/api/data/v9.2/'), 'must be the Web API root, ending in /api/data/v9.2/')
    .describe('the Dataverse Web API root, https://<org>.crm.dynamics.com/api/data/v9.2/'),
  IBAL_TENANT_ID: z.string().min(1).optional(),
  IBAL_CLIENT_ID: z.string().min(1),
  IBAL_CLIENT_SECRET: z.string().min(1),
  IBAL_WEBHOOK_KEY: z.string().min(32, 'must be at least 32 characters (a generated secret)'),
  IBAL_SEAL_KEY: z.string().min(32, 'must be at least 32 characters (a generated secret, kept apart from the webhook key)'),
  IBAL_IV_SECURITY_SERVICE_URL: z.url().default('https://securityservice.operations365.dynamics.com/token'),
  IBAL_FOLLOW_UP_MINUTES: z.coerce.number().min(0).default(15),
  /** How long a request is the service's after it last said it is working on it (a stopped service's are taken up after). */
  IBAL_LEASE_SECONDS: z.coerce.number().min(1).default(120),
  /** A stand-in for login.microsoftonline.com on 127.0.0.1 (the sandbox, tests); unset in production. */
  IBAL_LOGIN_URL: z.url().optional(),
  IBAL_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(DEFAULT_MAX_BODY_BYTES),
  PORT: z.coerce.number().int().min(0).max(65535).default(7071),
  HOST: z.string().default('127.0.0.1'),
}).refine((s) => s.IBAL_TENANT_ID !== undefined || isLoopback(s.IBAL_DATAVERSE_URL), { path: ['IBAL_TENANT_ID'], message: 'not set' });

export type ReviewServiceSettings = z.infer<typeof settingsSchema>;

/** The service's settings from the environment; every error names its variable. */
export function reviewServiceSettingsFrom(env: NodeJS.ProcessEnv): ReviewServiceSettings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    throw new InputError(parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message.startsWith('Invalid input: expected string, received undefined') ? 'not set' : i.message}`).join('; '));
  }
  return parsed.data;
}

/** The service's Dataverse client and IV tokens from its settings: one app registration for both. */
export function reviewServiceFrom(settings: ReviewServiceSettings, log: (line: string) => void): ReviewService {
  const env = { IBAL_TENANT_ID: settings.IBAL_TENANT_ID, IBAL_CLIENT_ID: settings.IBAL_CLIENT_ID, IBAL_CLIENT_SECRET: settings.IBAL_CLIENT_SECRET };
  const dataverse = new DataverseClient({ apiUrl: settings.IBAL_DATAVERSE_URL, token: tokenProviderFor(settings.IBAL_DATAVERSE_URL, env) });
  let tokens: IvTokenProvider | undefined;
  // The IV environment id is the solution's environment variable: read when IV is first needed.
  const msal = confidentialClient({ tenantId: settings.IBAL_TENANT_ID ?? 'organizations', clientId: settings.IBAL_CLIENT_ID,
    clientSecret: settings.IBAL_CLIENT_SECRET, loginUrl: settings.IBAL_LOGIN_URL }, 'IBAL_LOGIN_URL');
  const service: ReviewService = new ReviewService({ dataverse, webhookKey: settings.IBAL_WEBHOOK_KEY, sealKey: settings.IBAL_SEAL_KEY,
    organizationHost: new URL(settings.IBAL_DATAVERSE_URL).host, log, leaseMs: settings.IBAL_LEASE_SECONDS * 1000,
    // Posting as D365 journals: the same app registration, registered in D365 too (README, D365 admin setup).
    d365Tokens: (environmentUrl) => d365TokenProvider(environmentUrl, { tenantId: settings.IBAL_TENANT_ID ?? 'organizations', clientId: settings.IBAL_CLIENT_ID,
      clientSecret: settings.IBAL_CLIENT_SECRET, loginUrl: settings.IBAL_LOGIN_URL }),
    ivTokens: { token: async (refresh?: boolean) => {
      tokens ??= securityServiceTokens({ fetch: globalThis.fetch.bind(globalThis), securityServiceUrl: settings.IBAL_IV_SECURITY_SERVICE_URL,
        environmentId: (await service.store.settings()).ivEnvironmentId, entraToken: clientCredentialsToken(msal, IV_ENTRA_SCOPE) });
      return tokens.token(refresh);
    } } });
  return service;
}

/** Reads a request body, refusing one longer than `limit` bytes before holding it all. */
export function readBody(req: IncomingMessage, limit: number): Promise<{ ok: true; body: string } | { ok: false }> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve({ ok: false });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve({ ok: false });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => { if (!over) resolve({ ok: true, body: Buffer.concat(chunks).toString('utf8') }); });
    req.on('error', () => { if (!over) resolve({ ok: false }); });
  });
}

/** An HTTP server around the service's webhook endpoint, with the body limit. */
export function reviewServiceServer(handle: (request: PlainRequest) => Promise<PlainResponse>, maxBodyBytes: number): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req, maxBodyBytes).then(async (read) => {
      if (!read.ok) {
        res.writeHead(413, { 'Content-Type': 'application/json; charset=utf-8', Connection: 'close' });
        res.end(JSON.stringify({ message: `The request body is larger than ${maxBodyBytes} bytes: Dataverse never sends that much.` }));
        req.destroy();
        return;
      }
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
      const response = await handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers, body: read.body })
        .catch((error: Error) => ({ status: 500, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify({ message: error.message }) }));
      res.writeHead(response.status, response.headers);
      res.end(response.body);
    });
  });
}

/** `ibal review-service`: serves the webhook, takes up unfinished requests, and follows up on a timer. */
export async function serveReviewService(env: NodeJS.ProcessEnv, log: (text: string) => void): Promise<{ server: Server; stop(): Promise<void> }> {
  const settings = reviewServiceSettingsFrom(env);
  const service = reviewServiceFrom(settings, log);
  const server = reviewServiceServer((request) => service.handle(request), settings.IBAL_MAX_BODY_BYTES);
  await new Promise<void>((ready, fail) => { server.once('error', fail); server.listen(settings.PORT, settings.HOST, ready); });
  const address = server.address();
  log(`ibal review-service: listening on http://${settings.HOST}:${typeof address === 'object' && address ? address.port : settings.PORT} for ${new URL(settings.IBAL_DATAVERSE_URL).host}\n`);
  const followUp = async () => {
    try {
      const r = await service.followUp();
      if (r.resumed + r.moved + r.marked + r.cleared > 0) log(`follow-up: ${r.resumed} requests taken up, ${r.moved} lines synced or failed in D365, ${r.marked} marked and ${r.cleared} cleared as needing attention\n`);
    } catch (error) {
      log(`follow-up failed: ${(error as Error).message}\n`);
    }
  };
  void followUp();
  const timer = settings.IBAL_FOLLOW_UP_MINUTES > 0 ? setInterval(() => void followUp(), settings.IBAL_FOLLOW_UP_MINUTES * 60000) : undefined;
  return {
    server,
    async stop() {
      if (timer) clearInterval(timer);
      await new Promise<void>((done) => server.close(() => done()));
      await service.idle();
    },
  };
}

/** `ibal follow-up`: one follow-up pass, for a scheduler (cron, an Azure Function timer). */
export async function followUpOnce(env: NodeJS.ProcessEnv, log: (text: string) => void): Promise<void> {
  const service = reviewServiceFrom(reviewServiceSettingsFrom(env), log);
  const r = await service.followUp();
  log(`ibal follow-up: ${r.resumed} unfinished requests taken up; ${r.moved} posted lines synced or failed in D365; ${r.marked} corrections marked and ${r.cleared} cleared as needing attention\n`);
}
