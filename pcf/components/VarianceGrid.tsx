/**
 * The variance grid: the view's columns in the view's order and widths, rows highlighted by classification, a
 * what-if bar that reclassifies with core's rules, totals of the Material rows, sorting, selection, opening a row,
 * loading more, and virtualized rows. Plain React: it knows nothing of PCF (pcf/index.ts adapts the context).
 */
import * as React from 'react';
import {
  Button, Link, MessageBar, MessageBarBody, SearchBox, Spinner, Text, TableCellLayout, createTableColumn, makeStyles, tokens,
  type DataGridProps, type TableColumnDefinition, type TableColumnSizingOptions, type TableRowData, type TableRowId,
} from '@fluentui/react-components';
import { DataGrid, DataGridBody, DataGridCell, DataGridHeader, DataGridHeaderCell, DataGridRow } from '@fluentui-contrib/react-data-grid-react-window';
import { classify } from '../../core/classification.js';
import { CauseBadge } from './CauseBadge.js';
import { CauseFilter } from './CauseFilter.js';
import { ClassificationCell, FlagBadges } from './ClassificationCell.js';
import type { CauseFilterValue, Formatting, GridColumn, GridRow, Limits, SortDirection } from './model.js';
import { fill, type GridStrings } from './strings.js';
import { Totals, type MaterialTotals, type TotalsShown } from './Totals.js';
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
  /** The view's name, for what an empty view says. */
  viewTitle?: string | undefined;
  /** Whether a filter or search narrows the view (an empty view then says so). */
  filtered?: boolean | undefined;
  /** The figures of the whole view (the host reads them through the Web API); without them the totals cover the loaded rows and say so. */
  wholeView?: WholeView | undefined;
  /** Selects every row of the view, not only the loaded ones (the host loads them first). */
  onSelectAllInView?: (() => void) | undefined;
  selectingAll?: boolean | undefined;
  /** Search over the view's Quick Find columns (undefined hides the box). */
  search?: { value: string; onChange(text: string): void } | undefined;
}

/** The whole view's figures as the host has them so far. */
export interface WholeView {
  totals: MaterialTotals | undefined;
  totalsError: string | undefined;
  rows: Array<{ figures: GridRow['figures']; classification: GridRow['classification'] }> | undefined;
  read: number;
  rowsError: string | undefined;
  /** Asks the host for every row's figures (the what-if bar needs them). */
  onNeedRows(): void;
}

