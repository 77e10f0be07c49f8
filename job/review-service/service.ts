/**
 * The review service (ARCHITECTURE.md: "Dataverse is the gate; the browser only asks"). Users create review requests;
 * Dataverse hands each one to this service through the webhook the solution registers: synchronously before the
 * request is saved (the service refuses what the caller's roles or the workflow do not allow, and the user sees why),
 * and asynchronously after (the service carries it out as its own application user and records the outcome on the
 * request). Who asked comes from Dataverse (InitiatingUserId, the request's createdby), never from the browser.
 * A request is worked on under a lease, so a stopped service's requests are taken up again, by it or another.
 */
import { timingSafeEqual } from 'node:crypto';
import { batchImpact, syncOutcomeOf, type PostingSettings } from '../../core/corrections.js';
import { reviewStatusValue, reasonValue, type DiscrepancyRow } from '../../core/dataverse/rows.js';
import { lookupValueName, type ColumnDefinition } from '../../core/dataverse/schema.js';
import { discrepancy, postingBatch, reviewRequest } from '../../core/dataverse/tables.js';
import type { IvTokenProvider } from '../../core/iv-tokens.js';
import { AUTHOR_COLUMNS, REQUEST_STATUS_OF, isFinished, parseRequest, requestStatusLabel, type ReviewRequestInput } from '../../core/review-request.js';
import { mayRun, rolesFor, transition, type ReviewAction, type ReviewChanges, type ReviewCommand, type ReviewStatus, type WorkflowSettings } from '../../core/workflow.js';
import type { DataverseClient } from '../dataverse/client.js';
import { D365Client, type D365TokenProvider } from '../d365/client.js';
import { D365JournalPoster } from '../d365/journal-poster.js';
import type { JournalCorrection, JournalSettings } from '../../core/d365-journal.js';
import { DataverseJournalPostingStore } from './journal-store.js';
import { InventoryVisibilityClient } from '../iv/client.js';
import { IvLedger, ivLedgerTablesOf } from '../iv/ledger.js';
import { parseContext, targetColumns, type WebhookContext } from './context.js';
import { lineIdOf, postingColumns, postingLineOf, sendExactlyOnce, type PostingLine } from './posting.js';
import { approvalSeal, sealHolds } from './seal.js';
import { ReviewStore, derivedId, isYes, statusValue, type RequestRow, type Settings } from './store.js';

const D = discrepancy.columns;
const R = reviewRequest.columns;
const n = (c: ColumnDefinition) => c.logicalName;

