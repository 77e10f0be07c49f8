/**
 * A stand-in for the Azure Blob storage behind D365's data management (GetAzureWriteUrl, GetExportedPackageUrl) and
 * for a WMS that publishes files by SAS URL. Served on its own 127.0.0.1 port because blobs are bytes (the sandbox's
 * request adapter is text). Put Blob needs `x-ms-blob-type: BlockBlob`; a SAS is checked for its signature,
 * permission and expiry (on the clock it is given); errors are Azure Storage's XML with its error codes.
 */
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';

interface StoredBlob { bytes: Buffer; lastModified: number; contentType: string }
interface Sas { path: string; permissions: string; expires: number }

const storageError = (status: number, code: string, message: string) =>
  ({ status, headers: { 'Content-Type': 'application/xml', 'x-ms-error-code': code }, body: Buffer.from(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`) });

export class BlobStandIn {
  private readonly blobs = new Map<string, StoredBlob>();
  private readonly signatures = new Map<string, Sas>();
  private server: Server | undefined;
  private originValue: string | undefined;
  /** Requests by method, for tests that count uploads and downloads. */
  readonly stats = { puts: 0, gets: 0 };

  constructor(private readonly now: () => number = () => Date.now()) {}

  get origin(): string {
    if (!this.originValue) throw new Error('the blob stand-in is not listening yet');
    return this.originValue;
  }

  /** A URL with a shared access signature for one blob: `r` read, `w` write. */
  sasUrl(path: string, permissions: string, ttlSeconds = 3600): string {
    const sig = randomBytes(16).toString('base64url');
    const expires = this.now() + ttlSeconds * 1000;
    this.signatures.set(sig, { path, permissions, expires });
    return `${this.origin}/${path}?sv=2022-11-02&sr=b&sp=${permissions}&se=${encodeURIComponent(new Date(expires).toISOString())}&sig=${sig}`;
  }

  /** The blob path a URL of this store names, or undefined for any other URL. */
  pathOf(url: string): string | undefined {
    if (!url.startsWith(`${this.origin}/`)) return undefined;
    return decodeURIComponent(new URL(url).pathname.slice(1));
  }

  write(path: string, bytes: Uint8Array, contentType = 'application/octet-stream', lastModified = this.now()): void {
    this.blobs.set(path, { bytes: Buffer.from(bytes), lastModified, contentType });
  }

  read(path: string): Buffer | undefined {
    return this.blobs.get(path)?.bytes;
  }

  async listen(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const answer = this.handle(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks));
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      });
    });
    await new Promise<void>((ready, fail) => { this.server!.once('error', fail); this.server!.listen(port, '127.0.0.1', ready); });
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the blob stand-in has no TCP address');
    this.originValue = `http://127.0.0.1:${address.port}`;
    return this.originValue;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private handle(method: string, rawUrl: string, headers: Record<string, string | string[] | undefined>, body: Buffer):
    { status: number; headers: Record<string, string>; body: Buffer } {
    const url = new URL(rawUrl, 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname.slice(1));
    const sas = this.signatures.get(url.searchParams.get('sig') ?? '');
    if (!sas || sas.path !== path) return storageError(403, 'AuthenticationFailed', 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.');
    if (sas.expires <= this.now()) return storageError(403, 'AuthenticationFailed', 'Signed expiry time has to be after signed start time; the signature has expired.');
    if (method === 'PUT') {
      if (!sas.permissions.includes('w')) return storageError(403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.');
      if (headers['x-ms-blob-type'] !== 'BlockBlob') return storageError(400, 'MissingRequiredHeader', 'An HTTP header that\'s mandatory for this request is not specified: x-ms-blob-type.');
      this.stats.puts += 1;
      this.write(path, body, String(headers['content-type'] ?? 'application/octet-stream'));
      return { status: 201, headers: { 'Last-Modified': new Date(this.now()).toUTCString() }, body: Buffer.alloc(0) };
    }
    if (method === 'GET') {
      if (!sas.permissions.includes('r')) return storageError(403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.');
      const blob = this.blobs.get(path);
      if (!blob) return storageError(404, 'BlobNotFound', 'The specified blob does not exist.');
      this.stats.gets += 1;
      return { status: 200, headers: { 'Content-Type': blob.contentType, 'Content-Length': String(blob.bytes.length), 'Last-Modified': new Date(blob.lastModified).toUTCString() }, body: blob.bytes };
    }
    return storageError(405, 'UnsupportedHttpVerb', `The resource doesn't support the specified HTTP verb ${method}.`);
  }
}
