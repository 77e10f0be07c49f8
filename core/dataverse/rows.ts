/**
 * A discrepancy as the Web API returns it, and back: the one reading of a discrepancy row that the web resources
 * (what to show and offer) and the review service (what to allow and post) share. Column names come from the table
 * definitions; rows entering are parsed with zod.
 */
import * as z from 'zod/mini';
import type { ApprovedCorrection } from '../corrections.js';
import type { ReasonCode, ReviewStatus, ReviewSubject } from '../workflow.js';
import { lookupValueName, type ColumnDefinition } from './schema.js';
import { CLASSIFICATION, REASON_CODE, REVIEW_STATUS, discrepancy } from './tables.js';

const D = discrepancy.columns;
const n = (c: ColumnDefinition) => c.logicalName;

export const reviewStatusValue = (status: ReviewStatus): number => REVIEW_STATUS.find((s) => s.label === status)!.value;
export const reasonValue = (reason: ReasonCode): number => REASON_CODE.find((r) => r.label === reason)!.value;
export const reasonOf = (value: number | null | undefined): ReasonCode | undefined => REASON_CODE.find((r) => r.value === value)?.label as ReasonCode | undefined;
const labelOf = <T extends string>(choices: ReadonlyArray<{ value: number; label: string }>, value: number | null | undefined): T | undefined =>
  choices.find((c) => c.value === value)?.label as T | undefined;

/** An id as Xrm hands it over ("{A1B2…}") in the Web API's form ("a1b2…"). */
export const bareId = (id: string) => id.replace(/[{}]/g, '').toLowerCase();

const text = z.pipe(z.nullish(z.string()), z.transform((v) => v ?? ''));
const number = z.pipe(z.nullish(z.number()), z.transform((v) => v ?? 0));
const rowSchema = z.object({
  [discrepancy.primaryId]: z.string(),
  [discrepancy.primaryName.logicalName]: text,
  [lookupValueName(n(D.run))]: z.nullish(z.string()),
  [n(D.company)]: text, [n(D.item)]: text, [n(D.color)]: text, [n(D.size)]: text, [n(D.style)]: text, [n(D.config)]: text,
  [n(D.version)]: text, [n(D.site)]: text, [n(D.warehouse)]: text, [n(D.location)]: text, [n(D.batch)]: text, [n(D.serial)]: text,
  [n(D.status)]: text, [n(D.owner)]: text,
  [n(D.d365Qty)]: number, [n(D.residual)]: number, [n(D.unitCost)]: number,
  [n(D.classification)]: z.number(),
  [n(D.reviewStatus)]: z.number(),
  [n(D.countedQty)]: z.nullish(z.number()),
  [n(D.correctionQty)]: z.nullish(z.number()),
  [n(D.reasonCode)]: z.nullish(z.number()),
  [n(D.decidedOn)]: z.nullish(z.string()),
  [lookupValueName(n(D.decidedBy))]: z.nullish(z.string()),
  [lookupValueName(n(D.countedBy))]: z.nullish(z.string()),
  [n(D.countedOn)]: z.nullish(z.string()),
  [n(D.journalNumber)]: z.nullish(z.string()),
  [n(D.approvalSeal)]: z.nullish(z.string()),
  [lookupValueName(n(D.postingBatch))]: z.nullish(z.string()),
  [n(D.ivLineId)]: z.nullish(z.string()),
  [n(D.needsAttention)]: z.nullish(z.string()),
});

/** The $select that reads everything a DiscrepancyRow holds. */
export const DISCREPANCY_SELECT = Object.keys(rowSchema.shape).join(',');

/** What the workflow, the confirmation and posting know of one discrepancy. */
export interface DiscrepancyRow {
  id: string;
  name: string;
  runId: string | undefined;
  subject: ReviewSubject;
  correction: Omit<ApprovedCorrection, 'reasonCode' | 'approvedOn' | 'correctionQty'> & { correctionQty: number | null; reasonCode: ReasonCode | undefined; approvedOn: string | undefined };
  decidedBy: string | undefined;
  countedOn: string | undefined;
  /** Posted as a D365 journal: the journal D365 created the line in. */
  journalNumber: string | undefined;
  approvalSeal: string | undefined;
  postingBatchId: string | undefined;
  ivLineId: string | undefined;
  needsAttention: string | undefined;
}

export function toDiscrepancyRow(raw: unknown): DiscrepancyRow {
  const r = rowSchema.parse(raw) as Record<string, string | number | null | undefined>;
  const str = (c: ColumnDefinition | string) => String(r[typeof c === 'string' ? c : n(c)] ?? '');
  const num = (c: ColumnDefinition) => Number(r[n(c)] ?? 0);
  const orNull = (c: ColumnDefinition) => (r[n(c)] === null || r[n(c)] === undefined ? null : Number(r[n(c)]));
  const status = labelOf<ReviewStatus>(REVIEW_STATUS, orNull(D.reviewStatus));
  const classification = labelOf<ReviewSubject['classification']>(CLASSIFICATION, orNull(D.classification));
  const id = str(discrepancy.primaryId);
  if (!status || !classification) throw new Error(`Discrepancy ${id} has a review status or classification this version does not know`);
  const lookup = (c: ColumnDefinition) => str(lookupValueName(n(c))) || undefined;
  return {
    id, name: str(discrepancy.primaryName), runId: lookup(D.run),
    subject: { status, classification, d365Qty: num(D.d365Qty), residual: num(D.residual), unitCost: num(D.unitCost), countedQty: orNull(D.countedQty),
      countedBy: lookup(D.countedBy) ?? null },
    correction: {
      discrepancyId: id, company: str(D.company), item: str(D.item), color: str(D.color), size: str(D.size), style: str(D.style),
      config: str(D.config), version: str(D.version), site: str(D.site), warehouse: str(D.warehouse), location: str(D.location),
      batch: str(D.batch), serial: str(D.serial), inventoryStatus: str(D.status), owner: str(D.owner), unitCost: num(D.unitCost),
      correctionQty: orNull(D.correctionQty), reasonCode: reasonOf(orNull(D.reasonCode)), approvedOn: str(D.decidedOn) || undefined,
    },
    decidedBy: lookup(D.decidedBy), countedOn: str(D.countedOn) || undefined, journalNumber: str(D.journalNumber) || undefined, approvalSeal: str(D.approvalSeal) || undefined, postingBatchId: lookup(D.postingBatch),
    ivLineId: str(D.ivLineId) || undefined, needsAttention: str(D.needsAttention) || undefined,
  };
}

/** An OData filter of rows by id, a few ids a request so the URL stays short. */
export function idFilters(ids: readonly string[], chunk = 50): string[] {
  const filters: string[] = [];
  for (let i = 0; i < ids.length; i += chunk) filters.push(ids.slice(i, i + chunk).map((id) => `${discrepancy.primaryId} eq ${bareId(id)}`).join(' or '));
  return filters;
}