export interface ReviewServiceOptions {
  /** Dataverse as the service's application user. */
  dataverse: DataverseClient;
  ivTokens: IvTokenProvider;
  /** The key Dataverse sends in `webhookHeader` (the service endpoint's HttpHeader authentication). */
  webhookKey: string;
  webhookHeader?: string;
  /** The key approval seals are made with (job/review-service/seal.ts). */
  sealKey: string;
  /** The environment's host name; a webhook whose x-ms-dynamics-organization says otherwise is refused. */
  organizationHost?: string;
  leaseMs?: number;
  fetch?: typeof fetch;
  now?: () => Date;
  log?: (line: string) => void;
  /** Tokens for a D365 finance and operations environment (posting as D365 journals), by its URL. */
  d365Tokens?: (environmentUrl: string) => D365TokenProvider;
  /** How the D365 client waits between attempts and for an import (tests run it on the emulator's clock). */
  d365Sleep?: (ms: number) => Promise<void>;
  ivMaxAttempts?: number;
  ivBackoffBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface PlainRequest { method: string; url: string; headers: Record<string, string | undefined>; body: string }
export interface PlainResponse { status: number; headers: Record<string, string>; body: string }

interface Refusal { id: string; name: string; reason: string }
interface ActionResult { changed: number; refusals: Refusal[]; summary?: string; batchId?: string; doneIds?: string[]; pending?: string; verb?: string }

const VERB: Record<ReviewCommand, string> = {
  requestCount: 'count requested', recordCount: 'count recorded', approve: 'approved', reject: 'rejected', explain: 'closed as explained',
  post: 'posted to Inventory Visibility', refreshIvStatus: 'updated from Inventory Visibility',
};
const TITLE: Record<ReviewCommand, string> = {
  requestCount: 'Request count', recordCount: 'Record count', approve: 'Approve', reject: 'Reject', explain: 'Mark explained',
  post: 'Post to Inventory Visibility', refreshIvStatus: 'Refresh IV status',
};

const json = (status: number, body: unknown): PlainResponse => ({ status, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) });
const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
const plural = (count: number, one: string, many = `${one}s`) => `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;

export class ReviewService {
  readonly store: ReviewStore;
  private readonly now: () => Date;
  private readonly leaseMs: number;
  private readonly log: (line: string) => void;
  private readonly running = new Map<string, Promise<void>>();
  private background: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ReviewServiceOptions) {
    this.store = new ReviewStore(options.dataverse);
    this.now = options.now ?? (() => new Date());
    this.leaseMs = options.leaseMs ?? 120000;
    this.log = options.log ?? (() => undefined);
  }

  /** The webhook endpoint Dataverse calls (POST, the RemoteExecutionContext as JSON). */
  async handle(request: PlainRequest): Promise<PlainResponse> {
    if (request.method.toUpperCase() !== 'POST') return json(405, { message: 'The review service takes POST from Dataverse webhooks only.' });
    const key = request.headers[(this.options.webhookHeader ?? 'x-ibal-webhook-key').toLowerCase()] ?? '';
    if (!sameSecret(key, this.options.webhookKey)) return json(401, { message: 'The webhook key is missing or wrong.' });
    const organization = request.headers['x-ms-dynamics-organization'];
    if (this.options.organizationHost && organization?.toLowerCase() !== this.options.organizationHost.toLowerCase()) {
      return json(403, { message: `This service serves ${this.options.organizationHost}, not ${organization ?? 'an unnamed environment'}.` });
    }
    let context: WebhookContext;
    try {
      context = parseContext(request.body);
    } catch (error) {
      return json(400, { message: (error as Error).message });
    }
    if (context.MessageName !== 'Create' || context.PrimaryEntityName !== reviewRequest.logicalName) {
      return json(400, { message: `The review service handles the Create of ${reviewRequest.logicalName}, not ${context.MessageName} of ${context.PrimaryEntityName}.` });
    }
    if (context.Mode === 0) {
      const verdict = await this.check(context).catch((error: Error) => ({ ok: false as const, message: `The review service could not check the request: ${error.message}` }));
      return verdict.ok ? json(200, { ok: true }) : json(400, { message: verdict.message });
    }
    // Asynchronous: the work may take longer than Dataverse waits, so it goes on after the answer.
    this.startProcessing(context.PrimaryEntityId);
    return json(202, { accepted: context.PrimaryEntityId });
  }

  /** Carries out a request in the background (once at a time per request in this process). */
  startProcessing(requestId: string): void {
    const id = requestId.toLowerCase();
    if (this.running.has(id)) return;
    const work = this.process(id).catch((error: Error) => this.log(`review request ${id}: ${error.message}\n`)).finally(() => this.running.delete(id));
    this.running.set(id, work);
    this.background = Promise.all([this.background, work]);
  }

  /** Resolves when the work started so far has ended (tests, and a graceful stop). */
  async idle(): Promise<void> {
    let current: Promise<unknown>;
    do { current = this.background; await current; } while (current !== this.background);
  }

  /**
   * The synchronous check before a request is saved: well-formed, only the author's columns, a caller whose roles
   * allow the action, and at least one selected line the workflow lets it change.
   */
  async check(context: WebhookContext): Promise<{ ok: true } | { ok: false; message: string }> {
    const columns = targetColumns(context);
    const foreign = Object.keys(columns).filter((c) => !AUTHOR_COLUMNS.has(c) && c !== reviewRequest.primaryId
      && !(c === n(R.requestStatus) && columns[c] === REQUEST_STATUS_OF.Submitted) && !['ownerid', 'statecode', 'statuscode'].includes(c));
    if (foreign.length > 0) return { ok: false, message: `Only the review service sets ${foreign.join(', ')} on a review request.` };
    const parsed = parseRequest(columns);
    if (!parsed.ok) return { ok: false, message: parsed.reason };
    const input = parsed.input;
    const roles = await this.store.productRolesOf(context.InitiatingUserId);
    if (!mayRun(input.action, roles)) return { ok: false, message: refusedRole(input.action) };
    if (input.discrepancyIds.length === 0 || !['requestCount', 'recordCount', 'approve', 'reject', 'explain'].includes(input.action)) return { ok: true };
    const found = await this.store.discrepancies(input.discrepancyIds);
    const { rows, refusals } = await ofCompletedRuns(this.store, found);
    const settings = workflowSettings(await this.store.settings());
    const approver = mayRun('approve', roles);
    const reasons = [...refusals, ...rows.map((row) => this.transitionFor(input, row, context.InitiatingUserId, approver, settings)).filter((t): t is { ok: false; reason: string } => !t.ok)];
    if (input.allOrNothing && reasons.length > 0) {
      const named = [...refusals.map((r) => `• ${r.reason}`), ...rows.map((row) => ({ row, t: this.transitionFor(input, row, context.InitiatingUserId, approver, settings) })).filter((x) => !x.t.ok)
        .map((x) => `• ${x.row.name}: ${(x.t as { reason: string }).reason}`)];
      return { ok: false, message: `Nothing was recorded: ${plural(reasons.length, 'line')} cannot be taken as ${reasons.length === 1 ? 'it is' : 'they are'}.\n${named.slice(0, 20).join('\n')}${named.length > 20 ? `\n… and ${named.length - 20} more` : ''}` };
    }
    if (input.allOrNothing && found.length < input.discrepancyIds.length) return { ok: false, message: 'Nothing was recorded: some lines of the sheet no longer exist.' };
    if (found.length > 0 && reasons.length === found.length) {
      const distinct = [...new Set(reasons.map((r) => r.reason))];
      return { ok: false, message: `Nothing would change: ${distinct.slice(0, 3).join(' ')}` };
    }
    if (found.length === 0) return { ok: false, message: 'None of the selected discrepancies exists.' };
    return { ok: true };
  }

  /** Carries out one request: claim it, check again who asked, do the work, record the outcome. */
  async process(requestId: string): Promise<void> {
    const row = await this.store.request(requestId);
    if (!row || isFinished(row.columns[n(R.requestStatus)])) return;
    const status = requestStatusLabel(row.columns[n(R.requestStatus)]);
    const lease = Date.parse(String(row.columns[n(R.leaseUntil)] ?? ''));
    if (status === 'In progress' && Number.isFinite(lease) && lease > this.now().getTime()) return;
    const claimed = await this.store.updateRequest(row.id, { [n(R.requestStatus)]: REQUEST_STATUS_OF['In progress'],
      [n(R.leaseUntil)]: iso(new Date(this.now().getTime() + this.leaseMs)), [n(R.progress)]: 'Started' }, row.etag);
    if (!claimed) return;
    let result: ActionResult;
    try {
      result = await this.carryOut(row);
      // Taken up again after a stop: what the earlier attempt refused still stands, unless this one did the line.
      const earlier = earlierRefusals(row.columns[n(R.refusals)]);
      const settled = new Set([...result.refusals.map((r) => r.id), ...(result.doneIds ?? [])]);
      result = { ...result, refusals: [...earlier.filter((r) => !settled.has(r.id)), ...result.refusals] };
    } catch (error) {
      await this.store.updateRequest(row.id, { [n(R.requestStatus)]: REQUEST_STATUS_OF.Failed, [n(R.leaseUntil)]: null, [n(R.progress)]: null,
        [n(R.outcome)]: `The review service stopped with an error: ${(error as Error).message}. What was done is kept; make the request again to finish.`.slice(0, 100000),
        [n(R.processedOn)]: iso(this.now()) });
      throw error;
    }
    if (result.pending) {
      // D365 is still importing: the request stays In progress, and the follow-up takes it up again after its lease.
      await this.store.updateRequest(row.id, { [n(R.progress)]: result.pending.slice(0, 200), [n(R.refusals)]: JSON.stringify(result.refusals).slice(0, 100000),
        [n(R.leaseUntil)]: iso(new Date(this.now().getTime() + this.leaseMs)) });
      return;
    }
    const final = result.changed === 0 && result.refusals.length > 0 ? 'Refused' : result.refusals.length > 0 ? 'Completed with refusals' : 'Completed';
    await this.store.updateRequest(row.id, {
      [n(R.requestStatus)]: REQUEST_STATUS_OF[final], [n(R.leaseUntil)]: null, [n(R.progress)]: null, [n(R.processedOn)]: iso(this.now()),
      [n(R.changedCount)]: result.changed, [n(R.refusedCount)]: result.refusals.length,
      [n(R.refusals)]: JSON.stringify(result.refusals).slice(0, 100000), [n(R.outcome)]: (result.summary ?? '').slice(0, 100000),
      ...(result.batchId ? { [`${n(R.postingBatch)}@odata.bind`]: `/${postingBatch.entitySetName}(${result.batchId})` } : {}),
    });
  }

  /** Takes up requests left unfinished: never delivered, or dropped by a stopped service. */
  async resumeUnfinished(): Promise<number> {
    const open = await this.store.unfinishedRequests();
    for (const r of open) this.startProcessing(r.id);
    await this.idle();
    return open.length;
  }

  private async carryOut(row: RequestRow): Promise<ActionResult> {
    const parsed = parseRequest(row.columns);
    if (!parsed.ok) return { changed: 0, refusals: [{ id: row.id, name: 'request', reason: parsed.reason }], summary: parsed.reason };
    const input = parsed.input;
    // Roles can change between asking and doing: they are checked again, for the user who created the request.
    const roles = await this.store.productRolesOf(row.createdBy);
    if (!mayRun(input.action, roles)) {
      const reason = refusedRole(input.action);
      return { changed: 0, refusals: [{ id: row.id, name: 'request', reason }], summary: reason };
    }
    const heartbeat = async (progress: string) => {
      await this.store.updateRequest(row.id, { [n(R.progress)]: progress.slice(0, 200), [n(R.leaseUntil)]: iso(new Date(this.now().getTime() + this.leaseMs)) });
    };
    let result: ActionResult;
    if (input.action === 'post') result = await this.post(row, input, heartbeat);
    else if (input.action === 'refreshIvStatus') result = await this.refresh(input, heartbeat);
    else result = await this.review(input, row.createdBy, mayRun('approve', roles), heartbeat);
    return { ...result, summary: summary(input.action, result) };
  }

  private transitionFor(input: ReviewRequestInput, row: DiscrepancyRow, requester: string, approver: boolean, settings: WorkflowSettings) {
    const action = actionFor(input, row);
    if (!action) return { ok: false as const, reason: 'No counted quantity was entered for it.' };
    if (action.kind === 'approve') return transition(row.subject, { ...action, approverId: requester }, settings);
    return transition(row.subject, action.kind === 'explain' ? { ...action, byApprover: approver } : action, settings);
  }

  /** Request count, Record count, Approve, Reject, Mark explained: one transition per line, who and when stamped. */
  private async review(input: ReviewRequestInput, requester: string, approver: boolean, heartbeat: (progress: string) => Promise<void>): Promise<ActionResult> {
    const found = await this.store.discrepancies(input.discrepancyIds);
    const { rows, refusals } = await ofCompletedRuns(this.store, found);
    refusals.unshift(...missing(input.discrepancyIds, found));
    const settings = workflowSettings(await this.store.settings());
    const changes: Array<{ id: string; columns: Record<string, unknown> }> = [];
    const now = this.now();
    // A failed posting taken back must really have failed: if IV holds its line after all, it stays for Refresh IV status.
    const failedPostings = input.action === 'reject' ? rows.filter((r) => r.subject.status === 'Post error' && r.ivLineId) : [];
    const heldByIv = failedPostings.length === 0 ? new Set<string>()
      : new Set((await (await this.ivClient(await this.store.settings())).ledger.entries(failedPostings.map((r) => r.ivLineId!))).keys());
    const batches = new Set<string>();
    for (const row of rows) {
      if (row.ivLineId && heldByIv.has(row.ivLineId)) {
        refusals.push({ id: row.id, name: row.name, reason: 'Inventory Visibility holds this correction after all: it is not taken back. Post it again or refresh its IV status.' });
        continue;
      }
      const t = this.transitionFor(input, row, requester, approver, settings);
      if (!t.ok) { refusals.push({ id: row.id, name: row.name, reason: t.reason }); continue; }
      if (t.changes.withdrawn && row.postingBatchId) batches.add(row.postingBatchId);
      const columns = reviewColumns(t.changes, requester, now);
      if (t.changes.status === 'Approved') {
        columns[n(D.approvalSeal)] = approvalSeal(this.options.sealKey, row, t.changes.correctionQty!, iso(now), t.changes.reasonCode!);
      }
      changes.push({ id: row.id, columns });
    }
    await heartbeat(`${TITLE[input.action]}: ${plural(changes.length, 'line')}…`);
    if (input.allOrNothing && refusals.length > 0) {
      return { changed: 0, refusals, summary: `Nothing was recorded: ${plural(refusals.length, 'line')} of the sheet cannot be taken as they are. Correct them and import the sheet again.` };
    }
    await this.store.updateDiscrepancies(changes, { atomic: input.allOrNothing === true });
    for (const batch of batches) await this.store.recountBatch(batch);
    const matched = changes.filter((c) => c.columns[n(D.reviewStatus)] === reviewStatusValue('Explained') && input.action === 'recordCount').length;
    return { changed: changes.length, refusals,
      ...(matched > 0 ? { summary: `${plural(matched, 'count')} matched D365 and closed ${matched === 1 ? 'its line' : 'their lines'} as explained: nothing will be posted for ${matched === 1 ? 'it' : 'them'}.` } : {}) };
  }

  /** What an IV line is built with, from the environment variables. */
  private postingSettings(settings: Settings): PostingSettings & { maxLines: number } {
    const maxLines = Number(settings.ivMaxLinesPerCall || 512);
    if (!Number.isInteger(maxLines) || maxLines < 1) throw new Error(`The environment variable ibal_IVMaxLinesPerCall is '${settings.ivMaxLinesPerCall}', not a whole number of 1 or more.`);
    return { quantityDataSource: settings.ivQuantityDataSource, physicalMeasure: settings.ivPhysicalMeasure, fnoJournalNameId: settings.d365JournalNameId || undefined, maxLines };
  }

  private async ivClient(settings: Settings): Promise<{ iv: InventoryVisibilityClient; ledger: IvLedger; posting: PostingSettings & { maxLines: number } }> {
    if (settings.ivEndpoint === '') throw new Error('The environment variable ibal_IVEndpoint is not set: an admin sets the Inventory Visibility endpoint (README).');
    if (settings.ivEnvironmentId === '') throw new Error('The environment variable ibal_IVEnvironmentId is not set.');
    const iv = new InventoryVisibilityClient({ endpoint: settings.ivEndpoint, environmentId: settings.ivEnvironmentId, tokens: this.options.ivTokens,
      createWithIVSync: isYes(settings.ivCreateWithSync), ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      ...(this.options.sleep ? { sleep: this.options.sleep } : {}), ...(this.options.ivBackoffBaseMs !== undefined ? { backoffBaseMs: this.options.ivBackoffBaseMs } : {}) });
    return { iv, ledger: new IvLedger(this.options.dataverse, ivLedgerTablesOf(settings.ivLedgerTables)), posting: this.postingSettings(settings) };
  }

  /**
   * Post: the approved lines, as they were approved, after checking the approver confirmed these very figures; one
   * posting batch per request, however often the work is taken up again.
   */
  private async post(request: RequestRow, input: ReviewRequestInput, heartbeat: (progress: string) => Promise<void>): Promise<ActionResult> {
    const settings = await this.store.settings();
    const asJournals = settings.postingPath === 'd365-journal';
    const posting = this.postingSettings(settings);
    const ivPath = asJournals ? undefined : await this.ivClient(settings);
    const batchId = derivedId(`posting-batch/${request.id}`);
    const eligible: ReviewStatus[] = ['Approved', 'Post error', 'Posting'];
    const found = input.discrepancyIds.length > 0 ? await this.store.discrepancies(input.discrepancyIds) : await this.store.runDiscrepancies(input.runId!, eligible);
    const { rows, refusals } = await ofCompletedRuns(this.store, found);
    refusals.unshift(...missing(input.discrepancyIds, found));
    const candidates: DiscrepancyRow[] = [];
    for (const row of rows) {
      if (!eligible.includes(row.subject.status)) refusals.push({ id: row.id, name: row.name, reason: `It is ${row.subject.status}: only Approved corrections are posted.` });
      else if (row.subject.status === 'Posting' && row.postingBatchId !== batchId) refusals.push({ id: row.id, name: row.name, reason: 'Another posting batch is sending it; it is not sent twice.' });
      else candidates.push(row);
    }
    const resuming = candidates.some((r) => r.postingBatchId === batchId);
    if (!resuming) {
      // What the approver confirmed must be what is posted: the lines and their value, as they stand now.
      const impact = batchImpact(candidates.filter((r) => r.correction.correctionQty !== null).map((r) => ({ ...r.correction, correctionQty: r.correction.correctionQty!,
        reasonCode: r.correction.reasonCode ?? 'Unknown', approvedOn: r.correction.approvedOn ?? '' })));
      const confirmed = input.confirmed;
      if (!confirmed || confirmed.lines !== impact.total.lines || Math.abs(confirmed.absoluteValue - impact.total.absoluteValue) > 0.005) {
        const reason = `The corrections changed since they were confirmed (${confirmed ? `confirmed ${plural(confirmed.lines, 'line')} worth ${confirmed.absoluteValue}` : 'nothing was confirmed'}; `
          + `now ${plural(impact.total.lines, 'line')} worth ${impact.total.absoluteValue}). Nothing was posted: post again to see and confirm the new figures.`;
        return { changed: 0, refusals: [...refusals, { id: request.id, name: 'request', reason }] };
      }
    }
    // A line whose approved figures changed is not posted: it goes back for approval.
    const postable: PostingLine[] = [];
    const resealed: Array<{ id: string; columns: Record<string, unknown> }> = [];
    for (const row of candidates) {
      if (sealHolds(this.options.sealKey, row)) { postable.push(postingLineOf(row, posting)); continue; }
      const reason = 'Its figures changed after it was approved, so it was not posted; it is back to Counted for a new approval.';
      refusals.push({ id: row.id, name: row.name, reason });
      if (asJournals && row.subject.status === 'Posting') {
        // It may already be in a D365 journal: a person decides, it is not sent back for approval.
        resealed.push({ id: row.id, columns: { [n(D.needsAttention)]: 'Its figures changed while it was being posted as a D365 journal: check the journal lines before posting or approving it again.' } });
      } else if (row.subject.status !== 'Posting' || (ivPath !== undefined && !(await ivPath.ledger.entries([lineIdOf(row)])).has(lineIdOf(row)))) {
        resealed.push({ id: row.id, columns: { [n(D.reviewStatus)]: reviewStatusValue('Counted'), [n(D.approvalSeal)]: null, [n(D.lastError)]: reason,
          [n(D.ivLineId)]: null, [`${n(D.postingBatch)}@odata.bind`]: null } });
      }
    }
    await this.store.updateDiscrepancies(resealed);
    // On record at once: if the service stops now, whoever takes the request up still reports these lines.
    if (refusals.length > 0) await this.store.updateRequest(request.id, { [n(R.refusals)]: JSON.stringify(refusals).slice(0, 100000) });
    if (postable.length === 0) return { changed: 0, refusals };
    const impact = batchImpact(postable.map((p) => p.correction));
    await this.store.ensureBatch(batchId, {
      [postingBatch.primaryName.logicalName]: `IV ${iso(this.now()).slice(0, 16).replace('T', ' ')} (${plural(postable.length, 'line')})`,
      [n(postingBatch.columns.batchStatus)]: postingBatchStatus('Posting'), [n(postingBatch.columns.lineCount)]: impact.total.lines,
      [n(postingBatch.columns.summary)]: batchSummary(impact), [n(postingBatch.columns.ivEndpoint)]: settings.ivEndpoint.slice(0, 400),
      [n(postingBatch.columns.ivEnvironment)]: settings.ivEnvironmentId,
    });
    await this.store.updateRequest(request.id, { [`${n(R.postingBatch)}@odata.bind`]: `/${postingBatch.entitySetName}(${batchId})` });
    if (!ivPath) return this.postAsJournals(batchId, postable, refusals, impact, settings, heartbeat);
    const { iv, ledger } = ivPath;
    // Every line is on record as Posting, with its id, before IV hears of any of them.
    await this.store.updateDiscrepancies(postable.filter((p) => p.row.subject.status !== 'Posting').map((p) => ({ id: p.row.id, columns: postingColumns(p.line.id, batchId) })));
    const duplicates: string[] = [];
    const outcome = await sendExactlyOnce(postable, posting.maxLines, {
      iv, ledger, maxAttempts: this.options.ivMaxAttempts ?? 8, backoffBaseMs: this.options.ivBackoffBaseMs ?? 1000,
      sleep: this.options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      progress: (sent, total) => heartbeat(`Posting to Inventory Visibility: ${sent.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} lines sent`),
      record: async (posted, failed) => {
        await this.store.updateDiscrepancies([
          ...posted.map((id) => ({ id, columns: { [n(D.reviewStatus)]: reviewStatusValue('Posted'), [n(D.lastError)]: null } })),
          ...failed.map((f) => ({ id: f.id, columns: { [n(D.reviewStatus)]: reviewStatusValue('Post error'), [n(D.lastError)]: f.message.slice(0, 4000) } })),
        ]);
      },
    });
    duplicates.push(...outcome.duplicates);
    if (duplicates.length > 0) {
      await this.store.updateDiscrepancies(duplicates.map((id) => ({ id, columns: { [n(D.needsAttention)]: 'Inventory Visibility holds this correction more than once: check the adjustment lines with its IV line id and reverse the extra one.' } })));
    }
    const log = await this.store.batchLog(batchId);
    const counts = await this.store.recountBatch(batchId, {
      responseLog: `${log}${outcome.responses.map((r) => `${iso(this.now())} ${r}`).join('\n')}\n`,
      errors: outcome.failed.map((f) => `${postable.find((p) => p.row.id === f.id)?.row.name ?? f.id}: ${f.message}`).join('\n'),
    });
    for (const f of outcome.failed) refusals.push({ id: f.id, name: postable.find((p) => p.row.id === f.id)?.row.name ?? f.id, reason: f.message });
    // Posted by this request, in this attempt or an earlier one that was stopped: what its batch holds now.
    return { changed: counts.posted + counts.synced + counts.syncError, refusals, batchId, doneIds: outcome.posted,
      summary: `Total value ${impact.total.absoluteValue.toLocaleString('en-US')} (net ${impact.total.netValue.toLocaleString('en-US')}).` };
  }

  /** The D365 journal poster for the environment the settings name. */
  private journalPoster(settings: Settings): D365JournalPoster {
    if (settings.d365Url === '') throw new Error('The environment variable ibal_D365Url is not set: an admin sets the D365 environment journals go to (README).');
    if (!this.options.d365Tokens) throw new Error('This review service has no D365 app registration: set IBAL_TENANT_ID, IBAL_CLIENT_ID and IBAL_CLIENT_SECRET for it.');
    const type = settings.d365JournalType === 'counting' ? 'counting' : 'adjustment';
    const journal: JournalSettings = { type, journalNameId: type === 'counting' ? settings.d365CountingJournalNameId : settings.d365JournalNameId,
      maxLinesPerJournal: Number(settings.d365JournalMaxLines || 1000) };
    const client = new D365Client({ baseUrl: settings.d365Url, token: this.options.d365Tokens(settings.d365Url), ...(this.options.d365Sleep ? { sleep: this.options.d365Sleep } : {}) });
    return new D365JournalPoster({ client, definitionGroup: settings.d365ImportProject, settings: journal, store: new DataverseJournalPostingStore(this.store),
      ...(this.options.d365Sleep ? { sleep: this.options.d365Sleep } : {}), log: this.log });
  }

  /**
   * Post as D365 journals (ibal_PostingPath d365-journal): one journal per batch (split at the line limit), its plan on
   * record before D365 hears of it, what D365 already holds read back before anything is sent again
   * (job/d365/journal-poster.ts). An import D365 has not finished keeps the request in progress.
   */
  private async postAsJournals(batchId: string, postable: readonly PostingLine[], refusals: Refusal[], impact: ReturnType<typeof batchImpact>, settings: Settings,
    heartbeat: (progress: string) => Promise<void>): Promise<ActionResult> {
    const poster = this.journalPoster(settings);
    const runs = await this.store.runs(postable.map((p) => p.row.runId!).filter(Boolean));
    await this.store.updateDiscrepancies(postable.filter((p) => p.row.subject.status !== 'Posting').map((p) => ({ id: p.row.id, columns: {
      [n(D.reviewStatus)]: reviewStatusValue('Posting'), [n(D.lastError)]: null, [`${n(D.postingBatch)}@odata.bind`]: `/${postingBatch.entitySetName}(${batchId})` } })));
    const corrections: JournalCorrection[] = postable.map((p) => ({ ...p.correction, d365Qty: p.row.subject.d365Qty, countedQty: p.row.subject.countedQty,
      countedOn: p.row.countedOn, snapshotAsOf: runs.get(p.row.runId ?? '')?.d365AsOf ?? '' }));
    await heartbeat(`Posting as D365 journals: ${postable.length.toLocaleString('en-US')} lines`);
    const result = await poster.post({ batchId, batchName: `IV ${batchId.slice(0, 8)}` }, corrections);
    const counts = await this.store.recountBatch(batchId);
    const names = new Map(postable.map((p) => [p.row.id, p.row.name]));
    for (const o of result.outcomes) if (o.status === 'Post error') refusals.push({ id: o.discrepancyId, name: names.get(o.discrepancyId) ?? o.discrepancyId, reason: o.message });
    if (result.stillRunning.length > 0) {
      return { changed: 0, refusals, batchId, pending: `D365 is still importing (${result.stillRunning.join(', ')}): taken up again shortly` };
    }
    const journals = [...new Set(result.outcomes.flatMap((o) => ('journalNumber' in o ? [o.journalNumber] : [])))];
    const type = settings.d365JournalType === 'counting' ? 'counting' : 'adjustment';
    return { changed: counts.posted + counts.synced + counts.syncError, refusals, batchId, doneIds: result.outcomes.filter((o) => o.status === 'Posted').map((o) => o.discrepancyId),
      verb: `posted as a D365 ${type} journal`,
      summary: `Total value ${impact.total.absoluteValue.toLocaleString('en-US')} (net ${impact.total.netValue.toLocaleString('en-US')})${journals.length > 0 ? `, in ${type} journal${journals.length === 1 ? '' : 's'} ${journals.join(', ')}` : ''}.` };
  }

  /** Refresh IV status: posted lines move to Synced or Sync error as IV reports on their D365 journals. */
  private async refresh(input: ReviewRequestInput, heartbeat: (progress: string) => Promise<void>): Promise<ActionResult> {
    const rows = input.discrepancyIds.length > 0 ? await this.store.discrepancies(input.discrepancyIds) : await this.store.runDiscrepancies(input.runId!, ['Posted', 'Sync error']);
    const refusals = missing(input.discrepancyIds, rows);
    const posted = rows.filter((r) => {
      if (['Posted', 'Sync error'].includes(r.subject.status) && r.ivLineId) return true;
      refusals.push({ id: r.id, name: r.name, reason: `It is ${r.subject.status}: only Posted lines (and sync errors) have an IV status to read.` });
      return false;
    });
    await heartbeat(`Reading IV status of ${plural(posted.length, 'line')}`);
    const outcomes = await this.followPostedOutcomes(posted);
    const count = (status: ReviewStatus) => [...outcomes.values()].filter((o) => o === status).length;
    const changed = posted.filter((r) => outcomes.has(r.id) && outcomes.get(r.id) !== r.subject.status).length;
    const waiting = posted.length - outcomes.size;
    const parts = [count('Synced') > 0 ? `${plural(count('Synced'), 'line')} synced to D365` : '',
      count('Sync error') > 0 ? `${plural(count('Sync error'), 'line')} with a D365 sync error (see Last error)` : '',
      waiting > 0 ? `${plural(waiting, 'line')} still waiting for IV to create and post the D365 journal` : ''].filter(Boolean);
    return { changed, refusals, summary: parts.length > 0 ? `Of ${plural(posted.length, 'posted line')}: ${parts.join('; ')}.` : '' };
  }

  /**
   * The follow-up a scheduler runs (and the hosted service on a timer): requests left unfinished are taken up again,
   * Posted lines move to Synced or Sync error as IV reports, and a correction stuck in Posting, or Posted and not synced,
   * for longer than ibal_AttentionAfterMinutes is marked as needing attention (the Needs attention view lists them).
   */
  async followUp(): Promise<{ resumed: number; moved: number; marked: number; cleared: number }> {
    const resumed = await this.resumeUnfinished();
    const settings = await this.store.settings();
    const moved = await this.followPosted(await this.store.discrepanciesIn(['Posted', 'Sync error']));
    const limitMinutes = Number(settings.attentionAfterMinutes || 240);
    const now = this.now().getTime();
    const changes: Array<{ id: string; columns: Record<string, unknown> }> = [];
    let marked = 0;
    let cleared = 0;
    for (const row of await this.store.discrepanciesIn(['Posting', 'Posted'])) {
      if (row.needsAttention) continue;
      const minutes = Math.floor((now - Date.parse(row.modifiedOn)) / 60000);
      if (!(minutes >= limitMinutes)) continue;
      const hours = minutes >= 120 ? `${Math.floor(minutes / 60)} hours` : `${minutes} minutes`;
      const why = row.subject.status === 'Posting'
        ? `Still Posting after ${hours}: its posting did not finish. Post it again (it is never sent twice) or check the review service's log.`
        : `Posted ${hours} ago and not synced to D365 yet: check the IV adjustment line ${row.ivLineId ?? ''} and the D365 adjustment journals.`;
      changes.push({ id: row.id, columns: { [n(D.needsAttention)]: why.slice(0, 400) } });
      marked += 1;
    }
    for (const row of await this.store.discrepanciesNeedingAttention()) {
      if (['Posting', 'Posted'].includes(row.subject.status)) continue;
      changes.push({ id: row.id, columns: { [n(D.needsAttention)]: null } });
      cleared += 1;
    }
    await this.store.updateDiscrepancies(changes);
    return { resumed, moved, marked, cleared };
  }

  /** Moves Posted lines on from what IV's tables say of them; recounts their batches. Returns how many moved. */
  async followPosted(posted: readonly DiscrepancyRow[]): Promise<number> {
    const outcomes = await this.followPostedOutcomes(posted);
    return posted.filter((r) => outcomes.has(r.id) && outcomes.get(r.id) !== r.subject.status).length;
  }

  /**
   * What IV (or D365, for lines posted as journals) says of each posted line now (Synced or Sync error; lines not
   * finished are left out), written back.
   */
  private async followPostedOutcomes(all: readonly DiscrepancyRow[]): Promise<Map<string, ReviewStatus>> {
    const outcomes = new Map<string, ReviewStatus>();
    if (all.length === 0) return outcomes;
    const settings = await this.store.settings();
    // Lines posted as D365 journals are Synced when D365 has posted their journal (read back through OData).
    const asJournals = all.filter((r) => r.journalNumber !== undefined);
    if (asJournals.length > 0) {
      const poster = this.journalPoster(settings);
      for (const batch of new Set(asJournals.map((r) => r.postingBatchId).filter((b): b is string => b !== undefined))) {
        const lines = asJournals.filter((r) => r.postingBatchId === batch).map((r) => r.ivLineId!).filter(Boolean);
        for (const outcome of await poster.refresh(batch, lines)) outcomes.set(outcome.discrepancyId, outcome.status as ReviewStatus);
        await this.store.recountBatch(batch);
      }
    }
    const posted = all.filter((r) => r.journalNumber === undefined);
    if (posted.length === 0) return outcomes;
    const { ledger } = await this.ivClient(settings);
    const changes: Array<{ id: string; columns: Record<string, unknown> }> = [];
    for (let i = 0; i < posted.length; i += 500) {
      const call = posted.slice(i, i + 500);
      const entries = await ledger.entries(call.map((r) => r.ivLineId!));
      for (const row of call) {
        const entry = entries.get(row.ivLineId!);
        const outcome = syncOutcomeOf(entry?.aggregatedStatus ?? null);
        if (!entry || !outcome) continue;
        outcomes.set(row.id, outcome);
        changes.push({ id: row.id, columns: { [n(D.reviewStatus)]: reviewStatusValue(outcome), [n(D.ivStatus)]: (entry.aggregatedStatus ?? entry.status).slice(0, 50),
          [n(D.lastError)]: outcome === 'Synced' ? null : (entry.message ?? entry.aggregatedStatus ?? '').slice(0, 4000), [n(D.needsAttention)]: null } });
      }
    }
    await this.store.updateDiscrepancies(changes);
    for (const batch of new Set(posted.filter((r) => changes.some((c) => c.id === r.id)).map((r) => r.postingBatchId).filter((b): b is string => b !== undefined))) {
      await this.store.recountBatch(batch);
    }
    return outcomes;
  }
}

