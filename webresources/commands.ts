/**
 * The discrepancy command bar (issue "Review workflow"): Request count, Record count, Approve, Reject, Mark explained,
 * Post to Inventory Visibility, Refresh IV status. Each takes what the ribbon passes (the selected ids and the grid
 * control, or the run form), asks core/workflow.ts whether each change is allowed, shows progress, and ends with a
 * summary of what changed and what was refused and why. Enable rules hide what the user's roles do not allow.
 */
import { batchImpact, syncOutcomeOf, type ApprovedCorrection } from '../core/corrections.js';
import { snapshotRun } from '../core/dataverse/tables.js';
import { correctionQuantity, mayRun, transition, type ReviewAction, type ReviewCommand, type WorkflowSettings } from '../core/workflow.js';
import { dialogResultSchema, DIALOG_PAGE, encodeRequest, type DialogRequest, type DialogResult } from './dialog/contract.js';
import {
  bare, batchesOf, createPostingBatch, isYes, loadDiscrepancies, loadRunDiscrepancies, postingColumns, readSettings, refreshPostingBatch, reviewColumns,
  updateDiscrepancy, type DiscrepancyRow, type Settings, type WebApi,
} from './discrepancies.js';
import { postApprovedCorrections, type CorrectionStore, type PostableCorrection } from './posting.js';
import { callerToken, inventoryVisibilityClient } from './tokens.js';

/** What the ribbon passes: SelectedControlSelectedItemIds and SelectedControl, or PrimaryControl on a form. */
type GridControl = { refresh(): void } | undefined;
type FormContext = { data?: { entity?: { getEntityName(): string; getId(): string } } } | undefined;

interface Outcome { changed: number; refused: Array<{ name: string; reason: string }> }

const VERB: Record<ReviewCommand, { done: string; doing: string; title: string }> = {
  requestCount: { done: 'count requested', doing: 'Requesting counts', title: 'Request count' },
  recordCount: { done: 'count recorded', doing: 'Recording counts', title: 'Record count' },
  approve: { done: 'approved', doing: 'Approving', title: 'Approve' },
  reject: { done: 'rejected', doing: 'Rejecting', title: 'Reject' },
  explain: { done: 'closed as explained', doing: 'Closing as explained', title: 'Mark explained' },
  post: { done: 'posted', doing: 'Posting to Inventory Visibility', title: 'Post to Inventory Visibility' },
  refreshIvStatus: { done: 'updated from IV', doing: 'Reading IV status', title: 'Refresh IV status' },
};

const context = () => Xrm.Utility.getGlobalContext();
const roleNames = (): string[] => context().userSettings.roles.get().map((r) => r.name ?? '');
const plural = (count: number, one: string, many = `${one}s`) => `${count.toLocaleString()} ${count === 1 ? one : many}`;

// Enable rules (RibbonDiffXml CustomRule): the command is offered only to roles that may run it.
export const canRequestCount = (): boolean => mayRun('requestCount', roleNames());
export const canRecordCount = (): boolean => mayRun('recordCount', roleNames());
export const canExplain = (): boolean => mayRun('explain', roleNames());
export const canApprove = (): boolean => mayRun('approve', roleNames());
export const canReject = (): boolean => mayRun('reject', roleNames());
export const canPost = (): boolean => mayRun('post', roleNames());
export const canRefreshIvStatus = (): boolean => mayRun('refreshIvStatus', roleNames());

async function tell(title: string, text: string): Promise<void> {
  await Xrm.Navigation.openAlertDialog({ title, text }, { height: 320, width: 560 });
}

function summary(command: ReviewCommand, outcome: Outcome): string {
  const lines = [`${plural(outcome.changed, 'discrepancy', 'discrepancies')} ${VERB[command].done}.`];
  if (outcome.refused.length > 0) {
    lines.push('', `${plural(outcome.refused.length, 'discrepancy', 'discrepancies')} not changed:`);
    // The same reason for many lines is said once, with their count.
    const byReason = new Map<string, string[]>();
    for (const r of outcome.refused) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), r.name]);
    for (const [reason, names] of byReason) lines.push(`• ${names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ')}: ${reason}`);
  }
  return lines.join('\n');
}

async function openDialog(request: DialogRequest, title: string): Promise<DialogResult | undefined> {
  const size = request.kind === 'recordCount' || request.kind === 'confirmPost' ? { width: 640, height: 560 } : { width: 480, height: 420 };
  const closed = await Xrm.Navigation.navigateTo({ pageType: 'webresource', webresourceName: DIALOG_PAGE, data: encodeRequest(request) },
    { target: 2, position: 1, width: { value: size.width, unit: 'px' }, height: { value: size.height, unit: 'px' }, title });
  const value = (closed as { returnValue?: unknown } | undefined)?.returnValue;
  // Closing the dialog without confirming answers nothing: nothing changes.
  if (value === undefined || value === null || value === '') return undefined;
  return dialogResultSchema.parse(typeof value === 'string' ? JSON.parse(value) : value);
}

