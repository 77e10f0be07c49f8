/**
 * The discrepancy and posting-batch rows the command handlers read and write, over Xrm.WebApi. Every column name
 * comes from core's table definitions; rows entering are parsed with zod; the workflow's changes are turned into
 * columns here, with who and when stamped from the signed-in user.
 */
import { z } from 'zod';
import { lookupValueName, type ColumnDefinition } from '../core/dataverse/schema.js';
import { BATCH_STATUS, CLASSIFICATION, REASON_CODE, REVIEW_STATUS, discrepancy, postingBatch } from '../core/dataverse/tables.js';
import { ENVIRONMENT_VARIABLES } from '../core/dataverse/environment.js';
import type { ApprovedCorrection } from '../core/corrections.js';
import type { ReasonCode, ReviewChanges, ReviewStatus, ReviewSubject } from '../core/workflow.js';

export type WebApi = Pick<Xrm.WebApi, 'retrieveMultipleRecords' | 'retrieveRecord' | 'updateRecord' | 'createRecord'>;

const D = discrepancy.columns;
const B = postingBatch.columns;
const n = (c: ColumnDefinition) => c.logicalName;
const labelOf = <T extends string>(choices: ReadonlyArray<{ value: number; label: string }>, value: number | null | undefined): T | undefined =>
  choices.find((c) => c.value === value)?.label as T | undefined;
export const reviewStatusValue = (status: ReviewStatus): number => REVIEW_STATUS.find((s) => s.label === status)!.value;
const reasonValue = (reason: ReasonCode): number => REASON_CODE.find((r) => r.label === reason)!.value;
const batchStatusValue = (label: string): number => BATCH_STATUS.find((s) => s.label === label)!.value;

const text = z.string().nullish().transform((v) => v ?? '');
const number = z.number().nullish().transform((v) => v ?? 0);
const rowSchema = z.object({
  [discrepancy.primaryId]: z.string(),
  [discrepancy.primaryName.logicalName]: text,
  [lookupValueName(n(D.run))]: z.string().nullish(),
  [n(D.company)]: text, [n(D.item)]: text, [n(D.color)]: text, [n(D.size)]: text, [n(D.style)]: text, [n(D.config)]: text,
  [n(D.version)]: text, [n(D.site)]: text, [n(D.warehouse)]: text, [n(D.location)]: text, [n(D.batch)]: text, [n(D.serial)]: text,
  [n(D.status)]: text, [n(D.owner)]: text,
  [n(D.d365Qty)]: number, [n(D.residual)]: number, [n(D.unitCost)]: number,
  [n(D.classification)]: z.number(),
  [n(D.reviewStatus)]: z.number(),
  [n(D.countedQty)]: z.number().nullish(),
  [n(D.correctionQty)]: z.number().nullish(),
  [n(D.reasonCode)]: z.number().nullish(),
  [n(D.decidedOn)]: z.string().nullish(),
  [n(D.ivLineId)]: z.string().nullish(),
});

/** What the handlers know of one discrepancy. */
export interface DiscrepancyRow {
  id: string;
  name: string;
  runId: string | undefined;
  subject: ReviewSubject;
  correction: Omit<ApprovedCorrection, 'reasonCode' | 'approvedOn' | 'correctionQty'> & { correctionQty: number | null; reasonCode: ReasonCode | undefined; approvedOn: string | undefined };
  ivLineId: string | undefined;
}

const SELECT = Object.keys(rowSchema.shape).join(',');

function toRow(raw: unknown): DiscrepancyRow {
  const r = rowSchema.parse(raw) as Record<string, string | number | null | undefined>;
  const str = (c: ColumnDefinition | string) => String(r[typeof c === 'string' ? c : n(c)] ?? '');
  const num = (c: ColumnDefinition) => Number(r[n(c)] ?? 0);
  const orNull = (c: ColumnDefinition) => (r[n(c)] === null || r[n(c)] === undefined ? null : Number(r[n(c)]));
  const status = labelOf<ReviewStatus>(REVIEW_STATUS, orNull(D.reviewStatus));
  const classification = labelOf<ReviewSubject['classification']>(CLASSIFICATION, orNull(D.classification));
  const id = str(discrepancy.primaryId);
  if (!status || !classification) throw new Error(`Discrepancy ${id} has a review status or classification this version does not know`);
  return {
    id, name: str(discrepancy.primaryName), runId: str(lookupValueName(n(D.run))) || undefined,
    subject: { status, classification, d365Qty: num(D.d365Qty), residual: num(D.residual), unitCost: num(D.unitCost), countedQty: orNull(D.countedQty) },
    correction: {
      discrepancyId: id, company: str(D.company), item: str(D.item), color: str(D.color), size: str(D.size), style: str(D.style),
      config: str(D.config), version: str(D.version), site: str(D.site), warehouse: str(D.warehouse), location: str(D.location),
      batch: str(D.batch), serial: str(D.serial), inventoryStatus: str(D.status), owner: str(D.owner), unitCost: num(D.unitCost),
      correctionQty: orNull(D.correctionQty), reasonCode: labelOf<ReasonCode>(REASON_CODE, orNull(D.reasonCode)), approvedOn: str(D.decidedOn) || undefined,
    },
    ivLineId: str(D.ivLineId) || undefined,
  };
}

