/**
 * Who the job is to Dataverse: client credentials through MSAL for a Dynamics 365 environment, nobody for the
 * sandbox on this machine. Anything else is refused rather than sent a token it should not see.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { InputError } from '../errors.js';
import type { TokenProvider } from './client.js';

export function tokenProviderFor(apiUrl: string, env: NodeJS.ProcessEnv = process.env): TokenProvider {
  const url = new URL(apiUrl);
  if (url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost')) return async () => undefined;
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