/** The sealed, constant-time comparison of a presented key with the configured one. */
function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return expected.length > 0 && a.length === b.length && timingSafeEqual(a, b);
}

const refusedRole = (action: ReviewCommand) => `Your security roles do not allow ${TITLE[action]}: it takes ${rolesFor(action).join(' or ')}.`;

function workflowSettings(settings: Settings): WorkflowSettings {
  const value = Number(settings.approvalCommentAboveValue);
  return { confirmAboveValue: settings.approvalCommentAboveValue !== '' && Number.isFinite(value) ? value : Number.POSITIVE_INFINITY };
}

function actionFor(input: ReviewRequestInput, row: DiscrepancyRow): ReviewAction | undefined {
  switch (input.action) {
    case 'requestCount': return { kind: 'requestCount' };
    case 'recordCount': {
      const counted = input.counts?.[row.id];
      return counted === undefined ? undefined : { kind: 'recordCount', countedQty: counted };
    }
    case 'approve': return { kind: 'approve', reasonCode: input.reasonCode, comment: input.comment };
    case 'reject': return { kind: 'reject', reasonCode: input.reasonCode, comment: input.comment };
    case 'explain': return { kind: 'explain', reasonCode: input.reasonCode, comment: input.comment };
    default: return undefined;
  }
}

