/**
 * Asking the review service, from the browser: a review request is created through Xrm.WebApi (Dataverse runs the
 * service's synchronous check before saving it: a refusal comes back as the create's error), then read back until
 * the service has carried it out, its progress shown as it goes. The browser decides nothing and holds no token.
 */
import { bareId } from '../core/dataverse/rows.js';
import { reviewRequest } from '../core/dataverse/tables.js';
import { isFinished, requestColumns, requestStatusLabel, type ReviewRequestInput } from '../core/review-request.js';

export type WebApi = Pick<Xrm.WebApi, 'retrieveMultipleRecords' | 'retrieveRecord' | 'createRecord'>;

const R = reviewRequest.columns;

/** Dataverse's service protection and busy codes: the call did nothing and may be made again. */
const RETRYABLE = new Set([0x80072322, 0x80072321, 0x80072326, 0x8005f103]);

export interface AskOptions {
  progress: (text: string) => void;
  sleep?: (ms: number) => Promise<void>;
  /** The longest wait between two looks at the request (the first looks come sooner). */
  pollMs?: number;
  /** How long to wait for the outcome before telling the user where to find it. */
  patienceMs?: number;
  newId?: () => string;
}

export type Answer = { kind: 'refused'; message: string } | { kind: 'done'; status: string; outcome: string } | { kind: 'still running'; progress: string };

const errorCodeOf = (error: unknown): number => Number((error as { errorCode?: unknown })?.errorCode ?? 0) >>> 0;
const statusOf = (error: unknown): number => Number((error as { status?: unknown })?.status ?? 0);
export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String((error as { message?: unknown })?.message ?? error));

/** A Web API call, again after a pause when Dataverse was too busy to do it (429/503 and their codes). */
export async function withRetries<T>(call: () => PromiseLike<T>, sleep: (ms: number) => Promise<void>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const busy = RETRYABLE.has(errorCodeOf(error)) || [429, 503].includes(statusOf(error));
      if (!busy || attempt >= attempts) throw error;
      await sleep(1000 * 2 ** (attempt - 1));
    }
  }
}

/** Creates the request and waits for its outcome. */
export async function ask(api: WebApi, input: ReviewRequestInput, name: string, options: AskOptions): Promise<Answer> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  // The request's id is chosen here, so a create retried after a lost answer cannot make a second request.
  const id = (options.newId ?? (() => crypto.randomUUID()))();
  options.progress('Sending the request to the review service…');
  try {
    await withRetries(() => api.createRecord(reviewRequest.logicalName, { [reviewRequest.primaryId]: id, ...requestColumns(input, name) }), sleep);
  } catch (error) {
    // Already there: an earlier attempt got through and only its answer was lost.
    if (errorCodeOf(error) !== 0x80040237) return { kind: 'refused', message: errorText(error) };
  }
  const started = Date.now();
  const select = `?$select=${[R.requestStatus, R.progress, R.outcome].map((c) => c.logicalName).join(',')}`;
  let progress = 'Waiting for the review service…';
  for (let look = 0; ; look += 1) {
    const row = await withRetries(() => api.retrieveRecord(reviewRequest.logicalName, bareId(id), select), sleep);
    const status = row[R.requestStatus.logicalName];
    if (isFinished(status)) return { kind: 'done', status: requestStatusLabel(status) ?? '', outcome: String(row[R.outcome.logicalName] ?? '') };
    progress = String(row[R.progress.logicalName] ?? '') || progress;
    options.progress(progress);
    if (Date.now() - started > (options.patienceMs ?? 300000)) return { kind: 'still running', progress };
    // Short requests end within a second: look soon, then less often.
    await sleep(Math.min(250 * 2 ** look, options.pollMs ?? 2000));
  }
}
