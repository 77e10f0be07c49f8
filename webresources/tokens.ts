/**
 * Tokens in the browser without a secret (issue "Review workflow", "Tokens without secrets"): the web resource signs
 * the user in silently (single sign-on) for a Dataverse token, hands it to the token broker, and gets back an IV
 * token, or sends its IV calls through the broker. Which, is the environment variables' choice.
 */
import { createStandardPublicClientApplication, type IPublicClientApplication } from '@azure/msal-browser';
import { z } from 'zod';
import type { IvTokenProvider } from '../core/iv-tokens.js';
import { InventoryVisibilityClient } from './iv-client.js';
import { isYes, type Settings } from './discrepancies.js';

/** The signed-in user's Dataverse token, which the broker checks with WhoAmI. */
export type CallerToken = () => Promise<string>;

/** The sandbox signs users in itself (its stand-in for Entra single sign-on); its broker client id says so. */
export const SANDBOX_SIGN_IN = 'sandbox';

const brokerTokenSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });

/**
 * The caller's Dataverse token: by MSAL single sign-on with the app registration in `ibal_BrokerClientId` (the user
 * is already signed in to Dynamics 365, so no prompt), or from the sandbox's sign-in endpoint.
 */
export function callerToken(options: { clientId: string; clientUrl: string; userName: string; fetch?: typeof fetch }): CallerToken {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  if (options.clientId === '') throw new Error('The environment variable ibal_BrokerClientId is not set: ask an admin to set the broker sign-in app id.');
  if (options.clientId === SANDBOX_SIGN_IN) {
    return async () => {
      const response = await doFetch(`${options.clientUrl}/sandbox/token?login_hint=${encodeURIComponent(options.userName)}`, { method: 'POST' });
      if (!response.ok) throw new Error(`The sandbox did not sign ${options.userName} in: ${response.status}`);
      return brokerTokenSchema.parse(await response.json()).access_token;
    };
  }
  let app: Promise<IPublicClientApplication> | undefined;
  const scopes = [`${options.clientUrl}/user_impersonation`];
  return async () => {
    app ??= createStandardPublicClientApplication({ auth: { clientId: options.clientId, authority: 'https://login.microsoftonline.com/organizations' } });
    const msal = await app;
    const account = msal.getAllAccounts().find((a) => a.username.toLowerCase() === options.userName.toLowerCase());
    const result = account ? await msal.acquireTokenSilent({ scopes, account }) : await msal.ssoSilent({ scopes, loginHint: options.userName });
    return result.accessToken;
  };
}

/** IV tokens from the broker, cached until a minute before they expire. */
export function brokerIvTokens(options: { brokerUrl: string; caller: CallerToken; fetch?: typeof fetch; now?: () => number }): IvTokenProvider {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? Date.now;
  let cached: { token: string; until: number } | undefined;
  return {
    async token(refresh = false) {
      if (!refresh && cached && cached.until > now()) return cached.token;
      const response = await doFetch(`${options.brokerUrl.replace(/\/$/, '')}/iv-token`, { method: 'POST', headers: { Authorization: `Bearer ${await options.caller()}` } });
      if (!response.ok) throw new Error(`The token broker refused: ${response.status} ${(await response.text()).slice(0, 300)}`);
      const token = brokerTokenSchema.parse(await response.json());
      cached = { token: token.access_token, until: now() + (token.expires_in - 60) * 1000 };
      return token.access_token;
    },
  };
}

/** The IV client the settings ask for: straight to IV with broker tokens, or through the broker's relay. */
export function inventoryVisibilityClient(settings: Settings, caller: CallerToken, fetchImpl?: typeof fetch): InventoryVisibilityClient {
  if (settings.tokenBrokerUrl === '') throw new Error('The environment variable ibal_TokenBrokerUrl is not set: ask an admin to set the token broker URL.');
  if (settings.ivEnvironmentId === '') throw new Error('The environment variable ibal_IVEnvironmentId is not set.');
  const broker = settings.tokenBrokerUrl.replace(/\/$/, '');
  const createWithIVSync = isYes(settings.ivCreateWithSync);
  const common = { environmentId: settings.ivEnvironmentId, createWithIVSync, ...(fetchImpl ? { fetch: fetchImpl } : {}) };
  if (isYes(settings.ivCallsThroughBroker)) {
    // The broker checks the caller on every relayed call and adds the IV token itself.
    return new InventoryVisibilityClient({ ...common, endpoint: `${broker}/iv`, tokens: { token: () => caller() } });
  }
  if (settings.ivEndpoint === '') throw new Error('The environment variable ibal_IVEndpoint is not set.');
  return new InventoryVisibilityClient({ ...common, endpoint: settings.ivEndpoint, tokens: brokerIvTokens({ brokerUrl: broker, caller, ...(fetchImpl ? { fetch: fetchImpl } : {}) }) });
}
