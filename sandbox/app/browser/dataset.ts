/**
 * A PCF dataset over a saved view (the sandbox's PCF context adapter): the view's fetchxml run through Xrm.WebApi
 * against the emulator, its layoutxml as the columns in order, paging by page and count, sorting by rewriting the
 * view's orders, selection and opening a row handed to the shell. What the platform does for a dataset control.
 */
import type { AppTable, AppView } from '../model.js';

type DataSet = ComponentFramework.PropertyTypes.DataSet;
type Column = ComponentFramework.PropertyHelper.DataSetApi.Column;
type Row = Record<string, unknown>;

export const FORMATTED = '@OData.Community.Display.V1.FormattedValue';
const PAGE_SIZE = 50;
const DATA_TYPES: Record<string, string> = {
  text: 'SingleLine.Text', memo: 'Multiple', integer: 'Whole.None', decimal: 'Decimal', datetime: 'DateAndTime.DateAndTime',
  boolean: 'TwoOptions', choice: 'OptionSet', lookup: 'Lookup.Simple',
};

export interface DatasetEvents {
  changed(): void;
  selectionChanged(ids: string[]): void;
  open(reference: ComponentFramework.EntityReference): void;
}

/** How the platform formats a number for a column: money with cents, quantities without padding zeros. */
function formatNumber(name: string, kind: string, value: number): string {
  if (kind === 'integer') return value.toLocaleString('en-US');
  const money = /value|cost/.test(name);
  return value.toLocaleString('en-US', money ? { minimumFractionDigits: 2, maximumFractionDigits: 2 } : { maximumFractionDigits: 6 });
}

/** A column's property in a Web API row: `_x_value` for lookup x. */
const propertyOf = (table: AppTable, name: string): string => (table.columns[name]?.kind === 'lookup' ? `_${name}_value` : name);

/** A column of a Web API row as the platform shows it: its formatted-value annotation, else the number formatted. */
export function formattedValue(table: AppTable, row: Row, name: string): string {
  const property = propertyOf(table, name);
  const formatted = row[`${property}${FORMATTED}`];
  if (typeof formatted === 'string') return formatted;
  const value = row[property];
  if (typeof value === 'number') return formatNumber(name, table.columns[name]?.kind ?? 'decimal', value);
  return value === null || value === undefined ? '' : String(value);
}

export class ViewDataset {
  private rows: Row[] = [];
  private page = 1;
  private more = false;
  private total = -1;
  private selected: string[] = [];
  private extraColumns: string[] = [];
  private sort: ComponentFramework.PropertyHelper.DataSetApi.SortStatus[] = [];
  private filter: ComponentFramework.PropertyHelper.DataSetApi.FilterExpression | undefined;
  private generation = 0;
  loading = true;
  error: string | undefined;
  readonly dataset: DataSet;

  constructor(private readonly webApi: Pick<Xrm.WebApi, 'retrieveMultipleRecords'>, readonly table: AppTable, readonly view: AppView, private readonly events: DatasetEvents) {
    this.sort = this.viewOrders();
    this.dataset = this.build();
  }

  get selectedIds(): string[] { return this.selected; }

  clearSelection(): void {
    if (this.selected.length === 0) return;
    this.selected = [];
    this.events.selectionChanged([]);
  }

  private viewOrders(): ComponentFramework.PropertyHelper.DataSetApi.SortStatus[] {
    const doc = new DOMParser().parseFromString(this.view.fetchXml, 'application/xml');
    return [...doc.querySelectorAll('entity > order')].map((o) => ({ name: o.getAttribute('attribute') ?? '', sortDirection: o.getAttribute('descending') === 'true' ? 1 : 0 }));
  }

