/**
 * The product's Dataverse tables, defined once (issue "Dataverse solution"). Quantities keep 6 decimals like the
 * job (catch weight, fractions); unit costs 6; values 2. Values are decimals, not money columns: money needs a
 * currency and exchange-rate companions per table, and D365 valuation comes in the company's one currency.
 */
import { REASON_CODES, REVIEW_COMMANDS, REVIEW_STATUSES } from '../workflow.js';
import { CAUSES, CAUSE_INFO, MAX_EVIDENCE_LENGTH } from '../causes.js';
import {
  choice, choices, column, dateTime, decimal, defineTable, integer, lookup, memo, text, yesNo,
  type TableDefinition,
} from './schema.js';

const quantity = () => decimal(6);
const value = () => decimal(2);

/** Replaced: a run whose id was reconciled again from other snapshot files with --replace; it keeps its reviewed rows. */
export const RUN_STATUS = choices('Running', 'Completed', 'Failed', 'Replaced');
export const CLASSIFICATION = choices('Material', 'Timing', 'Immaterial');
/** The workflow's statuses and reason codes, numbered as choices in their order (core/workflow.ts is the source). */
export const REVIEW_STATUS = choices(...REVIEW_STATUSES);
export const REASON_CODE = choices(...REASON_CODES);
/** A batch's status follows its lines: Synced once every line is, Sync errors when D365 refused some (appended: values stay). */
export const BATCH_STATUS = choices('Draft', 'Posting', 'Posted', 'Partially posted', 'Failed', 'Synced', 'Sync errors');
/** What a review request asks for: one choice per command of the review workflow (core/workflow.ts). */
export const REQUEST_ACTION = choices(...REVIEW_COMMANDS.map((c) => c.label));
/** Where a review request stands: the review service moves it; nobody else can. */
export const REQUEST_STATUS = choices('Submitted', 'In progress', 'Completed', 'Completed with refusals', 'Refused', 'Failed');
/** The likely causes, numbered in core's order (core/causes.ts), so charts and views group by a choice. */
export const LIKELY_CAUSE = choices(...CAUSES.map((cause) => CAUSE_INFO[cause].label));

/** Key field columns shared by the discrepancy table, in the order of the reconcile output. */
const keyColumns = {
  company: column('company', 'Company', text(10), { required: 'required', description: 'D365 legal entity (dataAreaId)' }),
  item: column('item', 'Item number', text(40), { required: 'required' }),
  color: column('color', 'Color', text(20)),
  size: column('size', 'Size', text(20)),
  style: column('style', 'Style', text(20)),
  config: column('config', 'Configuration', text(20)),
  version: column('version', 'Version', text(20)),
  site: column('site', 'Site', text(20)),
  warehouse: column('warehouse', 'Warehouse', text(20)),
  location: column('location', 'Location', text(40), { description: 'Bin (WMSLocationId)' }),
  batch: column('batch', 'Batch', text(40)),
  serial: column('serial', 'Serial', text(40)),
  status: column('inventory status', 'Inventory status', text(20)),
  owner: column('inventory owner', 'Inventory owner', text(40)),
} as const;