/** The columns a transition sets, who and when stamped with the user who asked. */
export function reviewColumns(changes: ReviewChanges, userId: string, now: Date): Record<string, unknown> {
  const columns: Record<string, unknown> = { [n(D.reviewStatus)]: reviewStatusValue(changes.status) };
  if (changes.countedQty !== undefined) columns[n(D.countedQty)] = changes.countedQty;
  if (changes.correctionQty !== undefined) columns[n(D.correctionQty)] = changes.correctionQty;
  if (changes.reasonCode !== undefined) columns[n(D.reasonCode)] = reasonValue(changes.reasonCode);
  if (changes.comment !== undefined) columns[n(D.comment)] = changes.comment;
  if (changes.lastError !== undefined) columns[n(D.lastError)] = changes.lastError;
  const user = `/systemusers(${userId.toLowerCase()})`;
  const when = iso(now);
  if (changes.stamp === 'requested') Object.assign(columns, { [`${n(D.requestedBy)}@odata.bind`]: user, [n(D.requestedOn)]: when });
  if (changes.stamp === 'counted') Object.assign(columns, { [`${n(D.countedBy)}@odata.bind`]: user, [n(D.countedOn)]: when });
  if (changes.stamp === 'decided') Object.assign(columns, { [`${n(D.decidedBy)}@odata.bind`]: user, [n(D.decidedOn)]: when });
  if (changes.withdrawn) Object.assign(columns, { [n(D.approvalSeal)]: null, [n(D.ivLineId)]: null, [`${n(D.postingBatch)}@odata.bind`]: null });
  return columns;
}

