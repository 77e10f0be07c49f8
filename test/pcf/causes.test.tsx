/** @jest-environment jsdom */
import * as React from 'react';
import '@testing-library/jest-dom';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { CAUSES, CAUSE_INFO } from '../../core/causes';
import { LIKELY_CAUSE } from '../../core/dataverse/tables';
import { causeFilterOf, canFilter, filterByCause, rowsOf } from '../../pcf/adapter';
import { VarianceGrid, type VarianceGridProps } from '../../pcf/components/VarianceGrid';
import type { GridColumn, GridRow } from '../../pcf/components/model';
import { ENGLISH } from '../../pcf/components/strings';

type DataSet = ComponentFramework.PropertyTypes.DataSet;
type FilterExpression = ComponentFramework.PropertyHelper.DataSetApi.FilterExpression;
const choiceOf = (cause: (typeof CAUSES)[number]) => LIKELY_CAUSE[CAUSES.indexOf(cause)]!.value;

const columns: GridColumn[] = [
  { name: 'ibal_item', displayName: 'Item', kind: 'text', width: 120 },
  { name: 'ibal_classification', displayName: 'Classification', kind: 'choice', width: 300 },
];
const causeColumn: GridColumn = { name: 'ibal_likelycause', displayName: 'Likely cause', kind: 'choice', width: 160 };

const evidence = 'WMS 120 = D365 10 × 12 (1 CS = 12 EA for all items): D365 holds CS where the WMS counts EA, or the WMS converted twice (high confidence)';
function row(id: string, item: string, cause?: GridRow['cause']): GridRow {
  return {
    id, classification: 'Material', flags: [], cause,
    figures: { d365Qty: 10, qtyVariance: 110, residual: 110, valueVariance: 220 },
    cells: { ibal_item: { value: item, formatted: item }, ibal_classification: { value: 1, formatted: 'Material' } },
  };
}
const rows = [row('r1', 'CASED1', { cause: 'uom-factor', label: 'Unit of measure factor', evidence }), row('r2', 'PLAIN')];

function setup(overrides: Partial<VarianceGridProps> = {}) {
  const props: VarianceGridProps = {
    columns, rows, totalCount: 2, hasMore: false, loading: false, error: undefined, highlightColumn: 'ibal_classification',
    defaultLimits: { quantity: 5 }, sort: undefined, selectedIds: new Set(),
    format: { quantity: String, currency: String, number: String }, strings: ENGLISH, height: 300,
    onSort: jest.fn(), onSelectionChange: jest.fn(), onOpen: jest.fn(), onLoadMore: jest.fn(), ...overrides,
  };
  render(<FluentProvider theme={webLightTheme}><VarianceGrid {...props} /></FluentProvider>);
  return props;
}
const gridRows = () => screen.getAllByRole('row').filter((r) => r.getAttribute('data-row-id') !== null);

describe('VarianceGrid: likely causes', () => {
  beforeEach(() => { document.body.innerHTML = ''; });

  it('shows the cause as a badge whose tooltip gives the evidence and what to check', () => {
    jest.useFakeTimers();
    try {
      setup({ columns: [...columns, causeColumn] });
      const badge = within(gridRows()[0]!).getByText('Unit of measure factor');
      expect(within(gridRows()[1]!).queryByText('Unit of measure factor')).toBeNull();
      act(() => { fireEvent.focus(badge); jest.runAllTimers(); });
      const tooltip = screen.getByRole('tooltip');
      expect(tooltip).toHaveTextContent(evidence);
      expect(tooltip).toHaveTextContent(`What to check: ${CAUSE_INFO['uom-factor'].check}`);
    } finally {
      jest.useRealTimers();
    }
  });

  it('puts the badge beside the classification when the view has no cause column, and never twice', () => {
    setup();
    expect(within(gridRows()[0]!).getAllByText('Unit of measure factor')).toHaveLength(1);
    document.body.innerHTML = '';
    setup({ columns: [...columns, causeColumn] });
    expect(within(gridRows()[0]!).getAllByText('Unit of measure factor')).toHaveLength(1);
  });

  it('filters by cause through the host, and offers every cause and rows without one', () => {
    const onChange = jest.fn();
    setup({ causeFilter: { value: undefined, onChange } });
    const select = screen.getByLabelText(ENGLISH.causeFilter) as HTMLSelectElement;
    expect([...select.options].map((o) => o.text)).toEqual([ENGLISH.causeAll, ...CAUSES.map((c) => CAUSE_INFO[c].label), ENGLISH.causeNone]);
    fireEvent.change(select, { target: { value: 'bin-move' } });
    fireEvent.change(select, { target: { value: 'none' } });
    fireEvent.change(select, { target: { value: '' } });
    expect(onChange.mock.calls).toEqual([['bin-move'], ['none'], [undefined]]);
  });

  it('has no filter where the host cannot filter', () => {
    setup();
    expect(screen.queryByLabelText(ENGLISH.causeFilter)).toBeNull();
  });
});

/** A dataset with the PCF filtering API, holding one record. */
function dataset(record: Record<string, unknown>, filtering = true): DataSet & { refreshed: number; filter: FilterExpression | undefined } {
  const host = {
    refreshed: 0, filter: undefined as FilterExpression | undefined,
    columns: [], sortedRecordIds: ['a'],
    records: { a: { getRecordId: () => 'a', getValue: (name: string) => (record[name] ?? null) as never,
      getFormattedValue: (name: string) => String(record[`${name}@formatted`] ?? '') } },
    refresh() { host.refreshed += 1; },
    ...(filtering ? { filtering: { getFilter: () => host.filter, setFilter: (e: FilterExpression) => { host.filter = e; }, clearFilter: () => { host.filter = undefined; } } } : {}),
  };
  return host as unknown as DataSet & { refreshed: number; filter: FilterExpression | undefined };
}

describe('PCF adapter: likely causes', () => {
  it('reads the cause from its choice value, with the platform\'s label and the evidence', () => {
    const [shown] = rowsOf(dataset({ ibal_likelycause: choiceOf('persistent'), 'ibal_likelycause@formatted': 'Dauerhaft', ibal_causeevidence: 'residual -9 …' }), 'ibal_classification');
    expect(shown!.cause).toEqual({ cause: 'persistent', label: 'Dauerhaft', evidence: 'residual -9 …' });
    const [none] = rowsOf(dataset({}), 'ibal_classification');
    expect(none!.cause).toBeUndefined();
  });

  it('filters the dataset on a cause\'s choice value, on an empty cause, or not at all, and reloads each time', () => {
    const ds = dataset({});
    filterByCause(ds, 'sign-flip');
    expect(ds.filter).toEqual({ filterOperator: 0, conditions: [{ attributeName: 'ibal_likelycause', conditionOperator: 0, value: String(choiceOf('sign-flip')) }] });
    expect(causeFilterOf(ds)).toBe('sign-flip');
    filterByCause(ds, 'none');
    expect(ds.filter!.conditions[0]).toMatchObject({ attributeName: 'ibal_likelycause', conditionOperator: 12 });
    expect(causeFilterOf(ds)).toBe('none');
    filterByCause(ds, undefined);
    expect([ds.filter, causeFilterOf(ds), ds.refreshed]).toEqual([undefined, undefined, 3]);
  });

  it('leaves a dataset that cannot filter alone', () => {
    const ds = dataset({}, false);
    expect(canFilter(ds)).toBe(false);
    filterByCause(ds, 'sign-flip');
    expect([ds.refreshed, causeFilterOf(ds)]).toEqual([0, undefined]);
  });
});
