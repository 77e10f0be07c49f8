import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLASSIFICATION } from '../../core/dataverse/tables';
import { FIGURE_COLUMNS, columnsOf, ensureFigureColumns, rowsOf, sortDataset, sortOf, stringsOf } from '../../pcf/adapter';
import { ENGLISH } from '../../pcf/components/strings';
import { VarianceGrid } from '../../pcf/index';

type DataSet = ComponentFramework.PropertyTypes.DataSet;
const value = (label: string) => CLASSIFICATION.find((c) => c.label === label)!.value;

/** A dataset shaped like @types/powerapps-component-framework's, holding plain rows. */
function fakeDataset(rows: Array<Record<string, unknown>>, columns: Array<Partial<ComponentFramework.PropertyHelper.DataSetApi.Column>>): DataSet & { added: string[]; refreshed: number } {
  const records = Object.fromEntries(rows.map((r) => [String(r.id), {
    getRecordId: () => String(r.id), getValue: (name: string) => (r[name] ?? null) as never, getFormattedValue: (name: string) => String(r[`${name}@formatted`] ?? r[name] ?? ''),
    getNamedReference: () => ({ id: { guid: String(r.id) }, name: String(r.ibal_name ?? ''), etn: 'ibal_discrepancy' }),
  }]));
  const dataset = {
    added: [] as string[], refreshed: 0, loading: false, error: false, errorMessage: '',
    columns: columns.map((c, i) => ({ name: '', displayName: '', dataType: 'SingleLine.Text', alias: '', order: i, visualSizeFactor: 100, isHidden: false, ...c })),
    records, sortedRecordIds: rows.map((r) => String(r.id)), sorting: [] as ComponentFramework.PropertyHelper.DataSetApi.SortStatus[],
    paging: { totalResultCount: rows.length, hasNextPage: false, loadNextPage: jest.fn() },
    refresh() { this.refreshed += 1; }, addColumn(name: string) { this.added.push(name); },
    setSelectedRecordIds: jest.fn(), getSelectedRecordIds: () => [], openDatasetItem: jest.fn(),
  };
  return dataset as unknown as DataSet & { added: string[]; refreshed: number };
}

const viewColumns = [
  { name: 'ibal_valuevariance', displayName: 'Value', dataType: 'Decimal', order: 2, visualSizeFactor: 110 },
  { name: 'ibal_item', displayName: 'Item', dataType: 'SingleLine.Text', order: 0, visualSizeFactor: 150 },
  { name: 'ibal_residual', displayName: 'Residual', dataType: 'Decimal', order: 1, visualSizeFactor: 90 },
  { name: 'ibal_classification', displayName: 'Classification', dataType: 'OptionSet', order: 3, visualSizeFactor: 140 },
  { name: 'ibal_flags', displayName: 'Flags', dataType: 'SingleLine.Text', order: -1, visualSizeFactor: 0 },
];

describe('PCF adapter', () => {
  it('takes the view\'s columns in the view\'s order and widths, leaving out columns the control added', () => {
    const columns = columnsOf(fakeDataset([], viewColumns));
    expect(columns.map((c) => [c.name, c.kind, c.width])).toEqual([
      ['ibal_item', 'text', 150], ['ibal_residual', 'quantity', 90], ['ibal_valuevariance', 'currency', 110], ['ibal_classification', 'choice', 140]]);
  });

  it('turns records into rows with figures, flags and the classification by its choice value (labels are translated)', () => {
    const dataset = fakeDataset([{ id: 'a', ibal_item: 'A0001', ibal_residual: -8, ibal_valuevariance: -80, ibal_d365qty: 100, ibal_qtyvariance: -8,
      ibal_classification: value('Material'), 'ibal_classification@formatted': 'Wesentlich', ibal_flags: 'audit;no-cost' }], viewColumns);
    const [row] = rowsOf(dataset, 'ibal_classification');
    expect(row).toMatchObject({ id: 'a', classification: 'Material', flags: ['audit', 'no-cost'],
      figures: { d365Qty: 100, qtyVariance: -8, residual: -8, valueVariance: -80 } });
    expect(row!.cells.ibal_classification).toEqual({ value: value('Material'), formatted: 'Wesentlich' });
  });

  it('asks the dataset for the figure columns the view leaves out, once', () => {
    const dataset = fakeDataset([], viewColumns.slice(0, 2));
    expect(ensureFigureColumns(dataset)).toBe(true);
    expect(dataset.added.sort()).toEqual(FIGURE_COLUMNS.filter((c) => c !== 'ibal_valuevariance').sort());
    expect(dataset.refreshed).toBe(1);
  });

  it('offers no rows to select while the view reloads with the figures it lacked (the reload would clear the selection)', () => {
    const dataset = fakeDataset([{ id: 'a', ibal_item: 'A0001', ibal_residual: -8 }], viewColumns.slice(0, 2));
    (dataset as unknown as { refresh(): void }).refresh = () => { (dataset as unknown as { loading: boolean }).loading = true; };
    const control = new VarianceGrid();
    const context = { parameters: { discrepancies: dataset, quantityLimit: { raw: 5 }, percentLimit: { raw: 10 }, valueLimit: { raw: 250 }, highlightColumn: { raw: null } },
      mode: { trackContainerResize: () => undefined, allocatedHeight: 600 }, formatting: {}, resources: { getString: (k: string) => k } } as never;
    control.init(context);
    // The grid's props, as the control hands them to the React grid (inside the theme provider and the figures' wrapper).
    const rowsShown = () => ((control.updateView(context).props as { children: { props: { props(search: string[]): { rows: unknown[] } } } }).children.props.props([]).rows.length);
    expect(rowsShown()).toBe(0);
    expect(dataset.added.length).toBeGreaterThan(0);
    (dataset as unknown as { loading: boolean }).loading = false;
    expect(rowsShown()).toBe(1);
  });

  it('sorts through the dataset and reads its sort back', () => {
    const dataset = fakeDataset([], viewColumns);
    sortDataset(dataset, 'ibal_residual', 'descending');
    expect(dataset.sorting).toEqual([{ name: 'ibal_residual', sortDirection: 1 }]);
    expect(dataset.refreshed).toBe(1);
    expect(sortOf(dataset)).toEqual({ column: 'ibal_residual', direction: 'descending' });
  });

  it('reads the strings from the resources, keeping English where a key is missing', () => {
    const strings = stringsOf({ getString: (key: string) => (key === 'empty' ? 'Keine Abweichungen' : key), getResource: () => undefined } as never);
    expect(strings.empty).toBe('Keine Abweichungen');
    expect(strings.loadMore).toBe(ENGLISH.loadMore);
  });
});

describe('the built control', () => {
  const bundle = join(__dirname, '..', '..', 'out', 'controls', 'bundle.js');
  it('keeps its bundle within 150 KB, React and Fluent being platform libraries (npm test builds it first)', () => {
    expect(existsSync(bundle)).toBe(true);
    expect(statSync(bundle).size).toBeLessThanOrEqual(150 * 1024);
  });
});

describe('the control\'s strings', () => {
  it('has every grid string in English and German', () => {
    const { readFileSync } = jest.requireActual<typeof import('node:fs')>('node:fs');
    for (const lcid of ['1033', '1031']) {
      const resx = readFileSync(join(__dirname, '..', '..', 'pcf', 'strings', `VarianceGrid.${lcid}.resx`), 'utf8');
      for (const key of Object.keys(ENGLISH)) expect(resx).toContain(`<data name="${key}"`);
    }
  });
});
