/**
 * Microsoft Entra client credentials for the job and the review service, through MSAL. A `loginUrl` on 127.0.0.1
 * points MSAL's sign-in requests at a stand-in (the sandbox, tests): MSAL accepts only https authorities, so it is
 * given a network client that sends what it addresses to login.microsoftonline.com to the stand-in instead.
 */
import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import { InputError } from './errors.js';

type NetworkModule = NonNullable<NonNullable<Configuration['system']>['networkClient']>;
type NetworkRequestOptions = Parameters<NetworkModule['sendPostRequestAsync']>[1];

const LOGIN_HOST = 'https://login.microsoftonline.com';

export interface EntraCredentials { tenantId: string; clientId: string; clientSecret: string; loginUrl?: string | undefined }

/** An MSAL network client that sends what MSAL addresses to login.microsoftonline.com to a loopback stand-in instead. */
function loopbackNetwork(loginUrl: string, setting: string): NetworkModule {
  const target = new URL(loginUrl);
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') throw new InputError(`${setting} must be on 127.0.0.1 (a stand-in), not ${loginUrl}`);
  const send = async <T>(method: string, url: string, options?: NetworkRequestOptions) => {
    const response = await fetch(url.replace(LOGIN_HOST, target.origin), { method, headers: options?.headers ?? {}, body: options?.body });
    return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body: (await response.json()) as T };
  };
  return { sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('GET', url, options),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('POST', url, options) };
}

/** The app registration as MSAL's confidential client; `setting` names where a loopback login URL came from. */
export function confidentialClient(credentials: EntraCredentials, setting = 'the login URL'): ConfidentialClientApplication {
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
    config.system = { networkClient: loopbackNetwork(credentials.loginUrl, setting) };
  }
  return new ConfidentialClientApplication(config);
}

/** A token for `scope` (cached and renewed by MSAL). */
export function clientCredentialsToken(app: ConfidentialClientApplication, scope: string): () => Promise<string> {
  return async () => {
    const result = await app.acquireTokenByClientCredential({ scopes: [scope] });
    if (!result?.accessToken) throw new Error(`Microsoft Entra issued no token for ${scope}`);
    return result.accessToken;
  };
}
