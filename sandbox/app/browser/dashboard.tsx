/**
 * A system dashboard as the platform draws it: each cell a chart (a savedqueryvisualization) over a view. The
 * chart's aggregate FetchXML runs on the view's rows (the view's filters and links, the chart's attributes and
 * orders), through the Web API, and is drawn with Chart.js as its presentation says (Column, Bar, Line, Pie).
 */
import * as React from 'react';
import { ArcElement, BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PieController, PointElement, Tooltip } from 'chart.js';
import { Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { AppChart, AppDashboard, AppModel } from '../model.js';

Chart.register(ArcElement, BarController, BarElement, CategoryScale, Legend, LinearScale, LineController, LineElement, PieController, PointElement, Tooltip);

const FORMATTED = '@OData.Community.Display.V1.FormattedValue';
const PALETTE = ['#0f6cbd', '#c50f1f', '#107c10', '#8764b8', '#ca5010', '#038387', '#986f0b', '#5c2e91'];

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  row: { display: 'grid', gap: tokens.spacingHorizontalL, gridTemplateColumns: 'repeat(auto-fit, minmax(300px, 1fr))' },
  card: { backgroundColor: tokens.colorNeutralBackground1, border: `1px solid ${tokens.colorNeutralStroke2}`, borderRadius: tokens.borderRadiusMedium,
    padding: tokens.spacingHorizontalM, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, minWidth: 0 },
  canvas: { position: 'relative', height: '260px' },
  empty: { color: tokens.colorNeutralForeground3 },
});

/** The chart's query over the view: the view's entity filters and links, the chart's aggregate attributes and orders. */
export function chartOverView(chartFetch: string, viewFetch: string): string {
  const view = new DOMParser().parseFromString(viewFetch, 'application/xml');
  const chart = new DOMParser().parseFromString(chartFetch, 'application/xml');
  const entity = view.querySelector('fetch > entity')!;
  for (const child of [...entity.children]) if (child.nodeName === 'attribute' || child.nodeName === 'order') child.remove();
  const chartEntity = chart.querySelector('fetch > entity')!;
  for (const child of [...chartEntity.children].reverse()) entity.insertBefore(view.importNode(child, true), entity.firstChild);
  view.documentElement.setAttribute('aggregate', 'true');
  view.documentElement.removeAttribute('distinct');
  return new XMLSerializer().serializeToString(view);
}

type Row = Record<string, unknown>;

function ChartCard({ label, chart, viewFetch, webApi }: { label: string; chart: AppChart; viewFetch: string; webApi: Xrm.WebApi }) {
  const styles = useStyles();
  const canvas = React.useRef<HTMLCanvasElement>(null);
  const [rows, setRows] = React.useState<Row[] | undefined>(undefined);
  const [error, setError] = React.useState<string | undefined>(undefined);
  React.useEffect(() => {
    webApi.retrieveMultipleRecords(chart.table, `?fetchXml=${encodeURIComponent(chartOverView(chart.fetchXml, viewFetch))}`)
      .then((result) => setRows(result.entities as Row[]), (e: Error) => setError(e.message));
  }, [chart, viewFetch, webApi]);
  React.useEffect(() => {
    if (!canvas.current || !rows || rows.length === 0) return undefined;
    const labels = rows.map((r) => String(r[`${chart.category}${FORMATTED}`] ?? r[chart.category] ?? '(none)'));
    const pie = chart.chartType.toLowerCase() === 'pie';
    const type = pie ? 'pie' : chart.chartType === 'Line' ? 'line' : 'bar';
    const horizontal = chart.chartType === 'Bar';
    // A second measure gets its own axis (a count beside a value).
    const datasets = chart.measures.map((measure, i) => ({
      label: measure.replace(/_/g, ' '), data: rows.map((r) => Number(r[measure] ?? 0)),
      backgroundColor: pie ? rows.map((_, j) => PALETTE[j % PALETTE.length]!) : PALETTE[i % PALETTE.length]!,
      ...(pie ? {} : { [horizontal ? 'xAxisID' : 'yAxisID']: i === 0 ? 'first' : 'second' }),
    }));
    const scales = pie ? {} : {
      [horizontal ? 'y' : 'x']: { type: 'category' as const },
      first: { type: 'linear' as const, position: horizontal ? 'bottom' as const : 'left' as const, beginAtZero: true, title: { display: true, text: datasets[0]!.label } },
      ...(datasets.length > 1 ? { second: { type: 'linear' as const, position: horizontal ? 'top' as const : 'right' as const, beginAtZero: true,
        grid: { drawOnChartArea: false }, title: { display: true, text: datasets[1]!.label } } } : {}),
    };
    const instance = new Chart(canvas.current, { type, data: { labels, datasets },
      options: { maintainAspectRatio: false, animation: false, indexAxis: horizontal ? 'y' : 'x', scales } } as never);
    return () => instance.destroy();
  }, [rows, chart]);
  return (
    <section className={styles.card} aria-label={label}>
      <Text weight="semibold">{chart.name}</Text>
      {error ? <Text className={styles.empty}>The chart could not be drawn: {error}</Text>
        : !rows ? <Spinner size="tiny" />
          : rows.length === 0 ? <Text className={styles.empty}>Nothing to chart in this view yet.</Text>
            : <div className={styles.canvas}><canvas ref={canvas} role="img" aria-label={chart.name} /></div>}
    </section>
  );
}

export function DashboardPage({ dashboard, model, webApi }: { dashboard: AppDashboard; model: AppModel; webApi: Xrm.WebApi }) {
  const styles = useStyles();
  return (
    <div className={styles.page}>
      {dashboard.sections.map((cells, i) => (
        <div key={i} className={styles.row}>
          {cells.map((cell) => {
            const chart = model.charts[cell.chartId];
            const view = model.tables[cell.table]?.viewsById[cell.viewId];
            return chart && view ? <ChartCard key={cell.chartId} label={cell.label} chart={chart} viewFetch={view.fetchXml} webApi={webApi} />
              : <Text key={cell.chartId}>{cell.label}: the chart or its view is not in the solution.</Text>;
          })}
        </div>
      ))}
    </div>
  );
}
