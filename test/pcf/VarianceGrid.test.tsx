/** @jest-environment jsdom */
import * as React from 'react';
import '@testing-library/jest-dom';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { VarianceGrid, type VarianceGridProps } from '../../pcf/components/VarianceGrid';
import { ENGLISH } from '../../pcf/components/strings';
import type { GridColumn, GridRow } from '../../pcf/components/model';

// jsdom has no ResizeObserver (browsers do); Fluent's MessageBar observes its size to reflow.
(globalThis as { ResizeObserver?: unknown }).ResizeObserver ??= class { observe(): void {} unobserve(): void {} disconnect(): void {} };

const columns: GridColumn[] = [
  { name: 'ibal_item', displayName: 'Item', kind: 'text', width: 120 },
  { name: 'ibal_residual', displayName: 'Residual', kind: 'quantity', width: 90 },
  { name: 'ibal_valuevariance', displayName: 'Value variance', kind: 'currency', width: 110 },
  { name: 'ibal_classification', displayName: 'Classification', kind: 'choice', width: 160 },
];

function row(id: string, item: string, classification: GridRow['classification'], residual: number, valueVariance: number, d365Qty = 100, flags: string[] = []): GridRow {
  return {
    id, classification, flags,
    figures: { d365Qty, qtyVariance: residual, residual, valueVariance },
    cells: {
      ibal_item: { value: item, formatted: item },
      ibal_residual: { value: residual, formatted: String(residual) },
      ibal_valuevariance: { value: valueVariance, formatted: String(valueVariance) },
      ibal_classification: { value: classification, formatted: classification ?? '' },
    },
  };
}

const rows = [row('r1', 'A0001', 'Material', -10, -400, 100, ['audit']), row('r2', 'A0002', 'Immaterial', 2, 40), row('r3', 'A0003', 'Timing', 0, 0)];
rows[2]!.figures.qtyVariance = 6;

function setup(overrides: Partial<VarianceGridProps> = {}) {
  const props: VarianceGridProps = {
    columns, rows, totalCount: 3, hasMore: false, loading: false, error: undefined, highlightColumn: 'ibal_classification',
    defaultLimits: { quantity: 5, percent: 10, value: 250 }, sort: undefined, selectedIds: new Set(),
    format: { quantity: jest.fn((n: number) => `q${n}`), currency: jest.fn((n: number) => `$${n.toFixed(2)}`), number: (n: number) => String(n) },
    strings: ENGLISH, height: 480, onSort: jest.fn(), onSelectionChange: jest.fn(), onOpen: jest.fn(), onLoadMore: jest.fn(), ...overrides,
  };
  render(<FluentProvider theme={webLightTheme}><VarianceGrid {...props} /></FluentProvider>);
  return props;
}
const gridRows = () => screen.getAllByRole('row').filter((r) => r.getAttribute('data-row-id') !== null);

