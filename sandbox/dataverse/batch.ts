/**
 * `$batch` in Dataverse's multipart/mixed form (offline.md §5.7): parts are requests in order; a change set is
 * atomic and its parts may refer to earlier ones with `$<Content-ID>`. This module reads and writes the format;
 * the emulator runs the requests.
 */
import { randomUUID } from 'node:crypto';
import { badRequest } from './errors.js';

export interface BatchRequest { method: string; url: string; headers: Record<string, string>; body: string; contentId: string | undefined }
export type BatchItem = { kind: 'request'; request: BatchRequest } | { kind: 'changeset'; requests: BatchRequest[] };
export interface PartResponse { status: number; headers: Record<string, string>; body: string; contentId: string | undefined }

export const MAX_BATCH_REQUESTS = 1000;

function boundaryOf(contentType: string | undefined): string {
  const match = /boundary="?([^";]+)"?/i.exec(contentType ?? '');
  if (!match || !/^multipart\/mixed/i.test(contentType ?? '')) throw badRequest('A $batch request needs Content-Type: multipart/mixed; boundary=…');
  return match[1]!;
}

/** Splits a multipart body into its parts: each part's headers and the rest. */
function parts(body: string, boundary: string): Array<{ headers: Record<string, string>; content: string }> {
  const normalized = body.replace(/\r\n/g, '\n');
  const delimiter = `--${boundary}`;
  const end = normalized.indexOf(`${delimiter}--`);
  if (end < 0) throw badRequest(`The $batch body does not end with ${delimiter}--`);
  return normalized.slice(0, end).split(delimiter).slice(1).map((raw) => {
    const text = raw.replace(/^\n/, '');
    const split = text.indexOf('\n\n');
    const head = split < 0 ? text : text.slice(0, split);
    return { headers: headerMap(head.split('\n')), content: split < 0 ? '' : text.slice(split + 2).replace(/\n$/, '') };
  });
}

function headerMap(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** An `application/http` part: request line, headers, blank line, body. */
function httpRequest(part: { headers: Record<string, string>; content: string }): BatchRequest {
  if (!/^application\/http/i.test(part.headers['content-type'] ?? '')) throw badRequest('Each $batch part must be application/http or a multipart/mixed change set');
  const split = part.content.indexOf('\n\n');
  const head = (split < 0 ? part.content : part.content.slice(0, split)).split('\n');
  const requestLine = /^(GET|POST|PATCH|PUT|DELETE) (\S+)(?: HTTP\/1\.1)?$/.exec(head[0]!.trim());
  if (!requestLine) throw badRequest(`Invalid request line in $batch: '${head[0]}'`);
  return { method: requestLine[1]!, url: requestLine[2]!, headers: headerMap(head.slice(1)), body: split < 0 ? '' : part.content.slice(split + 2).trim(),
    contentId: part.headers['content-id'] };
}

export function parseBatch(contentType: string | undefined, body: string): BatchItem[] {
  const items = parts(body, boundaryOf(contentType)).map((part): BatchItem => {
    if (/^multipart\/mixed/i.test(part.headers['content-type'] ?? '')) {
      const requests = parts(part.content, boundaryOf(part.headers['content-type'])).map(httpRequest);
      for (const r of requests) if (r.method === 'GET') throw badRequest('GET requests are not allowed inside a change set');
      return { kind: 'changeset', requests };
    }
    return { kind: 'request', request: httpRequest(part) };
  });
  const count = items.reduce((n, item) => n + (item.kind === 'request' ? 1 : item.requests.length), 0);
  if (count > MAX_BATCH_REQUESTS) throw badRequest(`A $batch holds at most ${MAX_BATCH_REQUESTS} requests; this one has ${count}`);
  return items;
}

const REASONS: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found',
  405: 'Method Not Allowed', 412: 'Precondition Failed', 429: 'Too Many Requests', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable' };

function httpPart(response: PartResponse): string {
  const headers = Object.entries(response.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
  return ['Content-Type: application/http', 'Content-Transfer-Encoding: binary', ...(response.contentId ? [`Content-ID: ${response.contentId}`] : []), '',
    `HTTP/1.1 ${response.status} ${REASONS[response.status] ?? ''}`, headers, '', response.body].join('\r\n');
}

/** The multipart/mixed response: one part per request, change sets as nested multiparts. */
export function formatBatch(results: Array<{ kind: 'request'; response: PartResponse } | { kind: 'changeset'; responses: PartResponse[] }>):
  { contentType: string; body: string } {
  const boundary = `batchresponse_${randomUUID()}`;
  const sections = results.map((result) => {
    if (result.kind === 'request') return httpPart(result.response);
    const inner = `changesetresponse_${randomUUID()}`;
    return [`Content-Type: multipart/mixed; boundary=${inner}`, '',
      ...result.responses.map((r) => `--${inner}\r\n${httpPart(r)}`), `--${inner}--`].join('\r\n');
  });
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: `${sections.map((s) => `--${boundary}\r\n${s}`).join('\r\n')}\r\n--${boundary}--\r\n` };
}
