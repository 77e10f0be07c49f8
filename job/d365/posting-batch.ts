/**
 * Reads a posting batch and its corrections from Dataverse, as journal corrections (core/d365-journal.ts): every
 * discrepancy of the batch that is Approved, Posting or Post error, with its run's D365 as-of. Column names come
 * from core's table definitions; rows are parsed with zod.
 */
import { z } from 'zod';
import type { JournalCorrection, PostingBatchRef } from '../../core/d365-journal.js';
import { lookupValueName, type ColumnDefinition } from '../../core/dataverse/schema.js';
import { REASON_CODE, REVIEW_STATUS, discrepancy, postingBatch, snapshotRun } from '../../core/dataverse/tables.js';
import type { ReasonCode, ReviewStatus } from '../../core/workflow.js';
import type { DataverseClient } from '../dataverse/client.js';
import { InputError } from '../errors.js';

const D = discrepancy.columns;
const n = (c: ColumnDefinition) => c.logicalName;
const text = z.string().nullish().transform((v) => v ?? '');
const number = z.number().nullish();
const POSTABLE: readonly ReviewStatus[] = ['Approved', 'Posting', 'Post error'];

const rowSchema = z.object({
  [discrepancy.primaryId]: z.string(),
  [lookupValueName(n(D.run))]: z.string(),
  [n(D.company)]: text, [n(D.item)]: text, [n(D.color)]: text, [n(D.size)]: text, [n(D.style)]: text, [n(D.config)]: text, [n(D.version)]: text,
  [n(D.site)]: text, [n(D.warehouse)]: text, [n(D.location)]: text, [n(D.batch)]: text, [n(D.serial)]: text, [n(D.status)]: text, [n(D.owner)]: text,
  [n(D.d365Qty)]: number, [n(D.unitCost)]: number, [n(D.countedQty)]: number, [n(D.correctionQty)]: number,
  [n(D.reasonCode)]: number, [n(D.reviewStatus)]: z.number(), [n(D.decidedOn)]: z.string().nullish(),
});

export interface PostingBatchContent { batch: PostingBatchRef; corrections: JournalCorrection[]; skipped: Array<{ discrepancyId: string; reason: string }> }

export async function readPostingBatch(client: DataverseClient, batchId: string): Promise<PostingBatchContent> {
  const id = batchId.replace(/[{}]/g, '').toLowerCase();
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new InputError(`--batch ${batchId}: expected the posting batch's id (a GUID)`);
  const [batchRow] = await client.retrieveTop(`${postingBatch.entitySetName}?$select=${n(postingBatch.primaryName)}&$filter=${postingBatch.primaryId} eq ${id}`);
  if (!batchRow) throw new InputError(`--batch ${batchId}: no posting batch with that id`);
  const rows = (await client.retrieveAll(`${discrepancy.entitySetName}?$select=${Object.keys(rowSchema.shape).join(',')}`
    + `&$filter=${lookupValueName(n(D.postingBatch))} eq ${id}`)).map((r) => rowSchema.parse(r) as Record<string, string | number | null | undefined>);
  const asOfByRun = new Map<string, string>();
  for (const runId of new Set(rows.map((r) => String(r[lookupValueName(n(D.run))])))) {
    const [run] = await client.retrieveTop(`${snapshotRun.entitySetName}?$select=${n(snapshotRun.columns.d365AsOf)}&$filter=${snapshotRun.primaryId} eq ${runId}`);
    asOfByRun.set(runId, String(run?.[n(snapshotRun.columns.d365AsOf)] ?? ''));
  }
  const corrections: JournalCorrection[] = [];
  const skipped: PostingBatchContent['skipped'] = [];
  for (const r of rows) {
    const str = (c: ColumnDefinition) => String(r[n(c)] ?? '');
    const discrepancyId = String(r[discrepancy.primaryId]);
    const status = REVIEW_STATUS.find((s) => s.value === r[n(D.reviewStatus)])?.label as ReviewStatus | undefined;
    const reasonCode = REASON_CODE.find((s) => s.value === r[n(D.reasonCode)])?.label as ReasonCode | undefined;
    const approvedOn = r[n(D.decidedOn)];
    if (!status || !POSTABLE.includes(status)) { skipped.push({ discrepancyId, reason: `It is ${status ?? 'of an unknown status'}: only ${POSTABLE.join(', ')} lines are posted.` }); continue; }
    if (r[n(D.correctionQty)] === null || r[n(D.correctionQty)] === undefined || !reasonCode || typeof approvedOn !== 'string') {
      skipped.push({ discrepancyId, reason: 'It has no correction quantity, reason or approval time: approve it again.' });
      continue;
    }
    corrections.push({
      discrepancyId, approvedOn, company: str(D.company), item: str(D.item), color: str(D.color), size: str(D.size), style: str(D.style), config: str(D.config),
      version: str(D.version), site: str(D.site), warehouse: str(D.warehouse), location: str(D.location), batch: str(D.batch), serial: str(D.serial),
      inventoryStatus: str(D.status), owner: str(D.owner), correctionQty: Number(r[n(D.correctionQty)]), unitCost: Number(r[n(D.unitCost)] ?? 0), reasonCode,
      d365Qty: Number(r[n(D.d365Qty)] ?? 0), countedQty: r[n(D.countedQty)] === null || r[n(D.countedQty)] === undefined ? null : Number(r[n(D.countedQty)]),
      snapshotAsOf: asOfByRun.get(String(r[lookupValueName(n(D.run))])) ?? '',
    });
  }
  return { batch: { batchId: id, batchName: String(batchRow[n(postingBatch.primaryName)]) }, corrections, skipped };
}
