/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
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
import { correctionQuantity, couldChange, mayRun, type ReviewCommand, type ReviewStatus, type ReviewSubject } from '../core/workflow.js';
import { dialogResultSchema, DIALOG_PAGE, encodeRequest, type DialogRequest, type DialogResult } from './dialog/contract.js';
import { ask, errorText, withRetries, type WebApi } from './requests.js';
import { COUNT_SHEET_COLUMNS, countSheetRows, readCountSheet, sheetLinesOf, type Cell } from '../core/count-sheet.js';
import { allColumns } from '../core/dataverse/schema.js';
import { MAX_REQUEST_LINES } from '../core/review-request.js';
import type { SheetFormat } from './sheets.js';

/** What the ribbon passes: SelectedControlSelectedItemIds and SelectedControl, or PrimaryControl on a form. */
type GridControl = { refresh(): void; getFetchXml?(): string } | undefined;
type FormContext = { data?: { entity?: { getEntityName(): string; getId(): string } } } | undefined;

const TITLE: Record<ReviewCommand, string> = {
  requestCount: 'Request count', recordCount: 'Record count', approve: 'Approve', reject: 'Reject', explain: 'Mark explained',
  post: 'Post to Inventory Visibility', refreshIvStatus: 'Refresh IV status',
};

const context = () => Xrm.Utility.getGlobalContext();
const roleIds = (): string[] => context().userSettings.roles.get().map((r) => r.id ?? '');
const plural = (count: number, one: string, many = `${one}s`) => `${count.toLocaleString()} ${count === 1 ? one : many}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The selected rows' status and classification, read once per selection (enable rules run on every selection change). */
const statusCache = new Map<string, Promise<Array<Pick<ReviewSubject, 'status' | 'classification'>>>>();
function subjectsOf(ids: readonly string[]): Promise<Array<Pick<ReviewSubject, 'status' | 'classification'>>> {
  const key = ids.map(bareId).sort().join(',');
  let found = statusCache.get(key);
  if (!found) {
    found = rowsToShow(Xrm.WebApi, ids.map(bareId), undefined, []).then((rows) => rows.map((r) => r.subject));
    found.catch(() => statusCache.delete(key));
    if (statusCache.size > 50) statusCache.clear();
    statusCache.set(key, found);
  }
  return found;
}

/**
 * Enable rules (RibbonDiffXml CustomRule, with the selection passed): a command is offered to the roles that may run
 * it, and with rows selected only when at least one of them could change (core's workflow decides); a command is not
 * offered where it would only be refused. Without the selection (an older ribbon) only the roles decide.
 */
function offered(command: ReviewCommand, selectedIds?: string[], form?: FormContext): boolean | Promise<boolean> {
  if (!mayRun(command, roleIds())) return false;
  if (selectedIds === undefined) return true;
  if (selectedIds.length === 0) return (command === 'post' || command === 'refreshIvStatus') && runOf(form) !== undefined;
  const asker = { approver: mayRun('approve', roleIds()) };
  return subjectsOf(selectedIds).then((subjects) => subjects.some((s) => couldChange(command, s, asker)), () => true);
}
export const canRequestCount = (ids?: string[]) => offered('requestCount', ids);
export const canRecordCount = (ids?: string[]) => offered('recordCount', ids);
export const canExplain = (ids?: string[]) => offered('explain', ids);
export const canApprove = (ids?: string[]) => offered('approve', ids);
export const canReject = (ids?: string[]) => offered('reject', ids);
export const canPost = (ids?: string[], form?: FormContext) => offered('post', ids, form);
export const canRefreshIvStatus = (ids?: string[], form?: FormContext) => offered('refreshIvStatus', ids, form);
/** Import counts works on a sheet, not on the selection: the roles decide. */
export const canImportCounts = (): boolean => mayRun('recordCount', roleIds());

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
  statusCache.clear();
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
      const all = await rowsToShow(api, ids, undefined, []);
      // Only the lines the command could change are asked about; the others are named, not asked for and refused.
      const asker = { approver: mayRun('approve', roleIds()) };
      const rows = all.filter((r) => couldChange(command, r.subject, asker));
      if (rows.length === 0) return tell(TITLE[command], nothingToDo(command, all));
      const note = rows.length < all.length ? skippedNote(command, all.filter((r) => !couldChange(command, r.subject, asker))) : undefined;
      request = command === 'recordCount'
        ? { kind: 'recordCount', rows: rows.map((r) => ({ id: r.id, name: r.name, d365Qty: r.subject.d365Qty, countedQty: r.subject.countedQty })), note }
        : command === 'approve'
          ? { kind: 'approve', lines: rows.length, confirmAboveValue: await commentAboveValue(api), note,
            correctionValue: rows.reduce((sum, r) => sum + Math.abs(correctionQuantity(r.subject) * r.subject.unitCost), 0) }
          : { kind: command, lines: rows.length, note, commentRequired: command === 'reject' || rows.some((r) => r.subject.status === 'Sync error') };
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

const WHAT_IT_TAKES: Partial<Record<ReviewCommand, string>> = {
  requestCount: 'New or Rejected lines', recordCount: 'lines not yet approved or posted', approve: 'Counted lines',
  reject: 'Counted or Approved lines, or lines that failed to post', explain: 'Timing or Immaterial lines not yet approved (and, for an approver, sync errors); a Material line is closed by a count that matches D365',
};
const byStatus = (rows: readonly DiscrepancyRow[]) => {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const label = r.subject.status === 'New' && r.subject.classification === 'Material' ? 'New and Material' : r.subject.status;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
};
const nothingToDo = (command: ReviewCommand, rows: readonly DiscrepancyRow[]) =>
  `${TITLE[command]} takes ${WHAT_IT_TAKES[command] ?? 'other lines'}: none of the selected is one (${byStatus(rows)}). Nothing was changed.`;
const skippedNote = (command: ReviewCommand, skipped: readonly DiscrepancyRow[]) =>
  `${plural(skipped.length, 'selected line')} ${skipped.length === 1 ? 'is' : 'are'} left as ${skipped.length === 1 ? 'it is' : 'they are'} (${byStatus(skipped)}): ${TITLE[command]} takes ${WHAT_IT_TAKES[command] ?? 'other lines'}.`;

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

// ---- Counts in bulk and exports -------------------------------------------------------------------------------

/**
 * The spreadsheet writer (webresources/sheets.ts) is a web resource of its own, which the export commands' ribbon
 * definitions load before calling here (a JavaScriptFunction of that library first), so the command script every
 * grid loads stays small.
 */
type Sheets = typeof import('./sheets.js');
function loadSheets(): Promise<Sheets> {
  const loaded = (globalThis as unknown as { InventoryBalance?: { Sheets?: Sheets } }).InventoryBalance?.Sheets;
  return loaded ? Promise.resolve(loaded) : Promise.reject(new Error('ibal_/scripts/sheets.js is not loaded: the command must list it in its ribbon actions'));
}
const sheetFile = async (...args: Parameters<Sheets['sheetFile']>) => (await loadSheets()).sheetFile(...args);
const offerFile = async (...args: Parameters<Sheets['offerFile']>) => (await loadSheets()).offerFile(...args);

/** The page the filled count sheet is picked on (solution name). */
export const COUNTS_PAGE = 'ibal_/pages/counts.html';
const D = discrepancy.columns;
const SHEET_ROW_LIMIT = 50000;

/** Every row of the grid's query (its view, filter and sort), page by page, with the columns asked for. */
async function gridRows(control: GridControl, attributes: readonly string[]): Promise<Array<Record<string, unknown>>> {
  const fetchXml = control?.getFetchXml?.();
  if (!fetchXml) throw new Error('This grid does not give its query: select the lines instead.');
  const doc = new DOMParser().parseFromString(fetchXml, 'application/xml');
  const entity = doc.getElementsByTagName('entity')[0]!;
  const present = new Set(Array.from(entity.getElementsByTagName('attribute')).filter((a) => a.parentElement === entity).map((a) => a.getAttribute('name')));
  for (const name of attributes) {
    if (present.has(name)) continue;
    const attribute = doc.createElement('attribute');
    attribute.setAttribute('name', name);
    entity.insertBefore(attribute, entity.firstChild);
  }
  const rows: Array<Record<string, unknown>> = [];
  for (let page = 1; ; page += 1) {
    doc.documentElement.setAttribute('count', '5000');
    doc.documentElement.setAttribute('page', String(page));
    const result = await withRetries(() => Xrm.WebApi.retrieveMultipleRecords(discrepancy.logicalName, `?fetchXml=${encodeURIComponent(new XMLSerializer().serializeToString(doc))}`), sleep);
    rows.push(...(result.entities as Array<Record<string, unknown>>));
    if (result.entities.length < 5000 || rows.length >= SHEET_ROW_LIMIT) break;
  }
  return rows;
}

const SHEET_ATTRIBUTES = [discrepancy.primaryId, discrepancy.primaryName.logicalName, D.item.logicalName, D.warehouse.logicalName, D.location.logicalName,
  D.batch.logicalName, D.d365Unit.logicalName, D.d365Qty.logicalName];
const stamp = () => new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '');

/** The count sheet of the selected lines, or with none selected, of every line in the grid's view. */
async function exportCountSheetAs(format: SheetFormat, selectedIds: string[] | undefined, control: GridControl): Promise<void> {
  const title = 'Export count sheet';
  const ids = (selectedIds ?? []).map(bareId);
  Xrm.Utility.showProgressIndicator('Reading the lines to count…');
  let lines: Array<Record<string, unknown>>;
  try {
    lines = [];
    if (ids.length > 0) {
      for (const filter of idFilters(ids)) lines.push(...await retrieveAll(Xrm.WebApi, discrepancy.logicalName, `?$select=${SHEET_ATTRIBUTES.join(',')}&$filter=${filter}`) as Array<Record<string, unknown>>);
    } else {
      lines = await gridRows(control, SHEET_ATTRIBUTES);
    }
  } catch (error) {
    return tell(title, `The lines could not be read: ${errorText(error)}`);
  } finally {
    Xrm.Utility.closeProgressIndicator();
  }
  if (lines.length === 0) return tell(title, 'There are no lines to count in this view.');
  const text = (row: Record<string, unknown>, name: string) => String(row[name] ?? '');
  const rows = countSheetRows(lines.map((row) => ({ id: text(row, discrepancy.primaryId), name: text(row, discrepancy.primaryName.logicalName), item: text(row, D.item.logicalName),
    warehouse: text(row, D.warehouse.logicalName), location: text(row, D.location.logicalName), batch: text(row, D.batch.logicalName),
    unit: text(row, D.d365Unit.logicalName), d365Qty: Number(row[D.d365Qty.logicalName] ?? 0) })));
  const bytes = await sheetFile(rows, format, 'Count sheet', [38, 12, 10, 12, 12, 6, 14, 16, 44]);
  await offerFile(bytes, `count-sheet-${stamp()}.${format}`, format);
}

export const exportCountSheet = (ids?: string[], control?: GridControl) => exportCountSheetAs('xlsx', ids, control);
export const exportCountSheetCsv = (ids?: string[], control?: GridControl) => exportCountSheetAs('csv', ids, control);

/**
 * Import counts: the filled count sheet becomes one Record count request for all its counted lines, or nothing. Each
 * line that cannot be taken (a bad number, an id twice, a line no longer countable) is listed with its sheet line.
 */
export async function importCountSheet(_selectedIds?: string[], control?: GridControl): Promise<void> {
  const title = 'Import counts';
  if (!mayRun('recordCount', roleIds())) return tell(title, 'Your security roles do not allow this command.');
  const closed = await Xrm.Navigation.navigateTo({ pageType: 'webresource', webresourceName: COUNTS_PAGE },
    { target: 2, position: 1, width: { value: 560, unit: 'px' }, height: { value: 360, unit: 'px' }, title });
  const value = (closed as { returnValue?: unknown } | undefined)?.returnValue;
  if (value === undefined || value === null || value === '') return;
  const answer = (typeof value === 'string' ? JSON.parse(value) : value) as { fileName: string; rows: Cell[][] };
  const sheet = readCountSheet(answer.rows);
  const refusals = sheet.refusals.map((r) => `• line ${r.line}, ${r.column}: ${r.reason}`);
  const ids = Object.keys(sheet.counts);
  if (refusals.length === 0 && ids.length === 0) return tell(title, `${answer.fileName} has no counted quantity filled in: nothing was recorded.`);
  if (ids.length > MAX_REQUEST_LINES || ids.length > 1000) return tell(title, `${answer.fileName} has ${ids.length} counted lines: import at most 1,000 at a time. Nothing was recorded.`);
  Xrm.Utility.showProgressIndicator('Checking the counted lines…');
  let rows: DiscrepancyRow[];
  try {
    rows = await rowsToShow(Xrm.WebApi, ids, undefined, []);
  } catch (error) {
    return tell(title, `The lines could not be read: ${errorText(error)}`);
  } finally {
    Xrm.Utility.closeProgressIndicator();
  }
  const lineOf = sheetLinesOf(answer.rows);
  const found = new Set(rows.map((r) => r.id));
  for (const id of ids.filter((i) => !found.has(i))) refusals.push(`• line ${lineOf.get(id) ?? '?'}, ${COUNT_SHEET_COLUMNS[0]}: no such discrepancy (deleted, or from another environment)`);
  for (const row of rows.filter((r) => !couldChange('recordCount', r.subject))) {
    refusals.push(`• line ${lineOf.get(row.id) ?? '?'} (${row.name}): it is ${row.subject.status}, and a count is recorded only on lines not yet approved or posted`);
  }
  if (refusals.length > 0) {
    return tell(title, `Nothing was recorded: ${plural(refusals.length, 'line')} of ${answer.fileName} cannot be taken as ${refusals.length === 1 ? 'it is' : 'they are'}. `
      + `Correct ${refusals.length === 1 ? 'it' : 'them'} and import the sheet again.\n${refusals.slice(0, 30).join('\n')}${refusals.length > 30 ? `\n… and ${refusals.length - 30} more` : ''}`);
  }
  await submit({ action: 'recordCount', discrepancyIds: ids, counts: sheet.counts, allOrNothing: true }, 'recordCount', ids.length, control);
}

/** Export to Excel: every row of the grid's view with the view's columns, as the platform's export does. */
export async function exportToExcel(_selectedIds?: string[], control?: GridControl): Promise<void> {
  const title = 'Export to Excel';
  const fetchXml = control?.getFetchXml?.();
  if (!fetchXml) return tell(title, 'This grid does not give its query.');
  const doc = new DOMParser().parseFromString(fetchXml, 'application/xml');
  const entity = doc.getElementsByTagName('entity')[0]!;
  const names = Array.from(entity.getElementsByTagName('attribute')).filter((a) => a.parentElement === entity).map((a) => a.getAttribute('name') ?? '')
    .filter((name) => name !== discrepancy.primaryId);
  const columns = new Map(allColumns(discrepancy).map((c) => [c.logicalName, c]));
  Xrm.Utility.showProgressIndicator('Reading the view…');
  let rows: Array<Record<string, unknown>>;
  try {
    rows = await gridRows(control, []);
  } catch (error) {
    return tell(title, `The view could not be read: ${errorText(error)}`);
  } finally {
    Xrm.Utility.closeProgressIndicator();
  }
  const cell = (row: Record<string, unknown>, name: string): Cell => {
    const column = columns.get(name);
    const property = column?.type.kind === 'lookup' ? `_${name}_value` : name;
    const value = row[property];
    if (value === null || value === undefined) return null;
    if (typeof value === 'number' && column?.type.kind !== 'choice') return value;
    return String(row[`${property}@OData.Community.Display.V1.FormattedValue`] ?? value);
  };
  const sheet: Cell[][] = [names.map((name) => columns.get(name)?.displayName ?? name), ...rows.map((row) => names.map((name) => cell(row, name)))];
  const bytes = await sheetFile(sheet, 'xlsx', 'Discrepancies', names.map((name) => (name === discrepancy.primaryName.logicalName ? 44 : 16)));
  await offerFile(bytes, `discrepancies-${stamp()}.xlsx`, 'xlsx');
  if (rows.length >= SHEET_ROW_LIMIT) await tell(title, `The export holds the first ${SHEET_ROW_LIMIT.toLocaleString()} rows of the view.`);
}
