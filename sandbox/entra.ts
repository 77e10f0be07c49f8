/**
 * Microsoft Entra's client-credentials token endpoint as the sandbox's stand-ins answer it
 * (`POST /{tenant}/oauth2/v2.0/token`): the grant, the app, its secret and the one scope it may ask for are checked
 * in that order, each refusal in Entra's error shape; the stand-in issues and keeps the token itself.
 */
import type { PlainRequest, PlainResponse } from './http.js';

export interface ClientCredentialsApp { clientId: string; clientSecret: string; scope: string }

const refusal = (status: number, error: string, description: string): PlainResponse =>
  ({ status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error, error_description: description }) });

/** A refusal in Entra's shape, or undefined when the request may have a token for `app.scope`. */
export function refuseClientCredentials(request: PlainRequest, app: ClientCredentialsApp): PlainResponse | undefined {
  const form = new URLSearchParams(request.body);
  if (form.get('grant_type') !== 'client_credentials') return refusal(400, 'unsupported_grant_type', 'AADSTS70003: grant_type must be client_credentials.');
  if (form.get('client_id') !== app.clientId) {
    return refusal(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory.`);
  }
  if (form.get('client_secret') !== app.clientSecret) return refusal(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
  const scopes = (form.get('scope') ?? '').split(' ').filter((s) => s !== 'openid' && s !== 'profile' && s !== 'offline_access');
  if (scopes.length !== 1 || scopes[0] !== app.scope) {
    return refusal(400, 'invalid_scope', `AADSTS70011: The provided value for scope ${form.get('scope')} is not valid; use ${app.scope}.`);
  }
  return undefined;
}
