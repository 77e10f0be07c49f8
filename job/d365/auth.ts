/**
 * Who the job is to D365 finance and operations: an Entra app registration with client credentials (MSAL), asking
 * for `<environment URL>/.default`; the app must be listed in D365 under System administration > Setup > Microsoft
 * Entra applications, mapped to a user whose roles allow data management and the journals (README, admin setup).
 *
 * `IBAL_D365_LOGIN_URL` points MSAL's sign-in requests at a stand-in on 127.0.0.1 (the sandbox, tests): MSAL only
 * accepts https authorities, so its network client is given one that sends the same requests to the stand-in.
 */
import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import { InputError } from '../errors.js';

type NetworkModule = NonNullable<NonNullable<Configuration['system']>['networkClient']>;
type NetworkRequestOptions = Parameters<NetworkModule['sendPostRequestAsync']>[1];
import type { D365TokenProvider } from './client.js';

const LOGIN_HOST = 'https://login.microsoftonline.com';

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

/** An MSAL network client that sends what MSAL addresses to login.microsoftonline.com to a loopback stand-in instead. */
function loopbackNetwork(loginUrl: string): NetworkModule {
  const target = new URL(loginUrl);
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') throw new InputError(`IBAL_D365_LOGIN_URL must be on 127.0.0.1 (a stand-in), not ${loginUrl}`);
  const send = async <T>(method: string, url: string, options?: NetworkRequestOptions) => {
    const response = await fetch(url.replace(LOGIN_HOST, target.origin), { method, headers: options?.headers ?? {}, body: options?.body });
    return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body: (await response.json()) as T };
  };
  return { sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('GET', url, options),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('POST', url, options) };
}

/** Tokens for `<environmentUrl>/.default`; MSAL caches them and renews them before they expire. */
export function d365TokenProvider(environmentUrl: string, credentials: D365Credentials): D365TokenProvider {
  const origin = new URL(environmentUrl).origin;
  const authority = `${LOGIN_HOST}/${credentials.tenantId}`;
  const config: Configuration = { auth: { clientId: credentials.clientId, clientSecret: credentials.clientSecret, authority } };
  if (credentials.loginUrl) {
    // Skip instance discovery, which only the real Entra answers; the token endpoint is all client credentials need.
    config.auth.authorityMetadata = JSON.stringify({
      token_endpoint: `${authority}/oauth2/v2.0/token`, authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      issuer: `${LOGIN_HOST}/${credentials.tenantId}/v2.0`, jwks_uri: `${authority}/discovery/v2.0/keys`, end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    });
    config.auth.cloudDiscoveryMetadata = JSON.stringify({ tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`, 'api-version': '1.1',
      metadata: [{ preferred_network: 'login.microsoftonline.com', preferred_cache: 'login.windows.net', aliases: ['login.microsoftonline.com'] }] });
    config.system = { networkClient: loopbackNetwork(credentials.loginUrl) };
  }
  const app = new ConfidentialClientApplication(config);
  return async () => {
    const result = await app.acquireTokenByClientCredential({ scopes: [`${origin}/.default`] });
    if (!result?.accessToken) throw new Error(`no token for ${origin}`);
    return result.accessToken;
  };
}
