/**
 * Who the job (or the review service) is to Dataverse: an application user signing in with client credentials,
 * through MSAL for a Dynamics 365 environment, or against the sandbox's Entra stand-in on this machine. Anything else
 * is refused rather than sent a secret it should not see.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { z } from 'zod';
import { InputError } from '../errors.js';
import type { TokenProvider } from './client.js';

/** The sandbox's application user for the job (sandbox/dataverse/emulator.ts), used when no app registration is set. */
export const SANDBOX_JOB_APP = { clientId: '00000000-0000-0000-0000-0000000c1a01', clientSecret: 'sandbox-job-secret' } as const;
/** Where the sandbox issues application tokens (sandbox/dataverse/emulator.ts TOKEN_PATH). */
const SANDBOX_TOKEN_PATH = '/sandbox/oauth2/v2.0/token';

const tokenResponseSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });

const isLoopback = (url: URL) => url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost');

/** Client credentials against the sandbox on this machine, the token kept until a minute before it expires. */
function sandboxClientCredentials(url: URL, clientId: string, clientSecret: string, fetchImpl: typeof fetch): TokenProvider {
  let cached: { token: string; until: number } | undefined;
  return async () => {
    if (cached && cached.until > Date.now()) return cached.token;
    const response = await fetchImpl(`${url.origin}${SANDBOX_TOKEN_PATH}`, { method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: `${url.origin}/.default` }) });
    if (!response.ok) throw new Error(`The sandbox at ${url.origin} refused the client credentials of ${clientId}: ${response.status} ${(await response.text()).slice(0, 200)}`);
    const token = tokenResponseSchema.parse(await response.json());
    cached = { token: token.access_token, until: Date.now() + (token.expires_in - 60) * 1000 };
    return token.access_token;
  };
}

export function tokenProviderFor(apiUrl: string, env: NodeJS.ProcessEnv = process.env, fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)): TokenProvider {
  const url = new URL(apiUrl);
  if (isLoopback(url)) {
    return sandboxClientCredentials(url, env.IBAL_CLIENT_ID ?? SANDBOX_JOB_APP.clientId, env.IBAL_CLIENT_SECRET ?? SANDBOX_JOB_APP.clientSecret, fetchImpl);
  }
  if (url.protocol !== 'https:' || !/\.dynamics\.com$/i.test(url.hostname)) {
    throw new InputError(`--target ${apiUrl}: expected https://<org>.crm*.dynamics.com/api/data/v9.2/ or the sandbox on 127.0.0.1`);
  }
  const missing = ['IBAL_TENANT_ID', 'IBAL_CLIENT_ID', 'IBAL_CLIENT_SECRET'].filter((name) => !env[name]);
  if (missing.length > 0) throw new InputError(`--target ${url.origin} needs the app registration in ${missing.join(', ')} (client credentials)`);
  const app = new ConfidentialClientApplication({
    auth: { clientId: env.IBAL_CLIENT_ID!, clientSecret: env.IBAL_CLIENT_SECRET!, authority: `https://login.microsoftonline.com/${env.IBAL_TENANT_ID}` },
  });
  return async () => {
    // MSAL caches the token and renews it before it expires.
    const result = await app.acquireTokenByClientCredential({ scopes: [`${url.origin}/.default`] });
    if (!result?.accessToken) throw new Error(`no token for ${url.origin}`);
    return result.accessToken;
  };
}