/** An id as Xrm hands it over ("{A1B2…}") in the Web API's form ("a1b2…"). */
export const bare = (id: string) => id.replace(/[{}]/g, '').toLowerCase();

/** All pages of a query (Xrm.WebApi hands back a nextLink per page). */
async function retrieveAll(api: WebApi, table: string, options: string): Promise<unknown[]> {
  const rows: unknown[] = [];
  let page = await api.retrieveMultipleRecords(table, options, 5000);
  rows.push(...page.entities);
  while (page.nextLink) {
    page = await api.retrieveMultipleRecords(table, page.nextLink, 5000);
    rows.push(...page.entities);
  }
  return rows;
}

/** The selected discrepancies, in the order selected; ids that no longer exist are reported by the caller. */
export async function loadDiscrepancies(api: WebApi, ids: readonly string[]): Promise<DiscrepancyRow[]> {
  const rows: DiscrepancyRow[] = [];
  // Filters stay short: 50 ids a request.
  for (let i = 0; i < ids.length; i += 50) {
    const filter = ids.slice(i, i + 50).map((id) => `${discrepancy.primaryId} eq ${bare(id)}`).join(' or ');
    rows.push(...(await retrieveAll(api, discrepancy.logicalName, `?$select=${SELECT}&$filter=${filter}`)).map(toRow));
  }
  const order = new Map(ids.map((id, i) => [bare(id), i]));
  return rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}

/** A run's discrepancies in the given review statuses (Post: all Approved lines of the run). */
export async function loadRunDiscrepancies(api: WebApi, runId: string, statuses: readonly ReviewStatus[]): Promise<DiscrepancyRow[]> {
  const status = statuses.map((s) => `${n(D.reviewStatus)} eq ${reviewStatusValue(s)}`).join(' or ');
  return (await retrieveAll(api, discrepancy.logicalName, `?$select=${SELECT}&$filter=${lookupValueName(n(D.run))} eq ${bare(runId)} and (${status})`)).map(toRow);
}

/** The columns a workflow transition sets, with who and when. */
export function reviewColumns(changes: ReviewChanges, userId: string, now: Date): Record<string, unknown> {
  const columns: Record<string, unknown> = { [n(D.reviewStatus)]: reviewStatusValue(changes.status) };
  if (changes.countedQty !== undefined) columns[n(D.countedQty)] = changes.countedQty;
  if (changes.correctionQty !== undefined) columns[n(D.correctionQty)] = changes.correctionQty;
  if (changes.reasonCode !== undefined) columns[n(D.reasonCode)] = reasonValue(changes.reasonCode);
  if (changes.comment !== undefined) columns[n(D.comment)] = changes.comment;
  if (changes.lastError !== undefined) columns[n(D.lastError)] = changes.lastError;
  const user = `/systemusers(${bare(userId)})`;
  const when = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (changes.stamp === 'requested') Object.assign(columns, { [`${n(D.requestedBy)}@odata.bind`]: user, [n(D.requestedOn)]: when });
  if (changes.stamp === 'decided') Object.assign(columns, { [`${n(D.decidedBy)}@odata.bind`]: user, [n(D.decidedOn)]: when });
  return columns;
}

export async function updateDiscrepancy(api: WebApi, id: string, columns: Record<string, unknown>): Promise<void> {
  await api.updateRecord(discrepancy.logicalName, bare(id), columns);
}

/** Posting and IV status columns, for the posting and refresh handlers. */
export const postingColumns = {
  posting: (lineId: string, batchId: string) => ({ [n(D.reviewStatus)]: reviewStatusValue('Posting'), [n(D.ivLineId)]: lineId,
    [`${n(D.postingBatch)}@odata.bind`]: `/${postingBatch.entitySetName}(${bare(batchId)})` }),
  posted: () => ({ [n(D.reviewStatus)]: reviewStatusValue('Posted'), [n(D.lastError)]: null }),
  postError: (message: string) => ({ [n(D.reviewStatus)]: reviewStatusValue('Post error'), [n(D.lastError)]: message.slice(0, 4000) }),
  ivStatus: (status: ReviewStatus, ivStatus: string, message: string | null) => ({ [n(D.reviewStatus)]: reviewStatusValue(status),
    [n(D.ivStatus)]: ivStatus.slice(0, 50), [n(D.lastError)]: message === null ? null : message.slice(0, 4000) }),
};

