/**
 * A review request (core/dataverse/tables.ts reviewRequest): what a user asks for, as the command bar writes it and
 * the review service reads it back. The service trusts none of it: every field is parsed here, every id must be a
 * discrepancy the request may touch, and columns only the service sets are refused on create.
 */
import * as z from 'zod/mini';
import { bareId, reasonOf, reasonValue } from './dataverse/rows.js';
import { lookupValueName, type ColumnDefinition } from './dataverse/schema.js';
import { REQUEST_ACTION, REQUEST_STATUS, reviewRequest, snapshotRun } from './dataverse/tables.js';
import { QUANTITY_RANGE, describeRange } from './stored-limits.js';
import { REVIEW_COMMANDS, type ReasonCode, type ReviewCommand } from './workflow.js';

const R = reviewRequest.columns;
const n = (c: ColumnDefinition) => c.logicalName;

/** At most this many discrepancies in one request (a run's worth of Material lines; larger runs post by run). */
export const MAX_REQUEST_LINES = 5000;

export interface ReviewRequestInput {
  action: ReviewCommand;
  /** The selected discrepancies; empty with a run: the run's lines the action applies to. */
  discrepancyIds: string[];
  runId?: string | undefined;
  counts?: Record<string, number> | undefined;
  reasonCode?: ReasonCode | undefined;
  comment?: string | undefined;
  /** Post: what the approver saw and confirmed. */
  confirmed?: { lines: number; absoluteValue: number } | undefined;
  /** Every line or none (an imported count sheet): one refusal and nothing is changed. */
  allOrNothing?: boolean | undefined;
}

export const REQUEST_STATUS_OF = Object.fromEntries(REQUEST_STATUS.map((s) => [s.label, s.value])) as Record<
  'Submitted' | 'In progress' | 'Completed' | 'Completed with refusals' | 'Refused' | 'Failed', number>;
export const requestStatusLabel = (value: unknown): string | undefined => REQUEST_STATUS.find((s) => s.value === value)?.label;
/** A request that has ended: nothing more will happen to it. */
export const isFinished = (value: unknown): boolean => ['Completed', 'Completed with refusals', 'Refused', 'Failed'].includes(requestStatusLabel(value) ?? '');

const actionValue = (action: ReviewCommand) => REQUEST_ACTION.find((a) => a.label === REVIEW_COMMANDS.find((c) => c.command === action)!.label)!.value;

/** The columns the command bar creates a request with (the Web API body). */
export function requestColumns(input: ReviewRequestInput, name: string): Record<string, unknown> {
  return {
    [reviewRequest.primaryName.logicalName]: name.slice(0, 200),
    [n(R.action)]: actionValue(input.action),
    [n(R.discrepancies)]: JSON.stringify(input.discrepancyIds.map(bareId)),
    ...(input.runId ? { [`${n(R.run)}@odata.bind`]: `/${snapshotRun.entitySetName}(${bareId(input.runId)})` } : {}),
    ...(input.counts ? { [n(R.countedQuantities)]: JSON.stringify(Object.fromEntries(Object.entries(input.counts).map(([id, q]) => [bareId(id), q]))) } : {}),
    ...(input.reasonCode ? { [n(R.reasonCode)]: reasonValue(input.reasonCode) } : {}),
    ...(input.comment ? { [n(R.comment)]: input.comment } : {}),
    ...(input.confirmed ? { [n(R.confirmedLines)]: input.confirmed.lines, [n(R.confirmedValue)]: input.confirmed.absoluteValue } : {}),
    ...(input.allOrNothing ? { [n(R.allOrNothing)]: true } : {}),
  };
}

/** Columns a request is created with by its author; every other column is the review service's to set. */
export const AUTHOR_COLUMNS: ReadonlySet<string> = new Set([reviewRequest.primaryName.logicalName, n(R.action), n(R.discrepancies), n(R.run),
  n(R.countedQuantities), n(R.reasonCode), n(R.comment), n(R.confirmedLines), n(R.confirmedValue), n(R.allOrNothing)]);

