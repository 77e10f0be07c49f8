/** Dataverse's error envelope `{"error":{"code":"0x…","message":"…"}}` with the status it goes with (offline.md §5.5). */
export class DataverseError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }

  body(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export const CODES = {
  doesNotExist: '0x80040217',
  duplicateKey: '0x80040237',
  validation: '0x80044331',
  badRequest: '0x80060888',
  notSupported: '0x80060889',
  versionMismatch: '0x80060882',
  requestsLimit: '0x80072322',
  unavailable: '0x80072326',
} as const;

export const badRequest = (message: string) => new DataverseError(400, CODES.badRequest, message);
/** Anything the emulator does not implement: said plainly, never guessed (ARCHITECTURE.md). */
export const notSupported = (what: string) => new DataverseError(501, CODES.notSupported, `The Dataverse emulator does not support ${what}`);
export const validation = (message: string) => new DataverseError(400, CODES.validation, message);
export const notFound = (message: string) => new DataverseError(404, CODES.doesNotExist, message);