/** The largest selection a command takes (core/review-request.ts MAX_REQUEST_LINES). */
const MAX_SELECTION = 5000;
const hasLimit = (limits: Limits) => limits.quantity !== undefined || limits.percent !== undefined || limits.value !== undefined;

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
  search: { alignSelf: 'flex-end', marginBottom: tokens.spacingVerticalS, width: '240px' },
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

  const trial = trying && hasLimit(limits);
  /** A row's classification: the stored one, or what the trial limits make of its figures. */
  const reclassify = React.useCallback((figures: GridRow['figures'], stored: GridRow['classification']) => {
    if (!trial || stored === undefined) return stored;
    const result = classify(figures, { name: 'what-if', ...limits });
    return result === 'Balanced' ? undefined : result;
  }, [trial, limits]);
  const classified = React.useMemo(() => rows.map((row) => ({ row, classification: reclassify(row.figures, row.classification) })), [rows, reclassify]);

  const sum = (items: ReadonlyArray<{ figures: GridRow['figures']; classification: GridRow['classification'] }>): MaterialTotals => items.reduce((t, item) => (item.classification === 'Material'
    ? { count: t.count + 1, absoluteValue: t.absoluteValue + Math.abs(item.figures.valueVariance), netValue: t.netValue + item.figures.valueVariance } : t),
  { count: 0, absoluteValue: 0, netValue: 0 });
  const whole = props.wholeView;
  const needRows = trial && whole !== undefined && whole.rows === undefined && whole.rowsError === undefined;
  const onNeedRows = whole?.onNeedRows;
  React.useEffect(() => { if (needRows) onNeedRows?.(); }, [needRows, onNeedRows]);
  const shown = React.useMemo<TotalsShown>(() => {
    const loadedOnly = (reason: string): TotalsShown => ({ kind: 'loaded-only', reason,
      totals: sum(classified.map(({ row, classification }) => ({ figures: row.figures, classification }))) });
    if (whole === undefined) return loadedOnly('no Web API');
    if (trial) {
      if (whole.rowsError !== undefined) return loadedOnly(whole.rowsError);
      if (whole.rows === undefined) return { kind: 'reading', read: whole.read };
      return { kind: 'what-if', lines: whole.rows.length, totals: sum(whole.rows.map((r) => ({ figures: r.figures, classification: reclassify(r.figures, r.classification) }))) };
    }
    if (whole.totalsError !== undefined) return loadedOnly(whole.totalsError);
    return whole.totals ? { kind: 'view', totals: whole.totals } : { kind: 'loading' };
  }, [whole, trial, classified, reclassify]);

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
>
      {({ renderCell }) => <DataGridCell>{renderCell(item)}</DataGridCell>}
    </DataGridRow>
  ), [materialClass, timingClass, strings.selectRow]);

  // Enter opens the row it is pressed on, as in a model-driven grid: on the focused row, a cell or its checkbox. The
  // grid's keyboard navigation takes the keydown of Enter on a focused row (it moves focus into the row), so the grid
  // opens the row when the key comes up, wherever in the row focus then is.
  const gridRoot = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    const root = gridRoot.current;
    if (!root) return undefined;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Enter') return;
      const id = (event.target as HTMLElement).closest('[data-row-id]')?.getAttribute('data-row-id');
      if (id) onOpen.current(id);
    };
    root.addEventListener('keyup', onKey);
    return () => root.removeEventListener('keyup', onKey);
  });

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
    {props.search ? <SearchBox className={styles.search} aria-label={strings.search} placeholder={strings.search} value={props.search.value}
      onChange={(_, data) => props.search!.onChange(data.value)} /> : null}
  </div>;
  if (props.loading && rows.length === 0) {
    return <div className={styles.root}>{whatIf}<div className={styles.state}><Spinner label={strings.loading} /></div></div>;
  }
  if (rows.length === 0) {
    // An empty view says which view is empty, not that nothing is above the thresholds.
    const empty = props.viewTitle ? fill(props.filtered ? strings.emptyFiltered : strings.emptyView, props.viewTitle) : strings.empty;
    return <div className={styles.root}>{whatIf}<div className={styles.state}><Text>{empty}</Text></div></div>;
  }
  // Select all takes the loaded rows, as Fluent does; then the whole view is offered.
  const total = props.totalCount >= 0 ? props.totalCount : undefined;
  const allLoadedSelected = rows.length > 0 && rows.every((r) => props.selectedIds.has(r.id));
  const moreInView = props.hasMore || (total !== undefined && total > rows.length);
  const selection = props.selectingAll
    ? <MessageBar intent="info"><MessageBarBody>{fill(strings.selectingAll, total === undefined ? '' : format.number(total))}</MessageBarBody></MessageBar>
    : allLoadedSelected && moreInView && props.onSelectAllInView
      ? <MessageBar intent="info"><MessageBarBody>{fill(strings.selectedLoaded, format.number(rows.length))}{' '}
        {total !== undefined && total <= MAX_SELECTION
          ? <Link as="button" onClick={props.onSelectAllInView}>{fill(strings.selectAllInView, format.number(total))}</Link>
          : fill(strings.selectionLimit, format.number(MAX_SELECTION))}</MessageBarBody></MessageBar>
      : allLoadedSelected && !moreInView && rows.length > 1 && props.onSelectAllInView
        ? <MessageBar intent="success"><MessageBarBody>{fill(strings.selectedAll, format.number(rows.length))}</MessageBarBody></MessageBar>
        : null;
  return (
    <div className={styles.root}>
      {whatIf}
      {selection}
      {/* Columns keep the view's widths; a view wider than the space scrolls sideways, header and rows together. */}
      <div className={styles.scroller} ref={gridRoot}>
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
      <Totals shown={shown} loaded={rows.length} total={props.totalCount} format={format} strings={strings} />
    </div>
  );
}