export const snapshotRun = defineTable({
  name: 'snapshot run',
  displayName: 'Snapshot run',
  pluralName: 'Snapshot runs',
  description: 'One reconciliation of a D365 and a WMS snapshot',
  primaryName: { displayName: 'Run number', maxLength: 100 },
  columns: {
    company: column('company', 'Company', text(10), { required: 'required' }),
    d365AsOf: column('d365 as of', 'D365 as of', dateTime('TimeZoneIndependent'), { required: 'required' }),
    wmsAsOf: column('wms as of', 'WMS as of', dateTime('TimeZoneIndependent'), { required: 'required' }),
    skewMinutes: column('skew minutes', 'Skew (minutes)', decimal(2, 0, 1000000)),
    comparisonLevel: column('comparison level', 'Comparison level', text(200)),
    runStatus: column('run status', 'Run status', choice(RUN_STATUS, RUN_STATUS[0]!.value), { required: 'required' }),
    isLatest: column('is latest', 'Latest run', yesNo(false), { description: "Set by the job on the company's newest run; views of the latest run filter on it" }),
    d365LinesRead: column('d365 lines read', 'D365 lines read', integer()),
    d365LinesAccepted: column('d365 lines accepted', 'D365 lines accepted', integer()),
    d365LinesRejected: column('d365 lines rejected', 'D365 lines rejected', integer()),
    wmsLinesRead: column('wms lines read', 'WMS lines read', integer()),
    wmsLinesAccepted: column('wms lines accepted', 'WMS lines accepted', integer()),
    wmsLinesRejected: column('wms lines rejected', 'WMS lines rejected', integer()),
    keysCompared: column('keys compared', 'Keys compared', integer()),
    materialCount: column('material count', 'Material', integer()),
    timingCount: column('timing count', 'Timing', integer()),
    immaterialCount: column('immaterial count', 'Immaterial', integer()),
    balancedCount: column('balanced count', 'Balanced', integer()),
    materialAbsoluteValue: column('material absolute value', 'Material value (absolute)', value()),
    materialNetValue: column('material net value', 'Material value (net)', value()),
    sourceFiles: column('source files', 'Source files', memo(4000)),
    warnings: column('warnings', 'Warnings', memo(10000)),
    rulesUsed: column('rules used', 'Threshold rules used', memo(10000), { description: 'The rules this run classified with, and where they came from' }),
    startedOn: column('started on', 'Started on', dateTime()),
    finishedOn: column('finished on', 'Finished on', dateTime()),
    snapshotHash: column('snapshot hash', 'Snapshot files hash', text(64), { description: 'SHA-256 over the snapshot files this run\'s discrepancies came from; a re-run from other files is refused without --replace' }),
    d365LinesOutOfScope: column('d365 lines out of scope', 'D365 lines out of scope', integer(), { description: 'D365 lines of warehouses the WMS does not manage, not compared' }),
    incompleteCount: column('incomplete count', 'Incomplete keys', integer(), { description: 'Keys a rejected line may belong to: flagged incomplete, never Balanced' }),
    leaseUntil: column('lease until', 'Running until', dateTime(), { description: 'While Running, the job renews this; a Running run past it did not finish and is marked Failed' }),
    systematicFindings: column('systematic findings', 'Systematic findings', memo(10000),
      { description: 'Likely causes that repeat across many lines of one item or warehouse, one a line, with what to check' }),
    notStoredCount: column('not stored count', 'Differences not stored', integer(),
      { description: 'Differences counted but not written as rows (Immaterial, no likely cause): discrepancies.csv keeps them' }),
  },
  keys: [{ name: 'run number key', displayName: 'Run number', columns: ['name'] }],
});

export const postingBatch = defineTable({
  name: 'posting batch',
  displayName: 'Posting batch',
  pluralName: 'Posting batches',
  description: 'Approved corrections posted together to Inventory Visibility',
  primaryName: { displayName: 'Batch number', maxLength: 100 },
  columns: {
    batchStatus: column('batch status', 'Batch status', choice(BATCH_STATUS, BATCH_STATUS[0]!.value), { required: 'required' }),
    lineCount: column('line count', 'Lines', integer()),
    totalQuantity: column('total quantity', 'Total quantity', quantity()),
    totalAbsoluteValue: column('total absolute value', 'Total value (absolute)', value()),
    totalNetValue: column('total net value', 'Total value (net)', value()),
    summary: column('summary', 'Summary by warehouse and reason', memo(100000)),
    ivEndpoint: column('iv endpoint', 'IV endpoint', text(400, 'url')),
    ivEnvironment: column('iv environment', 'IV environment id', text(100)),
    responseLog: column('response log', 'Raw response log', memo(1048576)),
    errors: column('errors', 'Errors', memo(100000)),
    postingCount: column('posting count', 'Still posting', integer()),
    postedCount: column('posted count', 'Posted', integer()),
    postErrorCount: column('post error count', 'Post errors', integer()),
    syncedCount: column('synced count', 'Synced to D365', integer()),
    syncErrorCount: column('sync error count', 'Sync errors', integer()),
    journalRecord: column('journal record', 'D365 journal record', memo(1048576),
      { description: 'Posting as a D365 journal: the journals, line numbers and import executions, recorded before D365 hears of them' }),
  },
});

