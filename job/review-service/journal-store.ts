/**
 * The D365 journal poster's "record before the call" (job/d365/journal-poster.ts), kept in Dataverse: the batch's
 * journal record (its journals, line numbers and import executions) on the posting batch, and each line's outcome on
 * its discrepancy. What the poster records survives a stopped service, so a resumed posting follows the import up
 * instead of sending it again.
 */
import { z } from 'zod';
import { reviewStatusValue } from '../../core/dataverse/rows.js';
import { discrepancy, postingBatch } from '../../core/dataverse/tables.js';
import type { JournalPostingStore, LineOutcome, PostingRecord, RecordedExecution } from '../d365/journal-poster.js';
import type { ReviewStore } from './store.js';

const D = discrepancy.columns;
const RECORD = postingBatch.columns.journalRecord.logicalName;

const recordSchema = z.object({
  type: z.enum(['adjustment', 'counting']),
  journals: z.array(z.object({ reference: z.string(), company: z.string(), fileJournalNumber: z.string(), part: z.number(), parts: z.number(),
    lines: z.array(z.object({ lineId: z.string(), lineNumber: z.number(), discrepancyId: z.string() })) })),
  refused: z.array(z.object({ discrepancyId: z.string(), reason: z.string() })),
  executions: z.array(z.object({ reference: z.string(), executionId: z.string(), lineIds: z.array(z.string()), settled: z.boolean() })),
});

export class DataverseJournalPostingStore implements JournalPostingStore {
  constructor(private readonly store: ReviewStore) {}

  async load(batchId: string): Promise<PostingRecord | undefined> {
    const response = await this.store.dataverse.request('GET', `${postingBatch.entitySetName}(${batchId})?$select=${RECORD}`);
    const text = (response.body as Record<string, unknown>)[RECORD];
    return typeof text === 'string' && text !== '' ? recordSchema.parse(JSON.parse(text)) as PostingRecord : undefined;
  }

  async recordPlan(batchId: string, record: PostingRecord): Promise<void> {
    await this.store.dataverse.request('PATCH', `${postingBatch.entitySetName}(${batchId})`, { [RECORD]: JSON.stringify(record) }, { 'If-Match': '*' });
  }

  async recordExecution(batchId: string, execution: RecordedExecution): Promise<void> {
    const record = await this.load(batchId);
    if (!record) throw new Error(`Posting batch ${batchId} has no journal record to add execution ${execution.executionId} to`);
    record.executions = [...record.executions.filter((e) => e.executionId !== execution.executionId), execution];
    await this.recordPlan(batchId, record);
  }

  async recordOutcomes(_batchId: string, outcomes: readonly LineOutcome[]): Promise<void> {
    await this.store.updateDiscrepancies(outcomes.map((o) => ({ id: o.discrepancyId, columns: {
      [D.reviewStatus.logicalName]: reviewStatusValue(o.status), [D.ivLineId.logicalName]: o.lineId,
      ...('journalNumber' in o ? { [D.journalNumber.logicalName]: o.journalNumber, [D.lastError.logicalName]: null }
        : { [D.lastError.logicalName]: o.message.slice(0, 4000) }),
      ...(o.status === 'Synced' ? { [D.needsAttention.logicalName]: null } : {}),
    } })));
  }
}
