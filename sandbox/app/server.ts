/**
 * What the sandbox serves besides the emulators: the app shell and its model, the built web resources and control
 * (as Dataverse serves web resources), the sign-in stand-in, and the demo switches (IV faults, the
 * IV ledger) the settings panel and the end-to-end tests use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { DataverseEmulator } from '../dataverse/emulator.js';
import type { PlainRequest, PlainResponse } from '../http.js';
import type { InventoryVisibilityEmulator } from '../iv/emulator.js';
import { signIn, SIGN_IN_PATH } from '../sign-in.js';
import { appModel } from './model.js';

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.html': 'text/html; charset=utf-8', '.xml': 'application/xml; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8' };
const json = (status: number, body: unknown): PlainResponse => ({ status, headers: { 'Content-Type': TYPES['.json']! }, body: JSON.stringify(body) });
const notFound = (what: string): PlainResponse => ({ status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: `Not found: ${what}` });

/** A file under `dir`, never outside it. */
function file(dir: string, relative: string): PlainResponse {
  const path = normalize(join(dir, relative));
  if (!path.startsWith(dir + sep) || !existsSync(path)) return notFound(relative);
  return { status: 200, headers: { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' }, body: readFileSync(path, 'utf8') };
}

/** The control's input properties and their defaults, from its manifest (what a maker leaves unbound). */
function manifestDefaults(root: string): Record<string, string> {
  const manifest = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => name === 'property' })
    .parse(readFileSync(join(root, 'ControlManifest.Input.xml'), 'utf8')) as { manifest: { control: { property: Array<Record<string, string>> } } };
  return Object.fromEntries(manifest.manifest.control.property.filter((p) => p['@default-value'] !== undefined).map((p) => [p['@name']!, p['@default-value']!]));
}

const SHELL = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Inventory Balance (sandbox)</title><style>html, body, #root { margin: 0; height: 100%; }</style></head>
<body><div id="root"></div><script src="/app/shell.js"></script></body></html>`;

export interface AppServerOptions {
  root: string;
  emulator: DataverseEmulator;
  iv: InventoryVisibilityEmulator;
}

/** The app's routes; undefined for a request that is not theirs. */
export function appServer(options: AppServerOptions): (request: PlainRequest) => Promise<PlainResponse | undefined> {
  const { root, emulator, iv } = options;
  let faultsOn = false;
  return async (request) => {
    const path = request.url.split('?')[0]!;
    if (path === '/') return { status: 200, headers: { 'Content-Type': TYPES['.html']! }, body: SHELL };
    if (path === '/app/shell.js') return file(join(root, 'out', 'sandbox'), 'shell.js');
    if (path === '/app/model.json') {
      // Read on every request: a maker's edit to solution/src shows on the next page load.
      return json(200, { ...appModel(join(root, 'solution', 'src')), manifestDefaults: manifestDefaults(root),
        users: emulator.users.filter((u) => !u.application).map((u) => ({ id: u.id, fullname: u.fullname, domainname: u.domainname,
          roles: emulator.rolesOf(u).map((r) => ({ id: r.id, name: r.name })) })) });
    }
    // Dataverse serves web resources under /WebResources/<name>; the shell loads them under the lower-case path too.
    if (/^\/webresources\/ibal_\//i.test(path)) return file(join(root, 'out', 'webresources'), decodeURIComponent(path.slice('/webresources/ibal_/'.length)));
    if (path.startsWith('/controls/')) return file(join(root, 'out', 'controls'), decodeURIComponent(path.slice('/controls/'.length)));
    if (path === SIGN_IN_PATH) return signIn(emulator, request);
    if (path === '/favicon.ico') return { status: 204, headers: {}, body: '' };
    if (path === '/sandbox/iv-faults' && request.method === 'GET') return json(200, { on: faultsOn });
    if (path === '/sandbox/iv-faults' && request.method === 'POST') {
      const on = (JSON.parse(request.body || '{}') as { on?: boolean }).on === true;
      iv.setFaults(on ? { share: 0.3, kinds: ['429', '500', '500after', 'slow', 'body500'], delayMs: 1500, retryAfterSeconds: 1, seed: Date.now() % 100000 } : undefined);
      faultsOn = on;
      return json(200, { on });
    }
    if (path === '/sandbox/iv-ledger' && request.method === 'GET') {
      const ledger = iv.ledger();
      return json(200, { lines: ledger.lines.map((l) => ({ id: l.line.id, externalReferenceId: l.line.externalReferenceId ?? null, productId: l.line.productId,
        quantity: l.line.quantity, status: l.status })), stats: iv.stats });
    }
    return undefined;
  };
}