/**
 * The rows of completed runs, and a refusal for each row of a run that did not complete (Running, Failed, or Replaced
 * by a run of other snapshot files): those rows are out of the review.
 */
async function ofCompletedRuns(store: ReviewStore, rows: readonly DiscrepancyRow[]): Promise<{ rows: DiscrepancyRow[]; refusals: Refusal[] }> {
  const statuses = await store.runStatuses(rows.map((r) => r.runId).filter((id): id is string => id !== undefined));
  const kept: DiscrepancyRow[] = [];
  const refusals: Refusal[] = [];
  for (const row of rows) {
    const status = row.runId ? statuses.get(row.runId) : undefined;
    if (status === 'Completed') kept.push(row);
    else refusals.push({ id: row.id, name: row.name, reason: `Its run is ${status ?? 'gone'}: only the discrepancies of a completed run are reviewed and posted.` });
  }
  return { rows: kept, refusals };
}

/** The refusals an earlier attempt at the request recorded. */
function earlierRefusals(value: unknown): Refusal[] {
  if (typeof value !== 'string' || value === '') return [];
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed) ? parsed.filter((r): r is Refusal => typeof r === 'object' && r !== null && typeof (r as Refusal).id === 'string') : [];
  } catch {
    return [];
  }
}

function missing(ids: readonly string[], rows: readonly DiscrepancyRow[]): Refusal[] {
  const found = new Set(rows.map((r) => r.id));
  return ids.filter((id) => !found.has(id)).map((id) => ({ id, name: id, reason: 'It no longer exists.' }));
}