  /**
   * The view's fetchxml with the dataset's page, sort, filter and added columns; `wholeView`: without paging, as a
   * grid control's getFetchXml() gives it (the query of everything the grid shows).
   */
  fetchXml(page: number, options: { wholeView?: boolean } = {}): string {
    const doc = new DOMParser().parseFromString(this.view.fetchXml, 'application/xml');
    const fetch = doc.documentElement;
    const entity = fetch.querySelector('entity')!;
    if (!options.wholeView) {
      fetch.setAttribute('count', String(PAGE_SIZE));
      fetch.setAttribute('page', String(page));
    }
    for (const order of [...entity.querySelectorAll(':scope > order')]) order.remove();
    const firstChild = entity.querySelector(':scope > filter, :scope > link-entity');
    for (const s of this.sort) {
      const order = doc.createElement('order');
      order.setAttribute('attribute', s.name);
      order.setAttribute('descending', s.sortDirection === 1 ? 'true' : 'false');
      entity.insertBefore(order, firstChild);
    }
    if (this.filter) entity.insertBefore(this.filterElement(doc, this.filter), entity.querySelector(':scope > link-entity'));
    const present = new Set([...entity.querySelectorAll(':scope > attribute')].map((a) => a.getAttribute('name')));
    for (const name of [...this.view.columns.map((c) => c.name), ...this.extraColumns]) {
      if (present.has(name) || !this.table.columns[name]) continue;
      const attribute = doc.createElement('attribute');
      attribute.setAttribute('name', name);
      entity.insertBefore(attribute, entity.firstChild);
      present.add(name);
    }
    return new XMLSerializer().serializeToString(doc);
  }

  /** The dataset's filter as FetchXML, added to the view's own as the platform does (Equal, NotEqual, Like, NotLike, Null, NotNull). */
  private filterElement(doc: Document, expression: ComponentFramework.PropertyHelper.DataSetApi.FilterExpression): Element {
    const filter = doc.createElement('filter');
    filter.setAttribute('type', expression.filterOperator === 1 ? 'or' : 'and');
    for (const c of expression.conditions) {
      const condition = doc.createElement('condition');
      condition.setAttribute('attribute', c.attributeName);
      const operator = ({ 0: 'eq', 1: 'ne', 6: 'like', 7: 'not-like', 12: 'null', 13: 'not-null' } as Record<number, string>)[c.conditionOperator];
      if (operator === undefined) throw new Error(`the sandbox dataset does not filter with condition operator ${c.conditionOperator}`);
      condition.setAttribute('operator', operator);
      if (operator !== 'null' && operator !== 'not-null') condition.setAttribute('value', String(c.value));
      filter.appendChild(condition);
    }
    for (const child of expression.filters ?? []) filter.appendChild(this.filterElement(doc, child));
    return filter;
  }

  async load(page = 1): Promise<void> {
    const generation = ++this.generation;
    this.loading = true;
    this.events.changed();
    try {
      const result = await this.webApi.retrieveMultipleRecords(this.table.logicalName, `?fetchXml=${encodeURIComponent(this.fetchXml(page))}`);
      if (generation !== this.generation) return;
      this.rows = page === 1 ? result.entities : [...this.rows, ...result.entities];
      // A reload from the first page starts without a selection, as the platform's grid does after a refresh.
      if (page === 1) this.clearSelection();
      this.page = page;
      // The client API returns a FetchXML paging cookie when there are more records (@types/xrm does not declare it).
      this.more = (result as Xrm.RetrieveMultipleResult & { fetchXmlPagingCookie?: string }).fetchXmlPagingCookie !== undefined;
      this.error = undefined;
    } catch (error) {
      if (generation !== this.generation) return;
      this.error = (error as Error).message;
    }
    this.loading = false;
    this.events.changed();
  }

