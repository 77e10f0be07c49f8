/**
 * The sandbox's stand-in for signing in to Dynamics 365: POST /sandbox/token?login_hint=<user> gives the sandbox user's
 * Dataverse bearer token, which the sandbox app's Xrm.WebApi sends with every call (in Dynamics 365 the browser's
 * session does that). The emulator checks those tokens like Dataverse checks Entra's.
 */
import type { DataverseEmulator } from './dataverse/emulator.js';
import type { PlainRequest, PlainResponse } from './http.js';

export const SIGN_IN_PATH = '/sandbox/token';

export function signIn(emulator: DataverseEmulator, request: PlainRequest): PlainResponse {
  const json = (status: number, body: unknown): PlainResponse => ({ status, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }, body: JSON.stringify(body) });
  if (request.method !== 'POST') return json(405, { error: 'invalid_request', error_description: `${SIGN_IN_PATH} takes POST` });
  const user = new URL(request.url, 'http://127.0.0.1').searchParams.get('login_hint');
  if (!user || !emulator.users.some((u) => u.domainname === user.toLowerCase() || u.id === user.toLowerCase())) {
    return json(400, { error: 'invalid_grant', error_description: `No sandbox user '${user ?? ''}'` });
  }
  return json(200, { token_type: 'Bearer', access_token: emulator.issueToken(user), expires_in: 3600 });
}
