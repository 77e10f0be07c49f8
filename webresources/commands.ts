/**
 * The discrepancy command bar (RibbonDiffXml): Request count, Record count, Approve, Reject, Mark explained, Post to
 * Inventory Visibility, Refresh IV status. Each gathers what the user wants (the selected rows, or the run form; the
 * dialog's counts, reason, comment or confirmation) and asks the review service by creating a review request
 * (webresources/requests.ts); Dataverse and the service decide, and the handler shows their answer. Enable rules
 * hide what the user's roles would only be refused.
 */
import { batchImpact, type ApprovedCorrection } from '../core/corrections.js';
import { DISCREPANCY_SELECT, bareId, idFilters, reviewStatusValue, toDiscrepancyRow, type DiscrepancyRow } from '../core/dataverse/rows.js';
import { lookupValueName } from '../core/dataverse/schema.js';
import { discrepancy, snapshotRun } from '../core/dataverse/tables.js';
import { ENVIRONMENT_VARIABLES } from '../core/dataverse/environment.js';
import type { ReviewRequestInput } from '../core/review-request.js';
import { correctionQuantity, mayRun, type ReviewCommand, type ReviewStatus } from '../core/workflow.js';
import { dialogResultSchema, DIALOG_PAGE, encodeRequest, type DialogRequest, type DialogResult } from './dialog/contract.js';
import { ask, errorText, withRetries, type WebApi } from './requests.js';

/** What the ribbon passes: SelectedControlSelectedItemIds and SelectedControl, or PrimaryControl on a form. */
type GridControl = { refresh(): void } | undefined;
type FormContext = { data?: { entity?: { getEntityName(): string; getId(): string } } } | undefined;

const TITLE: Record<ReviewCommand, string> = {
  requestCount: 'Request count', recordCount: 'Record count', approve: 'Approve', reject: 'Reject', explain: 'Mark explained',
  post: 'Post to Inventory Visibility', refreshIvStatus: 'Refresh IV status',
};