  /** The total, from the count of the view's rows (the Web API's annotation is not passed on by Xrm.WebApi). */
  async count(): Promise<void> {
    const doc = new DOMParser().parseFromString(this.fetchXml(1), 'application/xml');
    doc.documentElement.setAttribute('count', '5000');
    const entity = doc.querySelector('entity')!;
    for (const a of [...entity.querySelectorAll(':scope > attribute')].slice(1)) a.remove();
    let total = 0;
    for (let page = 1; ; page += 1) {
      doc.documentElement.setAttribute('page', String(page));
      const result = await this.webApi.retrieveMultipleRecords(this.table.logicalName, `?fetchXml=${encodeURIComponent(new XMLSerializer().serializeToString(doc))}`);
      total += result.entities.length;
      if (result.entities.length < 5000) break;
    }
    this.total = total;
    this.events.changed();
  }

  private record(row: Row): ComponentFramework.PropertyHelper.DataSetApi.EntityRecord {
    const id = String(row[this.table.primaryId]);
    return {
      getRecordId: () => id,
      getValue: (name: string) => row[propertyOf(this.table, name)] as never,
      getFormattedValue: (name: string) => formattedValue(this.table, row, name),
      getNamedReference: () => ({ id: { guid: id }, name: String(row[Object.keys(this.table.columns)[0]!] ?? ''), etn: this.table.logicalName }) as unknown as ComponentFramework.EntityReference,
    } as ComponentFramework.PropertyHelper.DataSetApi.EntityRecord;
  }

  private columns(): Column[] {
    const shown = this.view.columns.map((c, order) => ({ name: c.name, width: c.width, order }));
    const extra = this.extraColumns.filter((n) => !shown.some((s) => s.name === n)).map((name) => ({ name, width: 0, order: -1 }));
    return [...shown, ...extra].map((c) => ({
      name: c.name, displayName: this.table.columns[c.name]?.displayName ?? c.name, dataType: DATA_TYPES[this.table.columns[c.name]?.kind ?? 'text'] ?? 'SingleLine.Text',
      alias: c.name, order: c.order, visualSizeFactor: c.width, isHidden: false, isPrimary: c.order === 0, disableSorting: false,
    } as Column));
  }

  private build(): DataSet {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the dataset object's getters read the host
    const host = this;
    return {
      get columns() { return host.columns(); },
      get records() { return Object.fromEntries(host.rows.map((r) => [String(r[host.table.primaryId]), host.record(r)])); },
      get sortedRecordIds() { return host.rows.map((r) => String(r[host.table.primaryId])); },
      get loading() { return host.loading; },
      get error() { return host.error !== undefined; },
      get errorMessage() { return host.error ?? ''; },
      sorting: host.sort,
      paging: {
        get totalResultCount() { return host.total >= 0 ? host.total : host.rows.length; },
        get hasNextPage() { return host.more; },
        get hasPreviousPage() { return host.page > 1; },
        pageSize: PAGE_SIZE,
        loadNextPage: () => { void host.load(host.page + 1); },
        loadPreviousPage: () => undefined,
        reset: () => { void host.load(1); },
        setPageSize: () => undefined,
        loadExactPage: (page: number) => { void host.load(page); },
        firstPageNumber: 1, lastPageNumber: 1,
      },
      getSelectedRecordIds: () => host.selected,
      setSelectedRecordIds: (ids: string[]) => { host.selected = [...ids]; host.events.selectionChanged(host.selected); host.events.changed(); },
      clearSelectedRecordIds: () => { host.selected = []; host.events.selectionChanged([]); host.events.changed(); },
      openDatasetItem: (reference: ComponentFramework.EntityReference) => host.events.open(reference),
      refresh: () => { host.clearSelection(); void host.load(1); void host.count(); },
      addColumn: (name: string) => { if (!host.extraColumns.includes(name)) host.extraColumns.push(name); },
      getTargetEntityType: () => host.table.logicalName,
      getViewId: () => host.view.id,
      getTitle: () => host.view.name,
      filtering: {
        getFilter: () => host.filter as never,
        setFilter: (expression: ComponentFramework.PropertyHelper.DataSetApi.FilterExpression) => { host.filter = expression; },
        clearFilter: () => { host.filter = undefined; },
      },
      linking: {} as never,
    } as unknown as DataSet;
  }
}