function refusedForMissing(ids: readonly string[], rows: readonly DiscrepancyRow[]): Outcome['refused'] {
  const found = new Set(rows.map((r) => r.id));
  return ids.map(bare).filter((id) => !found.has(id)).map((id) => ({ name: id, reason: 'It no longer exists.' }));
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String((error as { message?: unknown })?.message ?? error));

/** The review commands: one transition per selected row, each row changed or refused with the workflow's reason. */
async function review(command: Exclude<ReviewCommand, 'post' | 'refreshIvStatus'>, selectedIds: string[] | undefined, control: GridControl): Promise<void> {
  const ids = selectedIds ?? [];
  if (!mayRun(command, roleNames())) return tell(VERB[command].title, 'Your security roles do not allow this command.');
  if (ids.length === 0) return tell(VERB[command].title, 'Select one or more discrepancies first.');
  const api: WebApi = Xrm.WebApi;
  Xrm.Utility.showProgressIndicator('Reading the selected discrepancies…');
  let rows: DiscrepancyRow[];
  let settings: WorkflowSettings;
  try {
    rows = await loadDiscrepancies(api, ids);
    const values = await readSettings(api);
    settings = { confirmAboveValue: Number(values.approvalCommentAboveValue || Number.POSITIVE_INFINITY) };
  } catch (error) {
    Xrm.Utility.closeProgressIndicator();
    return tell(VERB[command].title, `The discrepancies could not be read: ${errorText(error)}`);
  }
  Xrm.Utility.closeProgressIndicator();
  const outcome: Outcome = { changed: 0, refused: refusedForMissing(ids, rows) };

  let answer: DialogResult | undefined;
  if (command !== 'requestCount') {
    const request: DialogRequest = command === 'recordCount'
      ? { kind: 'recordCount', rows: rows.map((r) => ({ id: r.id, name: r.name, d365Qty: r.subject.d365Qty, countedQty: r.subject.countedQty })) }
      : command === 'approve'
        ? { kind: 'approve', lines: rows.length, confirmAboveValue: settings.confirmAboveValue,
          correctionValue: rows.reduce((sum, r) => sum + Math.abs(correctionQuantity(r.subject) * r.subject.unitCost), 0) }
        : { kind: command, lines: rows.length };
    answer = await openDialog(request, VERB[command].title);
    if (!answer) return;
  }

  const userId = context().userSettings.userId;
  for (const [index, row] of rows.entries()) {
    Xrm.Utility.showProgressIndicator(`${VERB[command].doing}: ${index + 1} of ${rows.length}…`);
    const action = actionFor(command, row, answer);
    if (!action) { outcome.refused.push({ name: row.name, reason: 'No counted quantity was entered for it.' }); continue; }
    const result = transition(row.subject, action, settings);
    if (!result.ok) { outcome.refused.push({ name: row.name, reason: result.reason }); continue; }
    try {
      await updateDiscrepancy(api, row.id, reviewColumns(result.changes, userId, new Date()));
      outcome.changed += 1;
    } catch (error) {
      outcome.refused.push({ name: row.name, reason: errorText(error) });
    }
  }
  Xrm.Utility.closeProgressIndicator();
  control?.refresh();
  await tell(VERB[command].title, summary(command, outcome));
}

function actionFor(command: Exclude<ReviewCommand, 'post' | 'refreshIvStatus'>, row: DiscrepancyRow, answer: DialogResult | undefined): ReviewAction | undefined {
  switch (command) {
    case 'requestCount': return { kind: 'requestCount' };
    case 'recordCount': {
      const counted = answer?.kind === 'recordCount' ? answer.counts[row.id] : undefined;
      return counted === undefined ? undefined : { kind: 'recordCount', countedQty: counted };
    }
    case 'approve': return answer?.kind === 'approve' ? { kind: 'approve', reasonCode: answer.reasonCode, comment: answer.comment } : undefined;
    case 'reject': return answer?.kind === 'reject' ? { kind: 'reject', reasonCode: answer.reasonCode, comment: answer.comment } : undefined;
    case 'explain': return answer?.kind === 'explain' ? { kind: 'explain', reasonCode: answer.reasonCode, comment: answer.comment } : undefined;
  }
}

export const requestCount = (ids?: string[], control?: GridControl) => review('requestCount', ids, control);
export const recordCount = (ids?: string[], control?: GridControl) => review('recordCount', ids, control);
export const approve = (ids?: string[], control?: GridControl) => review('approve', ids, control);
export const reject = (ids?: string[], control?: GridControl) => review('reject', ids, control);
export const markExplained = (ids?: string[], control?: GridControl) => review('explain', ids, control);