export const discrepancy = defineTable({
  name: 'discrepancy',
  displayName: 'Discrepancy',
  pluralName: 'Discrepancies',
  description: 'A difference between D365 and the WMS for one key in one run, and its review',
  primaryName: { displayName: 'Name', maxLength: 300 },
  columns: {
    run: column('run', 'Snapshot run', lookup(snapshotRun.logicalName, 'Cascade'), { required: 'required' }),
    ...keyColumns,
    keyHash: column('key hash', 'Key hash', text(64), { required: 'required', description: 'SHA-256 of the key fields; with the run it identifies the row' }),
    d365Qty: column('d365 qty', 'D365 quantity', quantity()),
    wmsQty: column('wms qty', 'WMS quantity', quantity()),
    inFlightQty: column('in flight qty', 'In-flight quantity', quantity()),
    qtyVariance: column('qty variance', 'Quantity variance', quantity()),
    residual: column('residual', 'Residual', quantity()),
    unitCost: column('unit cost', 'Unit cost', decimal(6)),
    valueVariance: column('value variance', 'Value variance', value()),
    absoluteValue: column('absolute value', 'Absolute value', value(), { description: '|Value variance|, so views can sort by impact' }),
    classification: column('classification', 'Classification', choice(CLASSIFICATION), { required: 'required' }),
    rule: column('rule', 'Threshold rule', text(100)),
    runsUnbalanced: column('runs unbalanced', 'Runs unbalanced', integer()),
    flags: column('flags', 'Flags', text(200)),
    reviewStatus: column('review status', 'Review status', choice(REVIEW_STATUS, REVIEW_STATUS[0]!.value), { required: 'required' }),
    countedQty: column('counted qty', 'Counted quantity', quantity()),
    correctionQty: column('correction qty', 'Correction quantity', quantity(), { secured: true }),
    reasonCode: column('reason code', 'Reason', choice(REASON_CODE)),
    requestedBy: column('requested by', 'Count requested by', lookup('systemuser')),
    requestedOn: column('requested on', 'Count requested on', dateTime()),
    decidedBy: column('decided by', 'Approved or rejected by', lookup('systemuser'), { secured: true }),
    decidedOn: column('decided on', 'Approved or rejected on', dateTime(), { secured: true }),
    countedBy: column('counted by', 'Counted by', lookup('systemuser')),
    countedOn: column('counted on', 'Counted on', dateTime()),
    approvalSeal: column('approval seal', 'Approval seal', text(100), { secured: true,
      description: 'The review service\'s keyed hash of the figures as approved: a line whose figures changed after approval is refused at posting' }),
    needsAttention: column('needs attention', 'Needs attention', text(400),
      { description: 'Set by the IV status follow-up: why this line is stuck (in Posting, or Posted and not synced, for too long)' }),
    comment: column('comment', 'Comment', memo(4000)),
    postingBatch: column('posting batch', 'Posting batch', lookup(postingBatch.logicalName, 'Restrict')),
    ivLineId: column('iv line id', 'IV line id', text(100), { description: 'The stable id of the line posted for this correction: the IV adjustment line id, or the D365 journal line id' }),
    journalNumber: column('journal number', 'D365 journal', text(50), { description: 'Posting as a D365 journal: the journal D365 created the line in' }),
    ivStatus: column('iv status', 'IV status', text(50)),
    lastError: column('last error', 'Last error', memo(4000)),
    likelyCause: column('likely cause', 'Likely cause', choice(LIKELY_CAUSE), { description: 'The strongest cause the rules found; empty where none fits' }),
    causeEvidence: column('cause evidence', 'Cause evidence', text(MAX_EVIDENCE_LENGTH), { description: 'The figures, lines or other keys that show the likely cause, and its confidence' }),
    d365Unit: column('d365 unit', 'D365 unit', text(10), { description: 'The D365 inventory unit every quantity of the line is in (mappings.units.default)' }),
    wmsUnits: column('wms units', 'WMS units', text(200), { description: 'The WMS units of the item and how many D365 units each holds (mappings.units), as the job converted them' }),
  },
  keys: [{ name: 'run key hash', displayName: 'Run and key', columns: ['run', 'keyHash'] }],
});

