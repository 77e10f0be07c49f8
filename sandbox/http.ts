/**
 * The sandbox's one HTTP adapter: the emulators are functions from a request to a response, and this serves such a
 * function on 127.0.0.1 (never any other address).
 */
import { createServer, type Server } from 'node:http';

export interface PlainRequest { method: string; url: string; headers: Record<string, string | undefined>; body: string }
export interface PlainResponse { status: number; headers: Record<string, string>; body: string }
export type Handler = (request: PlainRequest) => Promise<PlainResponse>;

export interface Listening { server: Server; origin: string; close(): Promise<void> }

/** Serves the handler on 127.0.0.1; port 0 picks a free one. */
export async function serveOnLoopback(handler: Handler, port = 0): Promise<Listening> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
      // A handler that throws at once is answered like one that rejects: a 500, and the server goes on.
      Promise.resolve().then(() => handler({ method: req.method ?? 'GET', url: req.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8') })).then(
        (response) => { res.writeHead(response.status, response.headers); res.end(response.body); },
        (error: Error) => { res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }); res.end(error.message); });
    });
  });
  await new Promise<void>((ready, fail) => { server.once('error', fail); server.listen(port, '127.0.0.1', ready); });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  return {
    server,
    origin: `http://127.0.0.1:${address.port}`,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}