const context = () => Xrm.Utility.getGlobalContext();
const roleIds = (): string[] => context().userSettings.roles.get().map((r) => r.id ?? '');
const plural = (count: number, one: string, many = `${one}s`) => `${count.toLocaleString()} ${count === 1 ? one : many}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Enable rules (RibbonDiffXml CustomRule): the command is offered only to roles that may run it.
export const canRequestCount = (): boolean => mayRun('requestCount', roleIds());
export const canRecordCount = (): boolean => mayRun('recordCount', roleIds());
export const canExplain = (): boolean => mayRun('explain', roleIds());
export const canApprove = (): boolean => mayRun('approve', roleIds());
export const canReject = (): boolean => mayRun('reject', roleIds());
export const canPost = (): boolean => mayRun('post', roleIds());
export const canRefreshIvStatus = (): boolean => mayRun('refreshIvStatus', roleIds());

async function tell(title: string, text: string): Promise<void> {
  await Xrm.Navigation.openAlertDialog({ title, text }, { height: 320, width: 560 });
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

/** All pages of a query (Xrm.WebApi hands back a nextLink per page). */
async function retrieveAll(api: WebApi, table: string, options: string): Promise<unknown[]> {
  const rows: unknown[] = [];
  let page = await withRetries(() => api.retrieveMultipleRecords(table, options, 5000), sleep);
  rows.push(...page.entities);
  while (page.nextLink) {
    const next = page.nextLink;
    page = await withRetries(() => api.retrieveMultipleRecords(table, next, 5000), sleep);
    rows.push(...page.entities);
  }
  return rows;
}

/** The selected discrepancies, or with none selected on a run form, the run's lines in the given statuses. */
async function rowsToShow(api: WebApi, ids: readonly string[], runId: string | undefined, statuses: readonly ReviewStatus[]): Promise<DiscrepancyRow[]> {
  if (ids.length === 0 && runId) {
    const status = statuses.map((s) => `${discrepancy.columns.reviewStatus.logicalName} eq ${reviewStatusValue(s)}`).join(' or ');
    return (await retrieveAll(api, discrepancy.logicalName, `?$select=${DISCREPANCY_SELECT}&$filter=${lookupValueName(discrepancy.columns.run.logicalName)} eq ${bareId(runId)} and (${status})`)).map(toDiscrepancyRow);
  }
  const rows: DiscrepancyRow[] = [];
  for (const filter of idFilters(ids)) rows.push(...(await retrieveAll(api, discrepancy.logicalName, `?$select=${DISCREPANCY_SELECT}&$filter=${filter}`)).map(toDiscrepancyRow));
  return rows;
}

/** An environment variable's current value, else its default. */
async function setting(api: WebApi, variable: { schemaName: string; defaultValue?: string }): Promise<string> {
  const values = await retrieveAll(api, 'environmentvariablevalue', `?$select=value&$filter=schemaname eq '${variable.schemaName}'`) as Array<{ value?: string | null }>;
  return values[0]?.value ?? variable.defaultValue ?? '';
}

/** The approval limit above which a comment confirms a correction (for the dialog's hint; the service enforces it). */
async function commentAboveValue(api: WebApi): Promise<number> {
  const value = Number(await setting(api, ENVIRONMENT_VARIABLES.approvalCommentAboveValue));
  return Number.isFinite(value) ? value : Number.POSITIVE_INFINITY;
}

const runOf = (form: FormContext): string | undefined => {
  const entity = form?.data?.entity;
  return entity && entity.getEntityName() === snapshotRun.logicalName ? bareId(entity.getId()) : undefined;
};

/** Sends the request and shows the outcome, with the service's progress meanwhile. */
async function submit(input: ReviewRequestInput, command: ReviewCommand, lines: number, control: GridControl): Promise<void> {
  const name = `${TITLE[command]}: ${input.discrepancyIds.length > 0 ? plural(lines, 'line') : 'run'}`;
  let answer;
  try {
    answer = await ask(Xrm.WebApi, input, name, { progress: (text) => Xrm.Utility.showProgressIndicator(text) });
  } catch (error) {
    answer = { kind: 'refused' as const, message: `The request could not be sent: ${errorText(error)}` };
  } finally {
    Xrm.Utility.closeProgressIndicator();
  }
  control?.refresh();
  if (answer.kind === 'refused') return tell(TITLE[command], answer.message);
  if (answer.kind === 'still running') {
    return tell(TITLE[command], `The review service is still working on it (${answer.progress}). Its outcome will be on the request: Inventory Balance → Review requests.`);
  }
  return tell(TITLE[command], answer.outcome || `The request ended ${answer.status}.`);
}

/** The review commands: the dialog's answer for the selected rows, as one request. */
async function review(command: Exclude<ReviewCommand, 'post' | 'refreshIvStatus'>, selectedIds: string[] | undefined, control: GridControl): Promise<void> {
  const ids = (selectedIds ?? []).map(bareId);
  if (!mayRun(command, roleIds())) return tell(TITLE[command], 'Your security roles do not allow this command.');
  if (ids.length === 0) return tell(TITLE[command], 'Select one or more discrepancies first.');
  const api: WebApi = Xrm.WebApi;
  let answer: DialogResult | undefined;
  if (command !== 'requestCount') {
    let request: DialogRequest;
    Xrm.Utility.showProgressIndicator('Reading the selected discrepancies…');
    try {
      const rows = await rowsToShow(api, ids, undefined, []);
      request = command === 'recordCount'
        ? { kind: 'recordCount', rows: rows.map((r) => ({ id: r.id, name: r.name, d365Qty: r.subject.d365Qty, countedQty: r.subject.countedQty })) }
        : command === 'approve'
          ? { kind: 'approve', lines: rows.length, confirmAboveValue: await commentAboveValue(api),
            correctionValue: rows.reduce((sum, r) => sum + Math.abs(correctionQuantity(r.subject) * r.subject.unitCost), 0) }
          : { kind: command, lines: rows.length };
    } catch (error) {
      return tell(TITLE[command], `The discrepancies could not be read: ${errorText(error)}`);
    } finally {
      Xrm.Utility.closeProgressIndicator();
    }
    answer = await openDialog(request, TITLE[command]);
    if (!answer) return;
  }
  const input: ReviewRequestInput = { action: command, discrepancyIds: ids };
  if (answer?.kind === 'recordCount') input.counts = answer.counts;
  if (answer && 'reasonCode' in answer && answer.reasonCode) input.reasonCode = answer.reasonCode;
  if (answer && 'comment' in answer && answer.comment.trim() !== '') input.comment = answer.comment.trim();
  await submit(input, command, ids.length, control);
}

export const requestCount = (ids?: string[], control?: GridControl) => review('requestCount', ids, control);
export const recordCount = (ids?: string[], control?: GridControl) => review('recordCount', ids, control);
export const approve = (ids?: string[], control?: GridControl) => review('approve', ids, control);
export const reject = (ids?: string[], control?: GridControl) => review('reject', ids, control);
export const markExplained = (ids?: string[], control?: GridControl) => review('explain', ids, control);

/**
 * Post to Inventory Visibility: the Approved lines selected (or all of the run), after finance confirms their whole
 * impact; the review service posts exactly those lines, as approved, exactly once.
 */
export async function postToInventoryVisibility(selectedIds?: string[], control?: GridControl, form?: FormContext): Promise<void> {
  const title = TITLE.post;
  if (!mayRun('post', roleIds())) return tell(title, 'Your security roles do not allow this command.');
  const ids = (selectedIds ?? []).map(bareId);
  const runId = ids.length === 0 ? runOf(form) : undefined;
  if (ids.length === 0 && !runId) return tell(title, 'Select Approved discrepancies, or open a run to post all of its approved corrections.');
  const eligible: ReviewStatus[] = ['Approved', 'Post error', 'Posting'];
  Xrm.Utility.showProgressIndicator('Reading the approved corrections…');
  let rows: DiscrepancyRow[];
  try {
    rows = (await rowsToShow(Xrm.WebApi, ids, runId, eligible)).filter((r) => eligible.includes(r.subject.status) && r.correction.correctionQty !== null);
  } catch (error) {
    return tell(title, `The corrections could not be read: ${errorText(error)}`);
  } finally {
    Xrm.Utility.closeProgressIndicator();
  }
  if (rows.length === 0) return tell(title, 'There are no approved corrections to post among these: only Approved lines (or lines to post again) are posted.');
  const impact = batchImpact(rows.map((r) => ({ ...r.correction, correctionQty: r.correction.correctionQty!, reasonCode: r.correction.reasonCode ?? 'Unknown',
    approvedOn: r.correction.approvedOn ?? '' }) as ApprovedCorrection));
  const path = (await setting(Xrm.WebApi, ENVIRONMENT_VARIABLES.postingPath)) === 'd365-journal' ? 'd365-journal' as const : 'iv' as const;
  const journalType = (await setting(Xrm.WebApi, ENVIRONMENT_VARIABLES.d365JournalType)) === 'counting' ? 'counting' as const : 'adjustment' as const;
  if (!(await openDialog({ kind: 'confirmPost', ...impact, path, journalType }, path === 'iv' ? title : 'Post as a D365 journal'))) return;
  await submit({ action: 'post', discrepancyIds: ids, runId, confirmed: { lines: impact.total.lines, absoluteValue: impact.total.absoluteValue } }, 'post', rows.length, control);
}

/** Refresh IV status: posted lines move to Synced or Sync error as IV reports on their D365 journals. */
export async function refreshIvStatus(selectedIds?: string[], control?: GridControl, form?: FormContext): Promise<void> {
  const title = TITLE.refreshIvStatus;
  if (!mayRun('refreshIvStatus', roleIds())) return tell(title, 'Your security roles do not allow this command.');
  const ids = (selectedIds ?? []).map(bareId);
  const runId = ids.length === 0 ? runOf(form) : undefined;
  if (ids.length === 0 && !runId) return tell(title, 'Select Posted discrepancies, or open a run.');
  await submit({ action: 'refreshIvStatus', discrepancyIds: ids, runId }, 'refreshIvStatus', ids.length, control);
}