export const thresholdRule = defineTable({
  name: 'threshold rule',
  displayName: 'Threshold rule',
  pluralName: 'Threshold rules',
  description: "Finance's limits that make a difference material; the most specific scope wins",
  primaryName: { displayName: 'Name', maxLength: 100 },
  columns: {
    scopeItem: column('scope item', 'Item', text(40)),
    scopeSite: column('scope site', 'Site', text(20)),
    scopeWarehouse: column('scope warehouse', 'Warehouse', text(20)),
    quantityLimit: column('quantity limit', 'Quantity limit', quantity()),
    percentLimit: column('percent limit', 'Percent limit', decimal(2, 0, 100000)),
    valueLimit: column('value limit', 'Value limit', value()),
    active: column('active', 'Active', yesNo(true)),
    scopeItemGroup: column('scope item group', 'Item group', text(20), { description: 'D365 item group (ItemGroupId); an item rule wins over it, it wins over warehouse and site rules' }),
  },
});

/**
 * A user's request to move discrepancies along the review workflow. Business users may only create and read these:
 * Dataverse hands each new row, with who created it, to the review service (a webhook registered in the solution),
 * which checks the caller's roles and each transition, carries it out as its own application user, and records the
 * outcome here. Columns only the service sets are secured.
 */
export const reviewRequest = defineTable({
  name: 'review request',
  displayName: 'Review request',
  pluralName: 'Review requests',
  description: 'A request to count, approve, reject, explain, post or refresh discrepancies, carried out by the review service',
  primaryName: { displayName: 'Request', maxLength: 200 },
  columns: {
    action: column('action', 'Action', choice(REQUEST_ACTION), { required: 'required' }),
    discrepancies: column('discrepancies', 'Discrepancies', memo(100000), { description: 'The selected discrepancy ids, as a JSON array' }),
    run: column('run', 'Snapshot run', lookup(snapshotRun.logicalName, 'RemoveLink'), { description: 'With no discrepancies selected: every line of this run the action applies to' }),
    countedQuantities: column('counted quantities', 'Counted quantities', memo(100000), { description: 'Record count: the counted quantity per discrepancy id, as a JSON object' }),
    reasonCode: column('reason code', 'Reason', choice(REASON_CODE)),
    comment: column('comment', 'Comment', memo(4000)),
    confirmedLines: column('confirmed lines', 'Confirmed lines', integer(), { description: 'Post: the number of lines the approver confirmed' }),
    confirmedValue: column('confirmed value', 'Confirmed value (absolute)', value(), { description: 'Post: the absolute value the approver confirmed' }),
    allOrNothing: column('all or nothing', 'All or nothing', yesNo(false), { description: 'Carried out only if every line can be: an imported count sheet is recorded whole or not at all' }),
    requestStatus: column('request status', 'Request status', choice(REQUEST_STATUS, REQUEST_STATUS[0]!.value), { required: 'required', secured: true }),
    progress: column('progress', 'Progress', text(200), { secured: true }),
    outcome: column('outcome', 'Outcome', memo(100000), { secured: true }),
    changedCount: column('changed count', 'Changed', integer(), { secured: true }),
    refusedCount: column('refused count', 'Refused', integer(), { secured: true }),
    refusals: column('refusals', 'Refusals', memo(100000), { secured: true, description: 'Each refused discrepancy with the reason, as JSON' }),
    postingBatch: column('posting batch', 'Posting batch', lookup(postingBatch.logicalName, 'RemoveLink'), { secured: true }),
    leaseUntil: column('lease until', 'Processing lease until', dateTime(), { secured: true,
      description: 'While the review service works on the request; a request left In progress past it is taken up again' }),
    processedOn: column('processed on', 'Processed on', dateTime(), { secured: true }),
  },
});

/** Every table of the solution, in dependency order (a lookup's target comes first). */
export const TABLES: readonly TableDefinition[] = [snapshotRun, postingBatch, discrepancy, thresholdRule, reviewRequest];