const guid = z.pipe(z.string().check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'not a row id')), z.transform(bareId));
const json = <T extends z.ZodMiniType>(schema: T) => z.pipe(z.pipe(z.string(), z.transform((text, ctx) => {
  try { return JSON.parse(text) as unknown; } catch { ctx.issues.push({ code: 'custom', message: 'not JSON', input: text }); return z.NEVER; }
})), schema);

const attributesSchema = z.object({
  [n(R.action)]: z.number().check(z.refine((v) => REQUEST_ACTION.some((a) => a.value === v), 'not an action of this version')),
  [n(R.discrepancies)]: z.nullish(json(z.array(guid).check(z.maxLength(MAX_REQUEST_LINES, `at most ${MAX_REQUEST_LINES} discrepancies a request`)))),
  [n(R.run)]: z.nullish(guid),
  [n(R.countedQuantities)]: z.nullish(json(z.record(guid, z.number().check(z.nonnegative('a counted quantity is 0 or more'),
    z.lte(QUANTITY_RANGE.max, `a counted quantity is at most what Dataverse stores (${describeRange(QUANTITY_RANGE)})`))))),
  [n(R.reasonCode)]: z.nullish(z.number()),
  [n(R.comment)]: z.nullish(z.string().check(z.maxLength(4000))),
  [n(R.confirmedLines)]: z.nullish(z.int().check(z.nonnegative())),
  [n(R.confirmedValue)]: z.nullish(z.number().check(z.nonnegative())),
  [n(R.allOrNothing)]: z.nullish(z.boolean()),
});

/**
 * A request's columns (as the service reads them: plain values, lookups as ids) → what it asks for, or a reason
 * it is not a request at all. The run lookup may come as `_ibal_run_value` (Web API) or `ibal_run` (webhook).
 */
export function parseRequest(columns: Record<string, unknown>): { ok: true; input: ReviewRequestInput } | { ok: false; reason: string } {
  const withRun = { ...columns, [n(R.run)]: columns[n(R.run)] ?? columns[lookupValueName(n(R.run))] };
  const parsed = attributesSchema.safeParse(withRun);
  if (!parsed.success) return { ok: false, reason: `The request is not valid: ${parsed.error.issues.map((i) => `${String(i.path[0] ?? '')} ${i.message}`).join('; ')}` };
  const a = parsed.data as Record<string, unknown>;
  const label = REQUEST_ACTION.find((x) => x.value === a[n(R.action)])!.label;
  const action = REVIEW_COMMANDS.find((c) => c.label === label)!.command;
  const reasonCode = a[n(R.reasonCode)] === null || a[n(R.reasonCode)] === undefined ? undefined : reasonOf(a[n(R.reasonCode)] as number);
  if (a[n(R.reasonCode)] !== null && a[n(R.reasonCode)] !== undefined && reasonCode === undefined) return { ok: false, reason: 'The request is not valid: not a reason code of this version' };
  const ids = (a[n(R.discrepancies)] as string[] | null | undefined) ?? [];
  const runId = (a[n(R.run)] as string | null | undefined) ?? undefined;
  if (ids.length === 0 && runId === undefined) return { ok: false, reason: 'The request names no discrepancies and no run.' };
  const confirmedLines = a[n(R.confirmedLines)] as number | null | undefined;
  const confirmedValue = a[n(R.confirmedValue)] as number | null | undefined;
  return { ok: true, input: {
    action, discrepancyIds: [...new Set(ids)], runId,
    counts: (a[n(R.countedQuantities)] as Record<string, number> | null | undefined) ?? undefined,
    reasonCode, comment: (a[n(R.comment)] as string | null | undefined) ?? undefined,
    confirmed: confirmedLines !== null && confirmedLines !== undefined && confirmedValue !== null && confirmedValue !== undefined
      ? { lines: confirmedLines, absoluteValue: confirmedValue } : undefined,
    allOrNothing: a[n(R.allOrNothing)] === true,
  } };
}
