/**
 * The sandbox's landing page until the app shell arrives: the runs with their trend, and the latest run's largest
 * material differences, read through the emulator like any client. Everything from the data is escaped.
 */
import escapeHtml from 'escape-html';
import { allColumns } from '../core/dataverse/schema.js';
import { CLASSIFICATION, discrepancy, snapshotRun } from '../core/dataverse/tables.js';
import { API_PATH, type DataverseEmulator, type EmulatorResponse } from './dataverse/emulator.js';

const FORMATTED = '@OData.Community.Display.V1.FormattedValue';
type Row = Record<string, unknown>;

async function rows(emulator: DataverseEmulator, query: string): Promise<Row[]> {
  const response = await emulator.handle({ method: 'GET', url: `${API_PATH}${query}`, body: '',
    headers: { prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"' } });
  if (response.status !== 200) throw new Error(`${query}: ${response.body}`);
  return (JSON.parse(response.body) as { value: Row[] }).value;
}

/** Numbers as people read them (no padding zeros), money with cents; choices, dates and lookups as Dataverse formats them. */
const columnKinds = new Map([...allColumns(snapshotRun), ...allColumns(discrepancy)].map((c) => [c.logicalName, c.type.kind]));

function cell(row: Row, name: string): string {
  const value = row[name];
  const money = /value|cost/.test(name);
  const kind = columnKinds.get(name);
  const text = typeof value === 'number' && (kind === 'integer' || kind === 'decimal')
    ? value.toLocaleString('en-US', money ? { minimumFractionDigits: 2, maximumFractionDigits: 2 } : { maximumFractionDigits: 6 })
    : String(row[`${name}${FORMATTED}`] ?? value ?? '');
  return `<td>${escapeHtml(text)}</td>`;
}

export async function landingPage(emulator: DataverseEmulator, url: string): Promise<EmulatorResponse> {
  if (url !== '/' && !url.startsWith('/?')) return { status: 404, headers: { 'Content-Type': 'text/plain' }, body: 'Not found' };
  const R = snapshotRun.columns;
  const D = discrepancy.columns;
  const runColumns = [snapshotRun.primaryName, R.d365AsOf, R.runStatus, R.keysCompared, R.materialCount, R.timingCount, R.immaterialCount,
    R.materialAbsoluteValue, R.materialNetValue].map((c) => c.logicalName);
  const runs = await rows(emulator, `${snapshotRun.entitySetName}?$select=${runColumns.join(',')},${R.isLatest.logicalName}&$orderby=${R.d365AsOf.logicalName} desc`);
  const latest = runs.find((r) => r[R.isLatest.logicalName] === true);
  const discrepancyColumns = [D.item, D.warehouse, D.batch, D.d365Qty, D.wmsQty, D.inFlightQty, D.residual, D.unitCost, D.valueVariance, D.classification,
    D.runsUnbalanced, D.flags].map((c) => c.logicalName);
  const top = latest === undefined ? [] : await rows(emulator, `${discrepancy.entitySetName}?$select=${discrepancyColumns.join(',')}`
    + `&$filter=_${D.run.logicalName}_value eq ${String(latest[`${snapshotRun.logicalName}id`])} and ${D.classification.logicalName} eq ${CLASSIFICATION.find((c) => c.label === 'Material')!.value}`
    + `&$orderby=${D.absoluteValue.logicalName} desc&$top=25`);
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Inventory Balance sandbox</title>
<style>
  body { font-family: "Segoe UI", system-ui, sans-serif; margin: 24px; color: #242424; }
  table { border-collapse: collapse; margin-bottom: 24px; font-size: 14px; }
  th, td { border-bottom: 1px solid #e0e0e0; padding: 6px 10px; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  th { background: #f5f5f5; font-weight: 600; }
  code { background: #f5f5f5; padding: 1px 4px; }
</style></head>
<body>
<h1>Inventory Balance sandbox</h1>
<p>Runs reconciled into the Dataverse emulator at <code>${escapeHtml(API_PATH)}</code>. Falling material counts and values mean the processes improve.</p>
<h2>Snapshot runs</h2>
<table><thead><tr>${['Run', 'D365 as of', 'Status', 'Keys compared', 'Material', 'Timing', 'Immaterial', 'Material value (absolute)', 'Material value (net)'].map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>${runs.map((r) => `<tr>${runColumns.map((c) => cell(r, c)).join('')}</tr>`).join('\n')}</tbody></table>
<h2>Largest material differences${latest ? ` in ${escapeHtml(String(latest[snapshotRun.primaryName.logicalName]))}` : ''}</h2>
<table><thead><tr>${['Item', 'Warehouse', 'Batch', 'D365 qty', 'WMS qty', 'In flight', 'Residual', 'Unit cost', 'Value', 'Classification', 'Runs unbalanced', 'Flags'].map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>${top.map((r) => `<tr>${discrepancyColumns.map((c) => cell(r, c)).join('')}</tr>`).join('\n')}</tbody></table>
</body></html>`;
  return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body };
}
