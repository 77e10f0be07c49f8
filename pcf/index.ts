/**
 * The VarianceGrid PCF control: a thin adapter that turns the context into plain props for the React grid and its
 * callbacks back into dataset calls (pcf/adapter.ts). The grid itself knows nothing of PCF. The whole view's figures
 * (totals, and the what-if bar's rows) are read through the control's Web API (pcf/view-figures.ts).
 */
import * as React from 'react';
import { FluentProvider, webLightTheme, type Theme } from '@fluentui/react-components';
import { VarianceGrid as Grid, type VarianceGridProps } from './components/VarianceGrid';
import { applyFilters, canFilter, causeFilterOf, columnsOf, ensureFigureColumns, formattingOf, quickFindColumns, rowsOf, searchOf, sortDataset, sortOf, stringsOf } from './adapter';
import { ViewFigures } from './view-figures';

interface IInputs {
  discrepancies: ComponentFramework.PropertyTypes.DataSet;
  quantityLimit: ComponentFramework.PropertyTypes.DecimalNumberProperty;
  percentLimit: ComponentFramework.PropertyTypes.DecimalNumberProperty;
  valueLimit: ComponentFramework.PropertyTypes.DecimalNumberProperty;
  highlightColumn: ComponentFramework.PropertyTypes.StringProperty;
}
type IOutputs = Record<string, never>;

/** The most rows a command takes at once (core/review-request.ts), and so the most "select all in the view" loads. */
const MAX_SELECTION = 5000;

/** Re-renders the grid when the whole view's figures arrive, which happens between the platform's updates. */
function WithFigures({ figures, props }: { figures: ViewFigures | undefined; props: (searchColumns: string[]) => VarianceGridProps }): React.ReactElement {
  const [, setVersion] = React.useState(0);
  React.useEffect(() => figures?.subscribe(() => setVersion((v) => v + 1)), [figures]);
  return React.createElement(Grid, props(figures?.searchColumns ?? []));
}

export class VarianceGrid implements ComponentFramework.ReactControl<IInputs, IOutputs> {
  private figuresRequested = false;
  private figuresReloading = false;
  private figuresSeenLoading = false;
  private figures: ViewFigures | undefined;
  private wasLoading = true;
  private appending = false;
  private selectingAll = false;
  private searchText: string | undefined;

  public init(context: ComponentFramework.Context<IInputs>): void {
    context.mode.trackContainerResize(true);
    if (context.webAPI) this.figures = new ViewFigures(context.webAPI, quickFindColumns);
  }

  public updateView(context: ComponentFramework.Context<IInputs>): React.ReactElement {
    try { return this.render(context); } catch (e) { console.error('VarianceGrid updateView failed', (e as Error).stack); throw e; }
  }

  /** Loads the view's remaining pages, then selects every row (it runs again on each update until done). */
  private continueSelectingAll(dataset: ComponentFramework.PropertyTypes.DataSet): void {
    if (!this.selectingAll || dataset.loading) return;
    if (dataset.paging.hasNextPage && dataset.sortedRecordIds.length < MAX_SELECTION) {
      this.appending = true;
      dataset.paging.loadNextPage();
      return;
    }
    this.selectingAll = false;
    dataset.setSelectedRecordIds(dataset.sortedRecordIds.slice(0, MAX_SELECTION));
  }

  private render(context: ComponentFramework.Context<IInputs>): React.ReactElement {
    const dataset = context.parameters.discrepancies;
    if (!this.figuresRequested && !dataset.loading) {
      this.figuresRequested = true;
      this.figuresReloading = ensureFigureColumns(dataset);
    }
    // While the view reloads with the figures, its first rows are not offered: a selection made on them would be lost.
    if (this.figuresReloading && !dataset.loading && this.figuresSeenLoading) this.figuresReloading = false;
    if (this.figuresReloading && dataset.loading) this.figuresSeenLoading = true;
    const hideRows = this.figuresReloading && dataset.loading;
    // A load that ended and was not a page appended: the view's rows may have changed (a command, a filter), so its totals too.
    const reloaded = this.wasLoading && !dataset.loading && !this.appending;
    if (this.wasLoading && !dataset.loading) this.appending = false;
    this.wasLoading = dataset.loading;
    const viewId = typeof dataset.getViewId === 'function' ? dataset.getViewId() : '';
    const filter = canFilter(dataset) ? dataset.filtering.getFilter() ?? undefined : undefined;
    if (this.figures && viewId && !dataset.loading) this.figures.update(viewId, filter, reloaded);
    this.continueSelectingAll(dataset);
    const highlightColumn = context.parameters.highlightColumn.raw ?? 'ibal_classification';
    const limit = (p: ComponentFramework.PropertyTypes.DecimalNumberProperty) => p.raw ?? undefined;
    // The rows get what the what-if bar, the header, "Load more" and the totals leave of the space.
    const height = Number(context.mode.allocatedHeight) > 0 ? Number(context.mode.allocatedHeight) - 230 : 480;
    const theme = (context.fluentDesignLanguage?.tokenTheme as Theme | undefined) ?? webLightTheme;
    const figures = this.figures;
    const search = this.searchText ?? searchOf(dataset);
    const gridProps = (searchColumns: string[]): VarianceGridProps => ({
        columns: columnsOf(dataset), rows: hideRows ? [] : rowsOf(dataset, highlightColumn), totalCount: dataset.paging.totalResultCount,
        hasMore: dataset.paging.hasNextPage, loading: dataset.loading, error: dataset.error ? dataset.errorMessage : undefined,
        highlightColumn, defaultLimits: { quantity: limit(context.parameters.quantityLimit), percent: limit(context.parameters.percentLimit),
          value: limit(context.parameters.valueLimit) },
        sort: sortOf(dataset), selectedIds: new Set(dataset.getSelectedRecordIds()), format: formattingOf(context.formatting),
        strings: stringsOf(context.resources), height: Math.max(height, 200),
        onSort: (column, direction) => sortDataset(dataset, column, direction),
        onSelectionChange: (ids) => dataset.setSelectedRecordIds(ids),
        onOpen: (id) => { const record = dataset.records[id]; if (record) dataset.openDatasetItem(record.getNamedReference()); },
        onLoadMore: () => { this.appending = true; dataset.paging.loadNextPage(); },
        causeFilter: canFilter(dataset) ? { value: causeFilterOf(dataset), onChange: (value) => applyFilters(dataset, value, search, searchColumns) } : undefined,
        search: canFilter(dataset) && searchColumns.length > 0 ? { value: search, onChange: (text) => {
          this.searchText = text;
          applyFilters(dataset, causeFilterOf(dataset), text, searchColumns);
        } } : undefined,
        viewTitle: typeof dataset.getTitle === 'function' ? dataset.getTitle() : undefined,
        filtered: filter !== undefined && ((filter.conditions?.length ?? 0) > 0 || (filter.filters?.length ?? 0) > 0),
        wholeView: figures && viewId ? { ...figures.state, onNeedRows: () => figures.requestRows(viewId, filter) } : undefined,
        onSelectAllInView: () => { this.selectingAll = true; this.continueSelectingAll(dataset); },
        selectingAll: this.selectingAll,
      });
    return React.createElement(FluentProvider, { theme }, React.createElement(WithFigures, { figures, props: gridProps }));
  }

  public getOutputs(): IOutputs {
    return {};
  }

  public destroy(): void {}
}
