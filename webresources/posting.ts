/**
 * Posting approved corrections to Inventory Visibility exactly once (issue "Review workflow"): each line's id is
 * written to its discrepancy with status Posting before IV is called, and each becomes Posted or Post error after.
 * A retry, or a run resumed after a crash, sends the same ids again, and IV keeps a line once per id.
 */
import { adjustmentLine, inCalls, type ApprovedCorrection, type PostingSettings } from '../core/corrections.js';
import { transition, type ReviewStatus } from '../core/workflow.js';
import type { InventoryVisibilityClient } from './iv-client.js';

/** An approved (or interrupted) correction and where it stands in the review. */
export interface PostableCorrection extends ApprovedCorrection { reviewStatus: ReviewStatus }

/** Where discrepancies are read and written: Xrm.WebApi in the app, the Dataverse emulator in tests. */
export interface CorrectionStore {
  markPosting(items: ReadonlyArray<{ discrepancyId: string; lineId: string }>): Promise<void>;
  markPosted(discrepancyIds: readonly string[]): Promise<void>;
  markPostError(failures: ReadonlyArray<{ discrepancyId: string; message: string }>): Promise<void>;
  logResponse(raw: string): Promise<void>;
}

export interface PostingReport { posted: number; failed: number; skipped: Array<{ discrepancyId: string; reason: string }> }

const WORKFLOW = { confirmAboveValue: Number.POSITIVE_INFINITY };

export async function postApprovedCorrections(corrections: readonly PostableCorrection[], store: CorrectionStore, iv: Pick<InventoryVisibilityClient, 'postAdjustments'>,
  settings: PostingSettings & { maxLinesPerCall: number }, onProgress: (sent: number, total: number) => void = () => undefined): Promise<PostingReport> {
  const report: PostingReport = { posted: 0, failed: 0, skipped: [] };
  const ready: PostableCorrection[] = [];
  for (const c of corrections) {
    // Approved lines start posting; Post error lines are retried; Posting lines were interrupted and go again as they are.
    const action = c.reviewStatus === 'Approved' ? { kind: 'startPosting' as const } : c.reviewStatus === 'Post error' ? { kind: 'retryPosting' as const } : undefined;
    const allowed = c.reviewStatus === 'Posting' || (action !== undefined && transition({ status: c.reviewStatus, classification: 'Material', d365Qty: 0, residual: 0, unitCost: c.unitCost, countedQty: null }, action, WORKFLOW).ok);
    if (allowed) ready.push(c);
    else report.skipped.push({ discrepancyId: c.discrepancyId, reason: `It is ${c.reviewStatus}: only Approved, Posting or Post error corrections are posted.` });
  }
  let sent = 0;
  for (const call of inCalls(ready, settings.maxLinesPerCall)) {
    onProgress(sent, ready.length);
    const lines = call.map((c) => adjustmentLine(c, settings));
    // Before IV hears of them: if the process dies now, the ids are on record and the next run sends them again.
    await store.markPosting(call.map((c, i) => ({ discrepancyId: c.discrepancyId, lineId: lines[i]!.id })));
    const outcome = await iv.postAdjustments(lines);
    for (const raw of outcome.responses) await store.logResponse(raw);
    const posted: string[] = [];
    const failures: Array<{ discrepancyId: string; message: string }> = [];
    call.forEach((c, i) => {
      const line = outcome.lines.get(lines[i]!.id);
      if (line?.ok) posted.push(c.discrepancyId);
      else failures.push({ discrepancyId: c.discrepancyId, message: line?.message || outcome.error || 'IV did not accept the line' });
    });
    if (posted.length > 0) await store.markPosted(posted);
    if (failures.length > 0) await store.markPostError(failures);
    report.posted += posted.length;
    report.failed += failures.length;
    sent += call.length;
  }
  return report;
}
