/**
 * The variance grid: the view's columns in the view's order and widths, rows highlighted by classification, a
 * what-if bar that reclassifies with core's rules, totals of the Material rows, sorting, selection, opening a row,
 * loading more, and virtualized rows. Plain React: it knows nothing of PCF (pcf/index.ts adapts the context).
 */
import * as React from 'react';
import {
  Button, MessageBar, MessageBarBody, Spinner, Text, TableCellLayout, createTableColumn, makeStyles, tokens,
  type DataGridProps, type TableColumnDefinition, type TableColumnSizingOptions, type TableRowData, type TableRowId,
} from '@fluentui/react-components';
import { DataGrid, DataGridBody, DataGridCell, DataGridHeader, DataGridHeaderCell, DataGridRow } from '@fluentui-contrib/react-data-grid-react-window';
import { classify } from '../../core/classification.js';
import { CauseBadge } from './CauseBadge.js';
import { CauseFilter } from './CauseFilter.js';
import { ClassificationCell, FlagBadges } from './ClassificationCell.js';
import type { CauseFilterValue, Formatting, GridColumn, GridRow, Limits, SortDirection } from './model.js';
import { fill, type GridStrings } from './strings.js';
import { Totals, type MaterialTotals } from './Totals.js';
import { WhatIfBar } from './WhatIfBar.js';

export interface VarianceGridProps {
  columns: GridColumn[];
  rows: GridRow[];
  /** Rows in the view in all; -1 when there are more than 5,000. */
  totalCount: number;
  hasMore: boolean;
  loading: boolean;
  error: string | undefined;
  /** The column whose value decides the highlight. */
  highlightColumn: string;
  /** Limits the what-if bar starts from (the control's properties). */
  defaultLimits: Limits;
  sort: { column: string; direction: SortDirection } | undefined;
  selectedIds: ReadonlySet<string>;
  format: Formatting;
  strings: GridStrings;
  /** Height available to the rows, in pixels. */
  height: number;
  onSort(column: string, direction: SortDirection): void;
  onSelectionChange(ids: string[]): void;
  onOpen(id: string): void;
  onLoadMore(): void;
  /** The likely-cause filter, when the host's dataset can filter (undefined hides it). */
  causeFilter?: { value: CauseFilterValue; onChange(value: CauseFilterValue): void } | undefined;
}

const ROW_HEIGHT = 36;
/** The selection checkbox column. */
const SELECTION_WIDTH = 44;
/** The discrepancy's flags column: shown as badges wherever the view puts it. */
const FLAGS_COLUMN = 'ibal_flags';
/** The likely cause column: a badge with its evidence wherever the view puts it. */
const CAUSE_COLUMN = 'ibal_likelycause';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', fontFamily: tokens.fontFamilyBase, color: tokens.colorNeutralForeground1 },
  scroller: { overflowX: 'auto', maxWidth: '100%' },
  material: { backgroundColor: tokens.colorPaletteRedBackground1 },
  timing: { backgroundColor: tokens.colorPaletteMarigoldBackground1 },
  state: { padding: tokens.spacingVerticalXXL, textAlign: 'center' },
  loadMore: { alignSelf: 'center', margin: tokens.spacingVerticalS },
  toolbar: { display: 'flex', flexWrap: 'wrap', alignItems: 'flex-end', columnGap: tokens.spacingHorizontalXL, paddingRight: tokens.spacingHorizontalS },
});

/** A cell's text: quantities and money through the user's formatting, everything else as Dataverse formatted it. */
function cellText(column: GridColumn, cell: GridRow['cells'][string] | undefined, format: Formatting): string {
  if (cell === undefined || cell.value === null || cell.value === undefined) return '';
  if (typeof cell.value === 'number') {
    if (column.kind === 'quantity') return format.quantity(cell.value);
    if (column.kind === 'currency') return format.currency(cell.value);
    if (column.kind === 'number') return format.number(cell.value);
  }
  return cell.formatted;
}

