/**
 * The figures of the whole view, read through the control's Web API (context.webAPI): the Material totals as one
 * FetchXML aggregate, and on demand (the what-if bar) every row's figures in pages, so totals never depend on how
 * many rows the grid happens to have loaded or how they are sorted. The view's query is its saved query, by id.
 */
import { CLASSIFICATION, discrepancy } from '../core/dataverse/tables.js';
import type { ClassificationFigures } from '../core/classification.js';
import { FIGURES_PAGE_SIZE, figuresFetch, materialTotalsFetch, totalsOf, type MaterialTotals } from './view-query.js';

type FilterExpression = ComponentFramework.PropertyHelper.DataSetApi.FilterExpression;
type WebApi = Pick<ComponentFramework.WebApi, 'retrieveMultipleRecords' | 'retrieveRecord'>;

const D = discrepancy.columns;
const byValue = new Map(CLASSIFICATION.map((c) => [c.value, c.label as 'Material' | 'Timing' | 'Immaterial']));

export interface ViewRowFigures { figures: ClassificationFigures; classification: 'Material' | 'Timing' | 'Immaterial' | undefined }

export interface WholeViewState {
  totals: MaterialTotals | undefined;
  totalsError: string | undefined;
  /** Every row's figures once read (what-if); `read` counts them while they come in. */
  rows: ViewRowFigures[] | undefined;
  read: number;
  rowsError: string | undefined;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String((error as { message?: unknown })?.message ?? error));

export class ViewFigures {
  private viewXml = new Map<string, Promise<string>>();
  private key: string | undefined;
  private generation = 0;
  private figuresRequested = false;
  state: WholeViewState = { totals: undefined, totalsError: undefined, rows: undefined, read: 0, rowsError: undefined };
  /** The Quick Find view's search columns, once read. */
  searchColumns: string[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(private readonly webApi: WebApi, quickFindColumns: (fetchXml: string) => string[]) {
    void webApi.retrieveMultipleRecords('savedquery', `?$select=fetchxml&$filter=returnedtypecode eq '${discrepancy.logicalName}' and querytype eq 4`)
      .then((result) => { this.searchColumns = quickFindColumns(String((result.entities[0] as Record<string, unknown> | undefined)?.fetchxml ?? '')); this.changed(); },
        () => undefined);
  }

  /** Calls back whenever figures arrive (the grid re-renders with them). */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  /** The view's FetchXML: a system view (savedquery), else a personal one (userquery). */
  private viewFetchXml(viewId: string): Promise<string> {
    let found = this.viewXml.get(viewId);
    if (!found) {
      const id = viewId.replace(/[{}]/g, '');
      found = this.webApi.retrieveRecord('savedquery', id, '?$select=fetchxml')
        .catch(() => this.webApi.retrieveRecord('userquery', id, '?$select=fetchxml'))
        .then((row) => String((row as Record<string, unknown>).fetchxml ?? ''));
      this.viewXml.set(viewId, found);
    }
    return found;
  }

  /**
   * Reads the totals again when the view, its filter or its rows changed (a reload after a command); a what-if read of
   * the rows is dropped with them.
   */
  update(viewId: string, filter: FilterExpression | undefined, reloaded: boolean): void {
    const key = `${viewId}|${JSON.stringify(filter ?? null)}`;
    if (key === this.key && !reloaded) return;
    this.key = key;
    const generation = ++this.generation;
    this.state = { totals: this.state.totals, totalsError: undefined, rows: undefined, read: 0, rowsError: undefined };
    const rowsWanted = this.figuresRequested;
    void this.viewFetchXml(viewId)
      .then((xml) => this.webApi.retrieveMultipleRecords(discrepancy.logicalName, `?fetchXml=${encodeURIComponent(materialTotalsFetch(xml, filter))}`))
      .then((result) => { if (generation === this.generation) this.state = { ...this.state, totals: totalsOf(result.entities[0]) }; },
        (error: unknown) => { if (generation === this.generation) this.state = { ...this.state, totals: undefined, totalsError: messageOf(error) }; })
      .finally(() => { if (generation === this.generation) this.changed(); });
    if (rowsWanted) void this.readRows(viewId, filter, generation);
  }

  /** Reads every row's figures (for the what-if bar), page by page. */
  requestRows(viewId: string, filter: FilterExpression | undefined): void {
    if (this.figuresRequested && (this.state.rows !== undefined || this.state.read > 0)) return;
    this.figuresRequested = true;
    void this.readRows(viewId, filter, this.generation);
  }

  private async readRows(viewId: string, filter: FilterExpression | undefined, generation: number): Promise<void> {
    const rows: ViewRowFigures[] = [];
    const number = (row: Record<string, unknown>, name: string) => Number(row[name] ?? 0) || 0;
    try {
      const xml = await this.viewFetchXml(viewId);
      for (let page = 1; ; page += 1) {
        const result = await this.webApi.retrieveMultipleRecords(discrepancy.logicalName, `?fetchXml=${encodeURIComponent(figuresFetch(xml, filter, page))}`);
        if (generation !== this.generation) return;
        for (const row of result.entities as Array<Record<string, unknown>>) {
          rows.push({ classification: byValue.get(Number(row[D.classification.logicalName])), figures: {
            d365Qty: number(row, D.d365Qty.logicalName), qtyVariance: number(row, D.qtyVariance.logicalName),
            residual: number(row, D.residual.logicalName), valueVariance: number(row, D.valueVariance.logicalName) } });
        }
        this.state = { ...this.state, read: rows.length };
        this.changed();
        if (result.entities.length < FIGURES_PAGE_SIZE) break;
      }
      this.state = { ...this.state, rows };
    } catch (error) {
      if (generation !== this.generation) return;
      this.state = { ...this.state, rowsError: messageOf(error) };
    }
    this.changed();
  }
}