/** The selected rows, or on a run form (nothing selected) every row of the run in the given statuses. */
async function rowsToWorkOn(api: WebApi, ids: readonly string[], form: FormContext, statuses: Parameters<typeof loadRunDiscrepancies>[2]): Promise<DiscrepancyRow[]> {
  if (ids.length > 0) return loadDiscrepancies(api, ids);
  const entity = form?.data?.entity;
  if (entity && entity.getEntityName() === snapshotRun.logicalName) return loadRunDiscrepancies(api, entity.getId(), statuses);
  return [];
}

function ivClient(settings: Settings) {
  const globalContext = context();
  return inventoryVisibilityClient(settings, callerToken({ clientId: settings.brokerClientId, clientUrl: globalContext.getClientUrl(), userName: globalContext.userSettings.userName }));
}

/**
 * Post to Inventory Visibility: the Approved lines selected (or all of the run), after finance confirms the whole
 * impact; a posting batch records them, and each line is Posting before IV hears of it (webresources/posting.ts).
 * Lines left in Posting or Post error by an earlier attempt go again with the same ids.
 */
export async function postToInventoryVisibility(selectedIds?: string[], control?: GridControl, form?: FormContext): Promise<void> {
  const title = VERB.post.title;
  if (!mayRun('post', roleNames())) return tell(title, 'Your security roles do not allow this command.');
  const api: WebApi = Xrm.WebApi;
  const ids = selectedIds ?? [];
  Xrm.Utility.showProgressIndicator('Reading the approved corrections…');
  let rows: DiscrepancyRow[];
  let settings: Settings;
  try {
    rows = await rowsToWorkOn(api, ids, form, ['Approved', 'Posting', 'Post error']);
    settings = await readSettings(api);
  } catch (error) {
    Xrm.Utility.closeProgressIndicator();
    return tell(title, `The corrections could not be read: ${errorText(error)}`);
  }
  Xrm.Utility.closeProgressIndicator();
  const outcome: Outcome = { changed: 0, refused: refusedForMissing(ids, rows) };
  const postable: PostableCorrection[] = [];
  for (const row of rows) {
    const c = row.correction;
    if (!['Approved', 'Posting', 'Post error'].includes(row.subject.status)) {
      outcome.refused.push({ name: row.name, reason: `It is ${row.subject.status}: only Approved corrections are posted.` });
    } else if (c.correctionQty === null || c.reasonCode === undefined || c.approvedOn === undefined) {
      outcome.refused.push({ name: row.name, reason: 'It has no approved correction quantity, reason and approval date.' });
    } else {
      postable.push({ ...c, correctionQty: c.correctionQty, reasonCode: c.reasonCode, approvedOn: c.approvedOn, reviewStatus: row.subject.status } as PostableCorrection);
    }
  }
  if (postable.length === 0) return tell(title, outcome.refused.length > 0 ? summary('post', outcome) : 'There are no approved corrections to post: select Approved discrepancies, or open a run.');

  const impact = batchImpact(postable as ApprovedCorrection[]);
  const confirmed = await openDialog({ kind: 'confirmPost', ...impact }, title);
  if (!confirmed) return;

  let batchId: string;
  let client: ReturnType<typeof ivClient>;
  try {
    client = ivClient(settings);
    batchId = await createPostingBatch(api, `IV ${new Date().toISOString().slice(0, 16).replace('T', ' ')} (${plural(postable.length, 'line')})`, {
      lines: impact.total.lines, quantity: impact.total.quantity, absoluteValue: impact.total.absoluteValue, netValue: impact.total.netValue,
      summary: JSON.stringify({ byWarehouse: impact.byWarehouse, byReason: impact.byReason }, null, 1),
      endpoint: isYes(settings.ivCallsThroughBroker) ? `${settings.tokenBrokerUrl} (relay)` : settings.ivEndpoint, environmentId: settings.ivEnvironmentId,
    });
  } catch (error) {
    return tell(title, `Nothing was posted: ${errorText(error)}`);
  }

  const log: string[] = [];
  const errors: string[] = [];
  const byId = new Map(postable.map((p) => [p.discrepancyId, p]));
  const store: CorrectionStore = {
    markPosting: async (items) => { for (const i of items) await updateDiscrepancy(api, i.discrepancyId, postingColumns.posting(i.lineId, batchId)); },
    markPosted: async (done) => { for (const id of done) await updateDiscrepancy(api, id, postingColumns.posted()); },
    markPostError: async (failures) => {
      for (const f of failures) {
        errors.push(`${byId.get(f.discrepancyId)?.item ?? f.discrepancyId}: ${f.message}`);
        await updateDiscrepancy(api, f.discrepancyId, postingColumns.postError(f.message));
      }
    },
    logResponse: async (raw) => { log.push(`${new Date().toISOString()} ${raw}`); },
  };
  let report;
  try {
    report = await postApprovedCorrections(postable, store, client, {
      quantityDataSource: settings.ivQuantityDataSource, physicalMeasure: settings.ivPhysicalMeasure,
      fnoJournalNameId: settings.d365JournalNameId || undefined, maxLinesPerCall: Number(settings.ivMaxLinesPerCall || 512),
    }, (sent, total) => Xrm.Utility.showProgressIndicator(`Posting to Inventory Visibility: ${sent.toLocaleString()} of ${total.toLocaleString()} lines sent…`));
  } catch (error) {
    // Lines already marked Posting stay so: posting them again re-sends the same ids, and IV keeps each once.
    errors.push(errorText(error));
    report = undefined;
  } finally {
    Xrm.Utility.closeProgressIndicator();
  }
  await refreshPostingBatch(api, batchId, { responseLog: log.join('\n'), errors: errors.join('\n') }).catch(() => undefined);
  control?.refresh();
  if (!report) return tell(title, `Posting stopped: ${errors.at(-1)}\nLines already sent stay in Posting; run Post again to finish them (IV keeps each line once).`);
  for (const s of report.skipped) outcome.refused.push({ name: s.discrepancyId, reason: s.reason });
  outcome.changed = report.posted;
  const failed = report.failed > 0 ? `\n${plural(report.failed, 'line')} failed and are in Post error (the message is on each line); post them again to retry.` : '';
  await tell(title, `${summary('post', outcome)}${failed}\nTotal value ${impact.total.absoluteValue.toLocaleString()} (net ${impact.total.netValue.toLocaleString()}).`);
}

