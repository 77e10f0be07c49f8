/**
 * The PCF context → the grid's plain props, and the grid's callbacks → the dataset. Pure functions over the dataset
 * API, so they are tested with a fake dataset shaped like @types/powerapps-component-framework.
 */
import { CAUSES, CAUSE_INFO } from '../core/causes.js';
import { CLASSIFICATION, LIKELY_CAUSE, discrepancy } from '../core/dataverse/tables.js';
import type { CauseFilterValue, ColumnKind, Formatting, GridColumn, GridRow, LikelyCauseShown, SortDirection } from './components/model.js';
import { ENGLISH, type GridStrings } from './components/strings.js';

type DataSet = ComponentFramework.PropertyTypes.DataSet;
type Column = ComponentFramework.PropertyHelper.DataSetApi.Column;

const D = discrepancy.columns;
/** Columns the what-if bar and the totals need even when the view does not show them. */
export const FIGURE_COLUMNS = [D.d365Qty, D.qtyVariance, D.residual, D.valueVariance, D.flags, D.likelyCause, D.causeEvidence].map((c) => c.logicalName);

const MONEY = new Set<string>([D.unitCost, D.valueVariance, D.absoluteValue].map((c) => c.logicalName));

function kindOf(column: Column): ColumnKind {
  const type = column.dataType;
  if (type === 'Currency' || MONEY.has(column.name)) return 'currency';
  if (type === 'Decimal' || type === 'FP') return 'quantity';
  if (type.startsWith('Whole')) return 'number';
  if (type === 'OptionSet' || type === 'TwoOptions' || type === 'MultiSelectOptionSet') return 'choice';
  if (type.startsWith('DateAndTime')) return 'date';
  if (type.startsWith('Lookup')) return 'lookup';
  return 'text';
}

/** The view's columns, in the view's order (columns added by the control itself have order -1 and are not shown). */
export function columnsOf(dataset: DataSet): GridColumn[] {
  return dataset.columns.filter((c) => c.order >= 0 && !c.isHidden).sort((a, b) => a.order - b.order)
    .map((c) => ({ name: c.name, displayName: c.displayName, kind: kindOf(c), width: c.visualSizeFactor > 0 ? c.visualSizeFactor : 100 }));
}

const number = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0) || 0);
const byValue = new Map(CLASSIFICATION.map((c) => [c.value, c.label as 'Material' | 'Timing' | 'Immaterial']));
const causeByValue = new Map(LIKELY_CAUSE.map((c, i) => [c.value, CAUSES[i]!]));

/** The row's likely cause: the choice value decides, the label is the platform's (translated) one. */
function causeOf(record: ComponentFramework.PropertyHelper.DataSetApi.EntityRecord): LikelyCauseShown | undefined {
  const cause = causeByValue.get(number(record.getValue(D.likelyCause.logicalName)));
  if (cause === undefined) return undefined;
  return { cause, label: record.getFormattedValue(D.likelyCause.logicalName) || CAUSE_INFO[cause].label,
    evidence: String(record.getValue(D.causeEvidence.logicalName) ?? '') };
}

/** The loaded rows in the dataset's order, with the figures the what-if bar reclassifies. */
export function rowsOf(dataset: DataSet, highlightColumn: string): GridRow[] {
  const shown = dataset.columns.map((c) => c.name);
  return dataset.sortedRecordIds.map((id) => {
    const record = dataset.records[id]!;
    const cells = Object.fromEntries(shown.map((name) => [name, { value: record.getValue(name), formatted: record.getFormattedValue(name) ?? '' }]));
    // The choice value decides, not its label: labels are translated.
    const classification = byValue.get(number(record.getValue(highlightColumn)));
    const flags = String(record.getValue(D.flags.logicalName) ?? '').split(';').filter(Boolean);
    return {
      id, cells, classification, flags, cause: causeOf(record),
      figures: { d365Qty: number(record.getValue(D.d365Qty.logicalName)), qtyVariance: number(record.getValue(D.qtyVariance.logicalName)),
        residual: number(record.getValue(D.residual.logicalName)), valueVariance: number(record.getValue(D.valueVariance.logicalName)) },
    };
  });
}

export function formattingOf(formatting: ComponentFramework.Formatting): Formatting {
  return {
    quantity: (value) => formatting.formatDecimal(value),
    currency: (value) => formatting.formatCurrency(value),
    number: (value) => formatting.formatInteger(value),
  };
}

export function stringsOf(resources: ComponentFramework.Resources): GridStrings {
  return Object.fromEntries(Object.entries(ENGLISH).map(([key, english]) => {
    const text = resources.getString(key);
    return [key, text && text !== key ? text : english];
  })) as unknown as GridStrings;
}

/** The dataset's sort. Microsoft's test harness leaves `sorting` unset, so its absence means unsorted. */
export function sortOf(dataset: DataSet): { column: string; direction: SortDirection } | undefined {
  const first = Array.isArray(dataset.sorting) ? dataset.sorting[0] : undefined;
  return first ? { column: first.name, direction: first.sortDirection === 1 ? 'descending' : 'ascending' } : undefined;
}

