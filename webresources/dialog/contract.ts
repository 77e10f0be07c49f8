/**
 * What the command handlers ask the review dialog page and what it answers. The page runs in its own frame, so
 * both directions cross as JSON and the answer is parsed with zod like any outside input.
 */
import * as z from 'zod/mini';
import { REASON_CODES } from '../../core/workflow.js';
import type { Impact } from '../../core/corrections.js';

/** The HTML web resource of the dialog (solution name). */
export const DIALOG_PAGE = 'ibal_/pages/review.html';

export type DialogRequest =
  | { kind: 'recordCount'; rows: Array<{ id: string; name: string; d365Qty: number; countedQty: number | null; unit?: string | undefined }>; note?: string | undefined }
  | { kind: 'approve'; lines: number; correctionValue: number; confirmAboveValue: number; note?: string | undefined }
  | { kind: 'reject'; lines: number; note?: string | undefined; commentRequired?: boolean | undefined }
  | { kind: 'explain'; lines: number; note?: string | undefined; commentRequired?: boolean | undefined }
  | { kind: 'confirmPost'; total: Impact; byWarehouse: Record<string, Impact>; byReason: Record<string, Impact>;
    /** Where the corrections go (ibal_PostingPath), so the confirmation names it. */
    path?: 'iv' | 'd365-journal'; journalType?: 'adjustment' | 'counting' };

const reason = z.enum(REASON_CODES);
export const dialogResultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('recordCount'), counts: z.record(z.string(), z.number().check(z.minimum(0))) }),
  z.object({ kind: z.literal('approve'), reasonCode: reason, comment: z.string() }),
  z.object({ kind: z.literal('reject'), reasonCode: z.optional(reason), comment: z.string() }),
  z.object({ kind: z.literal('explain'), reasonCode: z.optional(reason), comment: z.string() }),
  z.object({ kind: z.literal('confirmPost'), confirmed: z.literal(true) }),
]);
export type DialogResult = z.infer<typeof dialogResultSchema>;

/** The dialog page's URL data parameter. */
export const encodeRequest = (request: DialogRequest): string => JSON.stringify(request);