const postingBatchStatus = (label: string) => postingBatch.columns.batchStatus.type.kind === 'choice'
  ? postingBatch.columns.batchStatus.type.choices.find((c) => c.label === label)!.value : 0;

/** The batch's impact as a finance reader wants it, in sentences: by warehouse and by reason, each with lines, quantity and value. */
function batchSummary(impact: ReturnType<typeof batchImpact>): string {
  const amount = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const line = (title: string, i: { lines: number; quantity: number; absoluteValue: number; netValue: number }) =>
    `${title}: ${plural(i.lines, 'line')}, quantity ${i.quantity.toLocaleString('en-US', { maximumFractionDigits: 6 })}, value ${amount(i.absoluteValue)} (net ${amount(i.netValue)})`;
  const section = (title: string, rows: Record<string, { lines: number; quantity: number; absoluteValue: number; netValue: number }>) =>
    [`By ${title.toLowerCase()}`, ...Object.entries(rows).sort(([a], [b]) => a.localeCompare(b)).map(([key, i]) => `  ${line(`${title} ${key}`, i)}`)];
  return [line('Total', impact.total), '', ...section('Warehouse', impact.byWarehouse), '', ...section('Reason', impact.byReason)].join('\n');
}

/** The request's outcome in a few lines: what changed, and each reason a line was refused, once, with its lines. */
function summary(action: ReviewCommand, result: ActionResult): string {
  const lines = [`${plural(result.changed, 'discrepancy', 'discrepancies')} ${result.verb ?? VERB[action]}.`];
  if (result.summary) lines.push(result.summary);
  if (result.refusals.length > 0) {
    lines.push(`${plural(result.refusals.length, 'discrepancy', 'discrepancies')} not changed:`);
    const byReason = new Map<string, string[]>();
    for (const r of result.refusals) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), r.name]);
    for (const [reason, names] of byReason) lines.push(`• ${names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ')}: ${reason}`);
  }
  return lines.join('\n');
}

export { statusValue, lookupValueName };
