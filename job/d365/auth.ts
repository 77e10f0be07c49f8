/**
 * Who the job is to D365 finance and operations: an Entra app registration with client credentials (MSAL), asking
 * for `<environment URL>/.default`; the app must be listed in D365 under System administration > Setup > Microsoft
 * Entra applications, mapped to a user whose roles allow data management and the journals (README, admin setup).
 *
 * `IBAL_D365_LOGIN_URL` points MSAL's sign-in requests at a stand-in on 127.0.0.1 (the sandbox, tests): MSAL only
 * accepts https authorities, so its network client is given one that sends the same requests to the stand-in.
 */
import { InputError } from '../errors.js';
import { clientCredentialsToken, confidentialClient } from '../entra.js';

import type { D365TokenProvider } from './client.js';


export interface D365Credentials { tenantId: string; clientId: string; clientSecret: string; loginUrl?: string | undefined }

export function d365CredentialsFromEnv(env: NodeJS.ProcessEnv = process.env): D365Credentials {
  const tenantId = env.IBAL_D365_TENANT_ID ?? env.IBAL_TENANT_ID;
  const clientId = env.IBAL_D365_CLIENT_ID ?? env.IBAL_CLIENT_ID;
  const clientSecret = env.IBAL_D365_CLIENT_SECRET ?? env.IBAL_CLIENT_SECRET;
  const missing = [['IBAL_D365_TENANT_ID (or IBAL_TENANT_ID)', tenantId], ['IBAL_D365_CLIENT_ID (or IBAL_CLIENT_ID)', clientId],
    ['IBAL_D365_CLIENT_SECRET (or IBAL_CLIENT_SECRET)', clientSecret]].filter(([, v]) => !v).map(([name]) => name);
  if (missing.length > 0) throw new InputError(`D365 needs the app registration's client credentials in ${missing.join(', ')}`);
  return { tenantId: tenantId!, clientId: clientId!, clientSecret: clientSecret!, loginUrl: env.IBAL_D365_LOGIN_URL };
}

/** Tokens for `<environmentUrl>/.default`; MSAL caches them and renews them before they expire. */
export function d365TokenProvider(environmentUrl: string, credentials: D365Credentials): D365TokenProvider {
  const origin = new URL(environmentUrl).origin;
  return clientCredentialsToken(confidentialClient(credentials, 'IBAL_D365_LOGIN_URL'), `${origin}/.default`);
}