export interface BatchFigures { lines: number; quantity: number; absoluteValue: number; netValue: number; summary: string; endpoint: string; environmentId: string }

export async function createPostingBatch(api: WebApi, name: string, figures: BatchFigures): Promise<string> {
  const created = await api.createRecord(postingBatch.logicalName, {
    [postingBatch.primaryName.logicalName]: name, [n(B.batchStatus)]: batchStatusValue('Posting'), [n(B.lineCount)]: figures.lines,
    [n(B.totalQuantity)]: figures.quantity, [n(B.totalAbsoluteValue)]: figures.absoluteValue, [n(B.totalNetValue)]: figures.netValue,
    [n(B.summary)]: figures.summary, [n(B.ivEndpoint)]: figures.endpoint.slice(0, 400), [n(B.ivEnvironment)]: figures.environmentId,
    [n(B.postingCount)]: figures.lines, [n(B.postedCount)]: 0, [n(B.postErrorCount)]: 0, [n(B.syncedCount)]: 0, [n(B.syncErrorCount)]: 0,
  });
  return created.id;
}

export interface BatchCounts { posting: number; posted: number; postError: number; synced: number; syncError: number }

/** A batch's status and counts per line status, from its discrepancies as they stand now. */
export async function refreshPostingBatch(api: WebApi, batchId: string, extra: { responseLog?: string; errors?: string } = {}): Promise<BatchCounts> {
  const rows = await retrieveAll(api, discrepancy.logicalName, `?$select=${n(D.reviewStatus)}&$filter=${lookupValueName(n(D.postingBatch))} eq ${bare(batchId)}`);
  const count = (status: ReviewStatus) => rows.filter((r) => (r as Record<string, unknown>)[n(D.reviewStatus)] === reviewStatusValue(status)).length;
  const counts: BatchCounts = { posting: count('Posting'), posted: count('Posted'), postError: count('Post error'), synced: count('Synced'), syncError: count('Sync error') };
  const done = counts.posted + counts.synced + counts.syncError;
  const status = counts.posting > 0 ? 'Posting' : counts.postError === 0 ? 'Posted' : done === 0 ? 'Failed' : 'Partially posted';
  await api.updateRecord(postingBatch.logicalName, bare(batchId), {
    [n(B.batchStatus)]: batchStatusValue(status), [n(B.postingCount)]: counts.posting, [n(B.postedCount)]: counts.posted,
    [n(B.postErrorCount)]: counts.postError, [n(B.syncedCount)]: counts.synced, [n(B.syncErrorCount)]: counts.syncError,
    ...(extra.responseLog !== undefined ? { [n(B.responseLog)]: extra.responseLog.slice(-1048576) } : {}),
    ...(extra.errors !== undefined ? { [n(B.errors)]: extra.errors.slice(0, 100000) } : {}),
  });
  return counts;
}

/** The posting batch ids of the given discrepancies (to recount after a refresh). */
export async function batchesOf(api: WebApi, ids: readonly string[]): Promise<string[]> {
  const batches = new Set<string>();
  for (let i = 0; i < ids.length; i += 50) {
    const filter = ids.slice(i, i + 50).map((id) => `${discrepancy.primaryId} eq ${bare(id)}`).join(' or ');
    for (const row of await retrieveAll(api, discrepancy.logicalName, `?$select=${lookupValueName(n(D.postingBatch))}&$filter=${filter}`)) {
      const batch = (row as Record<string, unknown>)[lookupValueName(n(D.postingBatch))];
      if (typeof batch === 'string') batches.add(batch);
    }
  }
  return [...batches];
}

export type Settings = { -readonly [K in keyof typeof ENVIRONMENT_VARIABLES]: string };

/** A Boolean environment variable's value: yes or true, in any case. */
export const isYes = (value: string): boolean => ['yes', 'true'].includes(value.toLowerCase());

/** The solution's environment variables: the current value where an admin set one, else the default. */
export async function readSettings(api: WebApi): Promise<Settings> {
  const definitions = z.array(z.object({ environmentvariabledefinitionid: z.string(), schemaname: z.string(), defaultvalue: z.string().nullish() }))
    .parse(await retrieveAll(api, 'environmentvariabledefinition', '?$select=environmentvariabledefinitionid,schemaname,defaultvalue'));
  const values = z.array(z.object({ schemaname: z.string(), value: z.string().nullish() }))
    .parse(await retrieveAll(api, 'environmentvariablevalue', '?$select=schemaname,value'));
  const settings = {} as Settings;
  for (const [key, variable] of Object.entries(ENVIRONMENT_VARIABLES) as Array<[keyof Settings, { schemaName: string }]>) {
    const value = values.find((v) => v.schemaname === variable.schemaName)?.value;
    settings[key] = value ?? definitions.find((d) => d.schemaname === variable.schemaName)?.defaultvalue ?? '';
  }
  return settings;
}
