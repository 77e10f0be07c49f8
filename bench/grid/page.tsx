/**
 * The benchmark page: the real VarianceGrid with N generated rows (?rows=N). It records when the first grid row is
 * painted, for bench/grid-bench.ts to read.
 */
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { VarianceGrid } from '../../pcf/components/VarianceGrid';
import { ENGLISH } from '../../pcf/components/strings';
import type { GridColumn, GridRow } from '../../pcf/components/model';

const count = Number(new URLSearchParams(location.search).get('rows') ?? 10000);
const columns: GridColumn[] = [['ibal_item', 'Item', 'text'], ['ibal_warehouse', 'Warehouse', 'text'], ['ibal_d365qty', 'D365 qty', 'quantity'],
  ['ibal_wmsqty', 'WMS qty', 'quantity'], ['ibal_residual', 'Residual', 'quantity'], ['ibal_valuevariance', 'Value', 'currency'],
  ['ibal_classification', 'Classification', 'choice'], ['ibal_flags', 'Flags', 'text']].map(([name, displayName, kind]) => ({ name: name!, displayName: displayName!, kind: kind as GridColumn['kind'], width: 130 }));
const labels = ['Material', 'Timing', 'Immaterial'] as const;
const rows: GridRow[] = Array.from({ length: count }, (_, i) => {
  const residual = (i % 23) - 11;
  const cell = (value: unknown) => ({ value, formatted: String(value) });
  return { id: `r${i}`, classification: labels[i % 3], flags: i % 17 === 0 ? ['audit'] : [],
    figures: { d365Qty: 100 + (i % 50), qtyVariance: residual, residual, valueVariance: residual * 12.5 },
    cells: { ibal_item: cell(`IT${String(i).padStart(6, '0')}`), ibal_warehouse: cell(String(11 + (i % 3))), ibal_d365qty: cell(100 + (i % 50)),
      ibal_wmsqty: cell(100 + (i % 50) + residual), ibal_residual: cell(residual), ibal_valuevariance: cell(residual * 12.5),
      ibal_classification: cell(labels[i % 3]), ibal_flags: cell(i % 17 === 0 ? 'audit' : '') } };
});
const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });
const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

function Page(): JSX.Element {
  React.useEffect(() => {
    // After React commits the first render, the next frame is the first paint of the rows.
    requestAnimationFrame(() => { (window as unknown as { firstPaint: number }).firstPaint = performance.now(); });
  }, []);
  return (
    <FluentProvider theme={webLightTheme}>
      <VarianceGrid columns={columns} rows={rows} totalCount={count} hasMore={false} loading={false} error={undefined} highlightColumn="ibal_classification"
        defaultLimits={{ quantity: 5, percent: 10, value: 250 }} sort={undefined} selectedIds={new Set()} height={600}
        format={{ quantity: (n) => numberFormat.format(n), currency: (n) => money.format(n), number: (n) => numberFormat.format(n) }}
        strings={ENGLISH} onSort={() => undefined} onSelectionChange={() => undefined} onOpen={() => undefined} onLoadMore={() => undefined} />
    </FluentProvider>
  );
}

ReactDOM.render(<Page />, document.getElementById('root'));
