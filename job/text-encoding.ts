/**
 * Text encodings DuckDB does not read: UTF-16, which D365's "CSV-Unicode" format writes (with a byte-order mark)
 * and some Windows tools save. The job writes such files out again as UTF-8, a chunk at a time.
 */
import { closeSync, writeSync } from 'node:fs';
import { TextDecoder } from 'node:util';

export type Utf16 = 'utf-16le' | 'utf-16be';

/** The UTF-16 flavour of a file's first bytes: by its byte-order mark, or by the zero bytes of ASCII text without one. */
export function utf16Of(head: Uint8Array): Utf16 | undefined {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  const pairs = Math.floor(Math.min(head.length, 512) / 2);
  if (pairs < 2) return undefined;
  let oddZeros = 0;
  let evenZeros = 0;
  for (let i = 0; i < pairs; i += 1) {
    if (head[2 * i] === 0) evenZeros += 1;
    if (head[2 * i + 1] === 0) oddZeros += 1;
  }
  if (oddZeros === pairs && evenZeros === 0) return 'utf-16le';
  if (evenZeros === pairs && oddZeros === 0) return 'utf-16be';
  return undefined;
}

/**
 * Writes bytes to an open file as UTF-8: when the first bytes say UTF-16 they are transcoded on the way
 * (the byte-order mark dropped), otherwise they pass through unchanged.
 */
export class Utf8Writer {
  private decoder: TextDecoder | null | undefined;
  private head: Uint8Array = new Uint8Array(0);

  constructor(private readonly fd: number) {}

  write(chunk: Uint8Array): void {
    let bytes = chunk;
    if (this.decoder === undefined) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < 512) return;
      bytes = this.decide();
    }
    this.emit(bytes, true);
  }

  end(): void {
    if (this.decoder === undefined) this.emit(this.decide(), false);
    else if (this.decoder) writeSync(this.fd, Buffer.from(this.decoder.decode(), 'utf8'));
  }

  close(): void {
    closeSync(this.fd);
  }

  private decide(): Uint8Array {
    const encoding = utf16Of(this.head);
    this.decoder = encoding ? new TextDecoder(encoding) : null;
    const bytes = this.head;
    this.head = new Uint8Array(0);
    return bytes;
  }

  private emit(bytes: Uint8Array, more: boolean): void {
    if (bytes.length === 0 && more) return;
    if (this.decoder) writeSync(this.fd, Buffer.from(this.decoder.decode(bytes, { stream: more }), 'utf8'));
    else if (bytes.length > 0) writeSync(this.fd, bytes);
  }
}
