/**
 * Tokens for Inventory Visibility (DOMAIN.md §6, iv_api.md §2): the provider interface every IV caller takes, and the
 * security-service exchange. `fetch` is passed in: the broker runs this in Node, tests against the emulator.
 */
import { IV_SERVICE_SCOPE, securityTokenResponseSchema } from './iv.js';

export interface IvTokenProvider {
  /** A current IV access token; `refresh` forces a new one (after a 401). */
  token(refresh?: boolean): Promise<string>;
}

/**
 * IV tokens by the documented exchange: an Entra token (from MSAL, or from whatever the caller trusts) traded at the
 * security service, cached until a minute before it expires. The 307 to the regional service is followed by fetch.
 */
export function securityServiceTokens(options: { securityServiceUrl: string; environmentId: string; entraToken: () => Promise<string>;
  fetch: typeof fetch; now?: () => number }): IvTokenProvider & { validUntil(): number } {
  const doFetch = options.fetch;
  const now = options.now ?? Date.now;
  let cached: { token: string; until: number } | undefined;
  return {
    /** When the cached token stops being used (a minute before it expires); 0 before the first. */
    validUntil: () => cached?.until ?? 0,
    async token(refresh = false) {
      if (!refresh && cached && cached.until > now()) return cached.token;
      const response = await doFetch(options.securityServiceUrl, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Api-Version': '1.0' },
        body: JSON.stringify({ grant_type: 'client_credentials', client_assertion_type: 'aad_app', client_assertion: await options.entraToken(),
          scope: IV_SERVICE_SCOPE, context: options.environmentId, context_type: 'finops-env' }) });
      if (!response.ok) throw new Error(`The IV security service refused the token exchange: ${response.status} ${(await response.text()).slice(0, 300)}`);
      const token = securityTokenResponseSchema.parse(await response.json());
      cached = { token: token.access_token, until: now() + (token.expires_in - 60) * 1000 };
      return token.access_token;
    },
  };
}
