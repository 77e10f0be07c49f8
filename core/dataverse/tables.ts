/**
 * The product's Dataverse tables, defined once (issue "Dataverse solution"). Quantities keep 6 decimals like the
 * job (catch weight, fractions); unit costs 6; values 2. Values are decimals, not money columns: money needs a
 * currency and exchange-rate companions per table, and D365 valuation comes in the company's one currency.
 */
import { REASON_CODES, REVIEW_STATUSES } from '../workflow.js';
import { CAUSES, CAUSE_INFO, MAX_EVIDENCE_LENGTH } from '../causes.js';
import {
  choice, choices, column, dateTime, decimal, defineTable, integer, lookup, memo, text, yesNo,
  type TableDefinition,
} from './schema.js';

const quantity = () => decimal(6);
const value = () => decimal(2);

export const RUN_STATUS = choices('Running', 'Completed', 'Failed');
export const CLASSIFICATION = choices('Material', 'Timing', 'Immaterial');
/** The workflow's statuses and reason codes, numbered as choices in their order (core/workflow.ts is the source). */
export const REVIEW_STATUS = choices(...REVIEW_STATUSES);
export const REASON_CODE = choices(...REASON_CODES);
export const BATCH_STATUS = choices('Draft', 'Posting', 'Posted', 'Partially posted', 'Failed');
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
    systematicFindings: column('systematic findings', 'Systematic findings', memo(10000),
      { description: 'Likely causes that repeat across many lines of one item or warehouse, one a line, with what to check' }),
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
    comment: column('comment', 'Comment', memo(4000)),
    postingBatch: column('posting batch', 'Posting batch', lookup(postingBatch.logicalName, 'Restrict')),
    ivLineId: column('iv line id', 'IV line id', text(100)),
    ivStatus: column('iv status', 'IV status', text(50)),
    lastError: column('last error', 'Last error', memo(4000)),
    likelyCause: column('likely cause', 'Likely cause', choice(LIKELY_CAUSE), { description: 'The strongest cause the rules found; empty where none fits' }),
    causeEvidence: column('cause evidence', 'Cause evidence', text(MAX_EVIDENCE_LENGTH), { description: 'The figures, lines or other keys that show the likely cause, and its confidence' }),
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
  },
});

/** Every table of the solution, in dependency order (a lookup's target comes first). */
export const TABLES: readonly TableDefinition[] = [snapshotRun, postingBatch, discrepancy, thresholdRule];