/** Sorting is the dataset's: replace its sort and refresh. */
export function sortDataset(dataset: DataSet, column: string, direction: SortDirection): void {
  if (!Array.isArray(dataset.sorting)) return;
  while (dataset.sorting.length > 0) dataset.sorting.pop();
  dataset.sorting.push({ name: column, sortDirection: direction === 'descending' ? 1 : 0 });
  dataset.refresh();
}

/** Makes sure the figures the what-if bar needs are loaded, whatever the maker put in the view. */
export function ensureFigureColumns(dataset: DataSet): boolean {
  const missing = FIGURE_COLUMNS.filter((name) => !dataset.columns.some((c) => c.name === name));
  if (missing.length === 0 || typeof dataset.addColumn !== 'function') return false;
  for (const name of missing) dataset.addColumn(name);
  dataset.refresh();
  return true;
}

/** Condition operators of the dataset API (Microsoft.Xrm.Sdk.Query.ConditionOperator). */
const EQUAL = 0;
const NULL = 12;

/** The cause the dataset is filtered on, read back from its filter (undefined when it has none or cannot filter). */
export function causeFilterOf(dataset: DataSet): CauseFilterValue {
  if (typeof dataset.filtering?.getFilter !== 'function') return undefined;
  const condition = dataset.filtering.getFilter()?.conditions?.find((c) => c.attributeName === D.likelyCause.logicalName);
  if (condition === undefined) return undefined;
  if (condition.conditionOperator === NULL) return 'none';
  return causeByValue.get(Number(condition.value));
}

/** Whether the host's dataset can filter (model-driven apps can; Microsoft's test harness cannot). */
export const canFilter = (dataset: DataSet): boolean => typeof dataset.filtering?.setFilter === 'function';

const LIKE = 6;
/** The search's filter among the dataset's: an `or` of Like conditions on the Quick Find view's columns. */
const searchFilterOf = (dataset: DataSet) => (typeof dataset.filtering?.getFilter === 'function'
  ? dataset.filtering.getFilter()?.filters?.find((f) => f.filterOperator === 1 && f.conditions.every((c) => c.conditionOperator === LIKE)) : undefined);

/** The search text the dataset is filtered on ('' when none). */
export function searchOf(dataset: DataSet): string {
  const value = String(searchFilterOf(dataset)?.conditions[0]?.value ?? '');
  return value.endsWith('%') ? value.slice(0, -1).replace(/%/g, '*') : value;
}

/**
 * The dataset's filter from the cause filter and the search, and a reload. Search works as Quick Find does: the text
 * (with * as a wildcard) begins one of the Quick Find view's columns.
 */
export function applyFilters(dataset: DataSet, cause: CauseFilterValue, search: string, searchColumns: readonly string[]): void {
  if (!canFilter(dataset)) return;
  // Conditions the host set (a related grid's run, say) stay; the cause and the search are replaced.
  const current = dataset.filtering.getFilter();
  const search0 = searchFilterOf(dataset);
  const conditions: ComponentFramework.PropertyHelper.DataSetApi.ConditionExpression[] = (current?.conditions ?? []).filter((c) => c.attributeName !== D.likelyCause.logicalName);
  const kept = (current?.filters ?? []).filter((f) => f !== search0);
  if (cause === 'none') conditions.push({ attributeName: D.likelyCause.logicalName, conditionOperator: NULL, value: '' });
  else if (cause !== undefined) conditions.push({ attributeName: D.likelyCause.logicalName, conditionOperator: EQUAL, value: String(LIKELY_CAUSE[CAUSES.indexOf(cause)]!.value) });
  const text = search.trim();
  const filters = [...kept, ...(text === '' || searchColumns.length === 0 ? [] : [{ filterOperator: 1 as const,
    conditions: searchColumns.map((name) => ({ attributeName: name, conditionOperator: LIKE, value: `${text.replace(/\*/g, '%')}%` })) }])];
  if (conditions.length === 0 && filters.length === 0) dataset.filtering.clearFilter();
  else dataset.filtering.setFilter({ filterOperator: 0, conditions, ...(filters.length > 0 ? { filters } : {}) } as ComponentFramework.PropertyHelper.DataSetApi.FilterExpression);
  dataset.refresh();
}

/** Filters the dataset on one likely cause, on rows without one, or clears the filter, and reloads it (the search stays). */
export function filterByCause(dataset: DataSet, value: CauseFilterValue, searchColumns: readonly string[] = []): void {
  applyFilters(dataset, value, searchOf(dataset), searchColumns);
}

/** The Quick Find view's search columns: the conditions of its filter marked isquickfindfields. */
export function quickFindColumns(fetchXml: string): string[] {
  const doc = new DOMParser().parseFromString(fetchXml, 'application/xml');
  const filter = Array.from(doc.getElementsByTagName('filter')).find((f) => f.getAttribute('isquickfindfields') === '1');
  return filter ? Array.from(filter.getElementsByTagName('condition')).map((c) => c.getAttribute('attribute') ?? '').filter(Boolean) : [];
}
