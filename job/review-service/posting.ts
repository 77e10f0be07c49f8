/**
 * Posting approved corrections to Inventory Visibility exactly once, without trusting IV to de-duplicate (it does not
 * say it does): every line gets a stable id and is recorded as Posting with it before IV hears of it; before any
 * call, and again after any call whose outcome is uncertain, the service looks in IV's own tables (job/iv/ledger.ts)
 * and sends only the lines IV does not hold. A line IV refuses is Post error with IV's message and never holds up the
 * other lines of its call; a line whose figures changed after approval is not posted at all.
 */
import { adjustmentLine, adjustmentLineId, inCalls, type ApprovedCorrection, type PostingSettings } from '../../core/corrections.js';
import { reviewStatusValue, type DiscrepancyRow } from '../../core/dataverse/rows.js';
import { discrepancy, postingBatch } from '../../core/dataverse/tables.js';
import type { AdjustmentLine } from '../../core/iv.js';
import type { InventoryVisibilityClient } from '../iv/client.js';
import type { IvLedger } from '../iv/ledger.js';

const D = discrepancy.columns;

export interface PostingLine { row: DiscrepancyRow; correction: ApprovedCorrection; line: AdjustmentLine }

export interface PostingOutcome { posted: string[]; failed: Array<{ id: string; message: string }>; duplicates: string[]; responses: string[] }

export interface PostingDeps {
  iv: Pick<InventoryVisibilityClient, 'postAdjustments'>;
  ledger: Pick<IvLedger, 'entries'>;
  /** Records line outcomes (Posted / Post error) as they are known. */
  record: (posted: readonly string[], failed: ReadonlyArray<{ id: string; message: string }>) => Promise<void>;
  progress: (sent: number, total: number) => Promise<void>;
  sleep: (ms: number) => Promise<void>;
  /** Looks (and sends) at most this many times per call before a line is left in Post error. */
  maxAttempts: number;
  backoffBaseMs: number;
}

/** The IV line of an approved row, rebuilt from its stored figures. */
export function postingLineOf(row: DiscrepancyRow, settings: PostingSettings): PostingLine {
  const c = row.correction;
  const correction: ApprovedCorrection = { ...c, correctionQty: c.correctionQty!, reasonCode: c.reasonCode!, approvedOn: c.approvedOn! };
  return { row, correction, line: adjustmentLine(correction, settings) };
}

export const lineIdOf = (row: DiscrepancyRow): string => adjustmentLineId({ discrepancyId: row.id, approvedOn: row.correction.approvedOn! });

/** The columns that record a line as Posting, with its IV line id and batch, before IV is called. */
export const postingColumns = (lineId: string, batchId: string) => ({
  [D.reviewStatus.logicalName]: reviewStatusValue('Posting'), [D.ivLineId.logicalName]: lineId, [D.lastError.logicalName]: null,
  [`${D.postingBatch.logicalName}@odata.bind`]: `/${postingBatch.entitySetName}(${batchId})`,
});

/** Sends the lines in calls of `maxLines`, each line once, whatever IV and the network do. */
export async function sendExactlyOnce(lines: readonly PostingLine[], maxLines: number, deps: PostingDeps): Promise<PostingOutcome> {
  const outcome: PostingOutcome = { posted: [], failed: [], duplicates: [], responses: [] };
  let sent = 0;
  for (const call of inCalls(lines, maxLines)) {
    await deps.progress(sent, lines.length);
    const result = await sendCall(call, deps);
    outcome.posted.push(...result.posted);
    outcome.failed.push(...result.failed);
    outcome.duplicates.push(...result.duplicates);
    outcome.responses.push(...result.responses);
    await deps.record(result.posted, result.failed);
    sent += call.length;
  }
  await deps.progress(sent, lines.length);
  return outcome;
}

async function sendCall(call: readonly PostingLine[], deps: PostingDeps): Promise<PostingOutcome> {
  const outcome: PostingOutcome = { posted: [], failed: [], duplicates: [], responses: [] };
  let remaining = [...call];
  let lastError = '';
  for (let attempt = 1; attempt <= deps.maxAttempts && remaining.length > 0; attempt += 1) {
    // What IV already holds is posted: it is never sent again.
    const held = await deps.ledger.entries(remaining.map((l) => l.line.id));
    for (const l of remaining) {
      const entry = held.get(l.line.id);
      if (!entry) continue;
      outcome.posted.push(l.row.id);
      if (entry.count > 1) outcome.duplicates.push(l.row.id);
    }
    remaining = remaining.filter((l) => !held.has(l.line.id));
    if (remaining.length === 0) break;
    const result = await deps.iv.postAdjustments(remaining.map((l) => l.line));
    outcome.responses.push(...result.responses);
    if (result.ok) {
      outcome.posted.push(...remaining.map((l) => l.row.id));
      remaining = [];
      break;
    }
    lastError = result.error ?? 'IV did not accept the call';
    // Lines IV answered for: a definite refusal is final for that line; the others go round again.
    const refused = remaining.filter((l) => result.lines.get(l.line.id)?.ok === false && result.lines.get(l.line.id)?.message !== 'IV did not report on this line');
    for (const l of refused) outcome.failed.push({ id: l.row.id, message: `IV refused the line: ${result.lines.get(l.line.id)!.message || lastError}` });
    const accepted = remaining.filter((l) => result.lines.get(l.line.id)?.ok === true);
    outcome.posted.push(...accepted.map((l) => l.row.id));
    remaining = remaining.filter((l) => !refused.includes(l) && !accepted.includes(l));
    if (remaining.length === 0) break;
    if (!result.uncertain && result.lines.size === 0 && result.retryAfterMs === undefined) {
      // IV refused the whole call (a 4xx): find the lines it objects to by halves, so the others still go.
      if (remaining.length === 1) {
        outcome.failed.push({ id: remaining[0]!.row.id, message: `IV refused the line: ${lastError}` });
        remaining = [];
        break;
      }
      const half = Math.ceil(remaining.length / 2);
      for (const part of [remaining.slice(0, half), remaining.slice(half)]) {
        const sub = await sendCall(part, deps);
        outcome.posted.push(...sub.posted); outcome.failed.push(...sub.failed); outcome.duplicates.push(...sub.duplicates); outcome.responses.push(...sub.responses);
      }
      remaining = [];
      break;
    }
    await deps.sleep(result.retryAfterMs ?? Math.round(deps.backoffBaseMs * 2 ** (attempt - 1) * (0.5 + Math.random())));
  }
  if (remaining.length > 0) {
    // The last look: a line IV took on the last attempt is posted, not failed.
    const held = await deps.ledger.entries(remaining.map((l) => l.line.id));
    for (const l of remaining) {
      if (held.has(l.line.id)) outcome.posted.push(l.row.id);
      else outcome.failed.push({ id: l.row.id, message: `IV did not take the line after ${deps.maxAttempts} attempts: ${lastError}` });
    }
  }
  return outcome;
}