export function VarianceGrid(props: VarianceGridProps): JSX.Element {
  const styles = useStyles();
  const { columns, rows, format, strings } = props;
  const [limits, setLimits] = React.useState<Limits>(props.defaultLimits);
  const [trying, setTrying] = React.useState(false);

  /** Each row's classification: the stored one, or what the trial limits make of its figures. */
  const classified = React.useMemo(() => rows.map((row) => {
    if (!trying || row.classification === undefined) return { row, classification: row.classification };
    const result = classify(row.figures, { name: 'what-if', ...limits });
    return { row, classification: result === 'Balanced' ? undefined : result };
  }), [rows, trying, limits]);

  const totals = React.useMemo<MaterialTotals>(() => classified.reduce((t, { row, classification }) => (classification === 'Material'
    ? { count: t.count + 1, absoluteValue: t.absoluteValue + Math.abs(row.figures.valueVariance), netValue: t.netValue + row.figures.valueVariance } : t),
  { count: 0, absoluteValue: 0, netValue: 0 }), [classified]);

  const flagsColumnShown = columns.some((c) => c.name === FLAGS_COLUMN);
  const causeColumnShown = columns.some((c) => c.name === CAUSE_COLUMN);
  const definitions = React.useMemo<Array<TableColumnDefinition<(typeof classified)[number]>>>(() => columns.map((column) =>
    createTableColumn<(typeof classified)[number]>({
      columnId: column.name,
      renderHeaderCell: () => <TableCellLayout truncate title={column.displayName}>{column.displayName}</TableCellLayout>,
      renderCell: ({ row, classification }) => {
        if (column.name === props.highlightColumn) {
          return <ClassificationCell classification={classification} flags={flagsColumnShown ? [] : row.flags}
            cause={causeColumnShown ? undefined : row.cause} strings={strings} />;
        }
        if (column.name === FLAGS_COLUMN) return <FlagBadges flags={row.flags} />;
        if (column.name === CAUSE_COLUMN) return <CauseBadge cause={row.cause} strings={strings} />;
        const text = cellText(column, row.cells[column.name], format);
        return <TableCellLayout truncate title={text}>{text}</TableCellLayout>;
      },
      // Sorting is the dataset's: the grid says what was asked for and keeps the loaded order. Fluent makes a column
      // sortable only when compare declares its two parameters.
      compare: (_a, _b) => 0,
    })), [columns, format, strings, props.highlightColumn, flagsColumnShown, causeColumnShown]);

  const sizing = React.useMemo<TableColumnSizingOptions>(() => Object.fromEntries(columns.map((c) =>
    [c.name, { idealWidth: c.width, minWidth: Math.min(c.width, 60), defaultWidth: c.width }])), [columns]);

  // The row renderer keeps its identity across renders: the virtualized body makes it a component type, and a new
  // type would remount every row on each update (a selection click would lose the row under a double-click or focus).
  const onOpen = React.useRef(props.onOpen);
  onOpen.current = props.onOpen;
  const { material: materialClass, timing: timingClass } = styles;
  const renderRow = React.useCallback(({ item, rowId }: TableRowData<(typeof classified)[number]>, style: React.CSSProperties) => (
    <DataGridRow<(typeof classified)[number]> key={rowId} style={style}
      className={item.classification === 'Material' ? materialClass : item.classification === 'Timing' ? timingClass : undefined}
      data-row-id={item.row.id}
      selectionCell={{ checkboxIndicator: { 'aria-label': strings.selectRow } }}
      onDoubleClick={() => onOpen.current(item.row.id)}
      onKeyDown={(event: React.KeyboardEvent) => { if (event.key === 'Enter') onOpen.current(item.row.id); }}>
      {({ renderCell }) => <DataGridCell>{renderCell(item)}</DataGridCell>}
    </DataGridRow>
  ), [materialClass, timingClass, strings.selectRow]);

  const onSortChange: DataGridProps['onSortChange'] = (_, state) => {
    if (state.sortColumn !== undefined) props.onSort(String(state.sortColumn), state.sortDirection);
  };
  const onSelectionChange: DataGridProps['onSelectionChange'] = (_, data) => props.onSelectionChange([...data.selectedItems].map(String));

  if (props.error !== undefined) {
    return <div className={styles.root}><MessageBar intent="error"><MessageBarBody>{fill(strings.error, props.error)}</MessageBarBody></MessageBar></div>;
  }
  const whatIf = <div className={styles.toolbar}>
    <WhatIfBar limits={limits} trying={trying} strings={strings}
      onChange={(next) => { setLimits(next); setTrying(true); }} onReset={() => { setLimits(props.defaultLimits); setTrying(false); }} />
    {props.causeFilter ? <CauseFilter value={props.causeFilter.value} strings={strings} onChange={props.causeFilter.onChange} /> : null}
  </div>;
  if (props.loading && rows.length === 0) {
    return <div className={styles.root}>{whatIf}<div className={styles.state}><Spinner label={strings.loading} /></div></div>;
  }
  if (rows.length === 0) {
    return <div className={styles.root}>{whatIf}<div className={styles.state}><Text>{strings.empty}</Text></div></div>;
  }
  return (
    <div className={styles.root}>
      {whatIf}
      {/* Columns keep the view's widths; a view wider than the space scrolls sideways, header and rows together. */}
      <div className={styles.scroller}>
      <DataGrid items={classified} columns={definitions} getRowId={(item: (typeof classified)[number]) => item.row.id}
        style={{ minWidth: `${columns.reduce((sum, c) => sum + c.width, SELECTION_WIDTH)}px` }} resizableColumnsOptions={{ autoFitColumns: false }}
        sortable sortState={props.sort ? { sortColumn: props.sort.column, sortDirection: props.sort.direction } : undefined} onSortChange={onSortChange}
        selectionMode="multiselect" selectedItems={props.selectedIds as ReadonlySet<TableRowId> as Set<TableRowId>} onSelectionChange={onSelectionChange}
        resizableColumns columnSizingOptions={sizing} aria-label={strings.gridLabel} focusMode="composite">
        <DataGridHeader>
          <DataGridRow selectionCell={{ checkboxIndicator: { 'aria-label': strings.selectAll } }}>
            {({ renderHeaderCell }) => <DataGridHeaderCell>{renderHeaderCell()}</DataGridHeaderCell>}
          </DataGridRow>
        </DataGridHeader>
        <DataGridBody<(typeof classified)[number]> itemSize={ROW_HEIGHT} height={props.height}>
          {renderRow}
        </DataGridBody>
      </DataGrid>
      </div>
      {props.hasMore ? <Button className={styles.loadMore} onClick={props.onLoadMore} disabled={props.loading}>{strings.loadMore}</Button> : null}
      <Totals totals={totals} loaded={rows.length} total={props.totalCount} format={format} strings={strings} />
    </div>
  );
}
