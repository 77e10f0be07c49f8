/**
 * The WMS side of a coordinated snapshot: optionally ask the WMS for its on-hand as of a time (an HTTP call), then
 * collect the file from where it lands (a local folder, an HTTPS URL or an Azure Blob SAS URL), waiting until it is
 * there or the deadline passes. Every answer that enters is checked; what did not arrive is named.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { expandAsOf, type CollectConfig, type SnapshotConfig } from '../../core/snapshot.js';

export interface Collected { bytes: Buffer; source: string; fileTime: string | undefined; name: string }

export interface WaitOptions { deadline: number; pollMs: number; now: () => number; sleep: (ms: number) => Promise<void>; fetch: typeof fetch }

export class NotArrivedError extends Error {
  override readonly name = 'NotArrivedError';
}

/** Asks the WMS for a snapshot; returns the as-of it reports when `asOfField` names one. */
export async function requestWmsSnapshot(request: NonNullable<SnapshotConfig['wms']['request']>, asOf: string, fetcher: typeof fetch): Promise<string | undefined> {
  const body = request.body?.replaceAll('{asOf}', asOf);
  const response = await fetcher(expandAsOf(request.url, asOf), {
    method: request.method, headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...request.headers }, body,
  });
  const text = await response.text();
  if (!response.ok) throw new NotArrivedError(`the WMS snapshot request to ${request.url.split('?')[0]} was answered ${response.status}: ${text.slice(0, 300)}`);
  if (!request.asOfField) return undefined;
  let value: unknown;
  try {
    value = (JSON.parse(text) as Record<string, unknown>)[request.asOfField];
  } catch {
    throw new NotArrivedError(`the WMS answered the snapshot request with something that is not JSON, so snapshot.wms.request.asOfField '${request.asOfField}' cannot be read`);
  }
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new NotArrivedError(`the WMS answer has no date-time in '${request.asOfField}' (snapshot.wms.request.asOfField); it has ${JSON.stringify(value)}`);
  }
  return new Date(value).toISOString();
}

/** Waits for the file to be there and returns its bytes; a folder and a URL answering 404 are polled until the deadline. */
export async function collectWmsFile(collect: CollectConfig, asOf: string, configFolder: string, wait: WaitOptions, what: string): Promise<Collected> {
  for (;;) {
    const found = collect.from === 'folder' ? fromFolder(collect, asOf, configFolder) : await fromUrl(collect, asOf, wait.fetch);
    if (found) return found;
    if (wait.now() >= wait.deadline) {
      const where = collect.from === 'folder' ? resolve(isAbsolute(collect.path) ? collect.path : resolve(configFolder, collect.path), expandAsOf(collect.file, asOf))
        : expandAsOf(collect.url, asOf).split('?')[0];
      throw new NotArrivedError(`${what}: nothing at ${where}`);
    }
    await wait.sleep(wait.pollMs);
  }
}

function fromFolder(collect: Extract<CollectConfig, { from: 'folder' }>, asOf: string, configFolder: string): Collected | undefined {
  const name = expandAsOf(collect.file, asOf);
  const path = resolve(isAbsolute(collect.path) ? collect.path : resolve(configFolder, collect.path), name);
  if (!existsSync(path) || !statSync(path).isFile()) return undefined;
  return { bytes: readFileSync(path), source: path, fileTime: statSync(path).mtime.toISOString(), name };
}

async function fromUrl(collect: Extract<CollectConfig, { from: 'url' }>, asOf: string, fetcher: typeof fetch): Promise<Collected | undefined> {
  const url = expandAsOf(collect.url, asOf);
  const response = await fetcher(url, { headers: collect.headers ?? {} }).catch(() => undefined);
  // Not there yet (404), or the store briefly unavailable: ask again at the next poll.
  if (!response || response.status === 404 || response.status === 429 || response.status >= 500) return undefined;
  if (!response.ok) throw new NotArrivedError(`the WMS file at ${url.split('?')[0]} was answered ${response.status} (${(await response.text()).slice(0, 200)}): check the URL and its signature`);
  const lastModified = response.headers.get('Last-Modified');
  const name = decodeURIComponent(new URL(url).pathname.split('/').pop() || 'wms.csv');
  return { bytes: Buffer.from(await response.arrayBuffer()), source: url.split('?')[0]!, fileTime: lastModified ? new Date(lastModified).toISOString() : undefined, name };
}
