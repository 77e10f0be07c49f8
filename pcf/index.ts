/**
 * The VarianceGrid PCF control: a thin adapter that turns the context into plain props for the React grid and its
 * callbacks back into dataset calls (pcf/adapter.ts). The grid itself knows nothing of PCF.
 */
import * as React from 'react';
import { FluentProvider, webLightTheme, type Theme } from '@fluentui/react-components';
import { VarianceGrid as Grid } from './components/VarianceGrid';
import { canFilter, causeFilterOf, columnsOf, ensureFigureColumns, filterByCause, formattingOf, rowsOf, sortDataset, sortOf, stringsOf } from './adapter';

interface IInputs {
  discrepancies: ComponentFramework.PropertyTypes.DataSet;
  quantityLimit: ComponentFramework.PropertyTypes.DecimalNumberProperty;
  percentLimit: ComponentFramework.PropertyTypes.DecimalNumberProperty;
  valueLimit: ComponentFramework.PropertyTypes.DecimalNumberProperty;
  highlightColumn: ComponentFramework.PropertyTypes.StringProperty;
}
type IOutputs = Record<string, never>;

export class VarianceGrid implements ComponentFramework.ReactControl<IInputs, IOutputs> {
  private figuresRequested = false;
  private figuresReloading = false;
  private figuresSeenLoading = false;

  public init(context: ComponentFramework.Context<IInputs>): void {
    context.mode.trackContainerResize(true);
  }

  public updateView(context: ComponentFramework.Context<IInputs>): React.ReactElement {
    try { return this.render(context); } catch (e) { console.error('VarianceGrid updateView failed', (e as Error).stack); throw e; }
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
    const highlightColumn = context.parameters.highlightColumn.raw ?? 'ibal_classification';
    const limit = (p: ComponentFramework.PropertyTypes.DecimalNumberProperty) => p.raw ?? undefined;
    const height = Number(context.mode.allocatedHeight) > 0 ? Number(context.mode.allocatedHeight) - 140 : 480;
    const theme = (context.fluentDesignLanguage?.tokenTheme as Theme | undefined) ?? webLightTheme;
    return React.createElement(FluentProvider, { theme },
      React.createElement(Grid, {
        columns: columnsOf(dataset), rows: hideRows ? [] : rowsOf(dataset, highlightColumn), totalCount: dataset.paging.totalResultCount,
        hasMore: dataset.paging.hasNextPage, loading: dataset.loading, error: dataset.error ? dataset.errorMessage : undefined,
        highlightColumn, defaultLimits: { quantity: limit(context.parameters.quantityLimit), percent: limit(context.parameters.percentLimit),
          value: limit(context.parameters.valueLimit) },
        sort: sortOf(dataset), selectedIds: new Set(dataset.getSelectedRecordIds()), format: formattingOf(context.formatting),
        strings: stringsOf(context.resources), height: Math.max(height, 200),
        onSort: (column, direction) => sortDataset(dataset, column, direction),
        onSelectionChange: (ids) => dataset.setSelectedRecordIds(ids),
        onOpen: (id) => { const record = dataset.records[id]; if (record) dataset.openDatasetItem(record.getNamedReference()); },
        onLoadMore: () => dataset.paging.loadNextPage(),
        causeFilter: canFilter(dataset) ? { value: causeFilterOf(dataset), onChange: (value) => filterByCause(dataset, value) } : undefined,
      }));
  }

  public getOutputs(): IOutputs {
    return {};
  }

  public destroy(): void {}
}