describe('VarianceGrid', () => {
  it('keeps its row elements when the host re-renders it (a selection click must not remount the row being double-clicked)', () => {
    const props = setup();
    const before = gridRows()[0]!;
    const onOpen = jest.fn();
    // The platform calls updateView again, with new callbacks and the new selection.
    const { rerender } = render(<FluentProvider theme={webLightTheme}><VarianceGrid {...props} /></FluentProvider>, { container: document.body.firstElementChild as HTMLElement });
    rerender(<FluentProvider theme={webLightTheme}><VarianceGrid {...props} selectedIds={new Set([before.getAttribute('data-row-id')!])} onOpen={onOpen} /></FluentProvider>);
    const after = gridRows().find((r) => r.getAttribute('data-row-id') === before.getAttribute('data-row-id'))!;
    expect(after).toBe(before);
    fireEvent.doubleClick(after);
    expect(onOpen).toHaveBeenCalledWith(before.getAttribute('data-row-id'));
  });

  it('shows the view\'s columns in the view\'s order', () => {
    setup();
    const headers = screen.getAllByRole('columnheader').map((h) => h.textContent).filter(Boolean);
    expect(headers).toEqual(['Item', 'Residual', 'Value variance', 'Classification']);
  });

  it('formats quantities and money through the user\'s formatting', () => {
    const props = setup();
    expect(props.format.quantity).toHaveBeenCalledWith(-10);
    expect(props.format.currency).toHaveBeenCalledWith(-400);
    expect(within(gridRows()[0]!).getByText('q-10')).toBeInTheDocument();
  });

  it('marks each classification with text and an icon, not colour alone, and shows flags as badges', () => {
    setup();
    const [material, immaterial, timing] = gridRows();
    expect(within(material!).getByText('Material').closest('[data-classification]')?.querySelector('[data-icon][aria-hidden="true"]')).not.toBeNull();
    expect(within(immaterial!).getByText('Immaterial')).toBeInTheDocument();
    expect(within(timing!).getByText('Timing')).toBeInTheDocument();
    expect(within(material!).getByText('audit')).toBeInTheDocument();
  });

  it('shows the flags as badges in the view\'s flags column when it has one, not twice', () => {
    setup({ columns: [...columns, { name: 'ibal_flags', displayName: 'Flags', kind: 'text', width: 120 }] });
    expect(within(gridRows()[0]!).getAllByText('audit')).toHaveLength(1);
  });

  it('without the whole view\'s figures, totals the loaded rows and says that is all it covers', () => {
    setup({ totalCount: 120 });
    expect(screen.getByText(/the 3 loaded rows only — Material: 1 differences, absolute value \$400\.00, net value \$-400\.00/)).toBeInTheDocument();
    expect(screen.getByText('3 of 120 loaded')).toBeInTheDocument();
  });

  it('shows the whole view\'s Material totals, not the loaded rows\'', () => {
    setup({ totalCount: 120, wholeView: { totals: { count: 41, absoluteValue: 9120.5, netValue: -3000 }, totalsError: undefined, rows: undefined, read: 0, rowsError: undefined, onNeedRows: jest.fn() } });
    expect(screen.getByText('Material in the whole view: 41 differences, absolute value $9120.50, net value $-3000.00')).toBeInTheDocument();
  });

  it('reclassifies every row of the view with trial limits, reading them first', () => {
    const onNeedRows = jest.fn();
    const whole = { totals: { count: 1, absoluteValue: 400, netValue: -400 }, totalsError: undefined, rows: undefined, read: 0, rowsError: undefined, onNeedRows };
    const props = setup({ totalCount: 4, wholeView: whole });
    fireEvent.change(screen.getByLabelText('Try other limits: Value'), { target: { value: '30' } });
    expect(onNeedRows).toHaveBeenCalled();
    expect(screen.getByText('Reclassifying the whole view: 0 lines read…')).toBeInTheDocument();
    // The fourth row was never loaded into the grid: 3 units worth 35 meets the value limit of 30 too.
    const viewRows = [...rows.map((r) => ({ figures: r.figures, classification: r.classification })),
      { figures: { d365Qty: 100, qtyVariance: 3, residual: 3, valueVariance: 35 }, classification: 'Immaterial' as const }];
    render(<FluentProvider theme={webLightTheme}><VarianceGrid {...props} wholeView={{ ...whole, rows: viewRows, read: 4 }} /></FluentProvider>,
      { container: document.body.firstElementChild as HTMLElement });
    expect(screen.getByText('With the trial limits, all 4 lines of the view — Material: 3 differences, absolute value $475.00, net value $-325.00')).toBeInTheDocument();
  });

  it('offers every row of the view once all loaded rows are selected', () => {
    const onSelectAllInView = jest.fn();
    setup({ totalCount: 120, hasMore: true, selectedIds: new Set(['r1', 'r2', 'r3']), onSelectAllInView });
    expect(screen.getByText(/All 3 loaded rows are selected/)).toBeInTheDocument();
    fireEvent.click(screen.getByText('Select all 120 in the view'));
    expect(onSelectAllInView).toHaveBeenCalled();
  });
  it('says "more than 5,000" when the dataset does not know its total', () => {
    setup({ totalCount: -1 });
    expect(screen.getByText('3 of more than 5,000 loaded')).toBeInTheDocument();
  });

  it('reclassifies with trial limits using core\'s rules, says nothing is saved, and goes back', () => {
    setup();
    fireEvent.change(screen.getByLabelText('Try other limits: Value'), { target: { value: '30' } });
    // A0002: 2 units worth 40 now meets the value limit of 30; the quantity and percent limits stay 5 and 10.
    expect(within(gridRows()[1]!).getByText('Material')).toBeInTheDocument();
    expect(within(gridRows()[2]!).getByText('Timing')).toBeInTheDocument();
    expect(screen.getByText(ENGLISH.whatIfNotice)).toBeInTheDocument();
    expect(screen.getByText(/Material: 2 differences, absolute value \$440\.00, net value \$-360\.00/)).toBeInTheDocument();
    fireEvent.click(screen.getByText(ENGLISH.whatIfReset));
    expect(within(gridRows()[1]!).getByText('Immaterial')).toBeInTheDocument();
  });

  it('takes 0 as a limit every difference meets, and with every limit blank tries nothing and says why', () => {
    setup();
    for (const label of ['Quantity', 'Percent']) fireEvent.change(screen.getByLabelText(`Try other limits: ${label}`), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('Try other limits: Value'), { target: { value: '0' } });
    expect((screen.getByLabelText('Try other limits: Value') as HTMLInputElement).value).toBe('0');
    expect(within(gridRows()[1]!).getByText('Material')).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Try other limits: Value'), { target: { value: '' } });
    expect(screen.getByText(ENGLISH.whatIfNoLimit)).toBeInTheDocument();
    // Nothing is tried: the stored classifications show, not Immaterial for every line.
    expect(within(gridRows()[0]!).getByText('Material')).toBeInTheDocument();
  });

  it('asks for a sort by the column header, opens a row on double-click or Enter, and loads more', () => {
    const props = setup({ hasMore: true });
    fireEvent.click(screen.getByText('Residual'));
    expect(props.onSort).toHaveBeenCalledWith('ibal_residual', 'ascending');
    fireEvent.doubleClick(gridRows()[0]!);
    fireEvent.keyUp(gridRows()[1]!, { key: 'Enter' });
    expect(props.onOpen).toHaveBeenNthCalledWith(1, 'r1');
    expect(props.onOpen).toHaveBeenNthCalledWith(2, 'r2');
    fireEvent.click(screen.getByText('Load more'));
    expect(props.onLoadMore).toHaveBeenCalled();
  });

  it('reports the selected rows', () => {
    const props = setup();
    fireEvent.click(within(gridRows()[1]!).getByRole('checkbox'));
    expect(props.onSelectionChange).toHaveBeenCalledWith(['r2']);
  });

  it('keeps only the visible rows in the DOM for 10,000 loaded rows', () => {
    const many = Array.from({ length: 10000 }, (_, i) => row(`m${i}`, `I${i}`, 'Material', -6, -60));
    setup({ rows: many, totalCount: 10000 });
    expect(gridRows().length).toBeGreaterThan(5);
    expect(gridRows().length).toBeLessThanOrEqual(100);
  });

  it('says when it is loading, when the view is empty, and when loading failed', () => {
    setup({ rows: [], loading: true });
    expect(screen.getByText(ENGLISH.loading)).toBeInTheDocument();
    document.body.innerHTML = '';
    setup({ rows: [] });
    expect(screen.getByText(ENGLISH.empty)).toBeInTheDocument();
    document.body.innerHTML = '';
    setup({ rows: [], viewTitle: 'Awaiting approval' });
    expect(screen.getByText('Nothing in the view “Awaiting approval”.')).toBeInTheDocument();
    document.body.innerHTML = '';
    setup({ error: 'the server said no' });
    expect(screen.getByText('The differences could not be loaded: the server said no')).toBeInTheDocument();
  });

  it('renders untrusted item codes as text', () => {
    const hostile = '<img src=x onerror="window.__pwned=1">';
    setup({ rows: [row('x1', hostile, 'Material', -9, -90)] });
    expect(screen.getAllByText(hostile)[0]).toBeInTheDocument();
    expect(document.querySelector('img')).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });
});