/** Refresh IV status: posted lines move to Synced or Sync error as IV reports on their D365 journals. */
export async function refreshIvStatus(selectedIds?: string[], control?: GridControl, form?: FormContext): Promise<void> {
  const title = VERB.refreshIvStatus.title;
  if (!mayRun('refreshIvStatus', roleNames())) return tell(title, 'Your security roles do not allow this command.');
  const api: WebApi = Xrm.WebApi;
  const ids = selectedIds ?? [];
  Xrm.Utility.showProgressIndicator('Reading the posted lines…');
  const outcome: Outcome = { changed: 0, refused: [] };
  try {
    const rows = await rowsToWorkOn(api, ids, form, ['Posted']);
    outcome.refused.push(...refusedForMissing(ids, rows));
    const posted = rows.filter((r) => {
      if (r.subject.status === 'Posted' && r.ivLineId) return true;
      outcome.refused.push({ name: r.name, reason: `It is ${r.subject.status}: only Posted lines have an IV status to read.` });
      return false;
    });
    if (posted.length > 0) {
      const client = ivClient(await readSettings(api));
      let stillMoving = 0;
      for (let i = 0; i < posted.length; i += 100) {
        Xrm.Utility.showProgressIndicator(`Reading IV status: ${Math.min(i + 100, posted.length)} of ${posted.length}…`);
        const call = posted.slice(i, i + 100);
        const statuses = new Map((await client.lineStatuses(call.map((r) => r.ivLineId!))).map((s) => [s.id, s]));
        for (const row of call) {
          const status = statuses.get(row.ivLineId!);
          const outcomeOf = syncOutcomeOf(status?.aggregatedStatus ?? null);
          if (!status || !outcomeOf) { stillMoving += 1; continue; }
          const t = transition(row.subject, outcomeOf === 'Synced' ? { kind: 'synced' } : { kind: 'syncError', message: status.message ?? status.aggregatedStatus ?? '' }, { confirmAboveValue: Infinity });
          if (!t.ok) { outcome.refused.push({ name: row.name, reason: t.reason }); continue; }
          await updateDiscrepancy(api, row.id, postingColumns.ivStatus(t.changes.status, status.aggregatedStatus ?? status.status, outcomeOf === 'Synced' ? null : status.message ?? status.aggregatedStatus));
          outcome.changed += 1;
        }
      }
      for (const batch of await batchesOf(api, posted.map((r) => r.id))) await refreshPostingBatch(api, batch);
      if (stillMoving > 0) outcome.refused.push({ name: plural(stillMoving, 'line'), reason: 'IV has not created and posted their D365 journal yet; refresh again later.' });
    }
  } catch (error) {
    Xrm.Utility.closeProgressIndicator();
    return tell(title, `The IV status could not be read: ${errorText(error)}`);
  }
  Xrm.Utility.closeProgressIndicator();
  control?.refresh();
  await tell(title, summary('refreshIvStatus', outcome));
}
