/** The runs page's trend across runs, drawn with Chart.js: Material count and value per run, and reasons found. */
import * as React from 'react';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { makeStyles, tokens } from '@fluentui/react-components';

Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);

export interface TrendPoint { run: string; material: number; materialValue: number; reasons: Record<string, number> }

const useStyles = makeStyles({
  charts: { display: 'grid', gridTemplateColumns: '1fr 1fr', gap: tokens.spacingHorizontalL, height: '260px', marginBottom: tokens.spacingVerticalL },
  chart: { position: 'relative', minWidth: 0, backgroundColor: tokens.colorNeutralBackground1, border: `1px solid ${tokens.colorNeutralStroke2}`, borderRadius: tokens.borderRadiusMedium, padding: tokens.spacingHorizontalS },
});

const PALETTE = ['#0f6cbd', '#c50f1f', '#8764b8', '#107c10', '#ca5010', '#038387', '#986f0b', '#5c2e91'];

function useChart(canvas: React.RefObject<HTMLCanvasElement>, config: () => ConstructorParameters<typeof Chart>[1], deps: unknown[]) {
  React.useEffect(() => {
    if (!canvas.current) return undefined;
    const chart = new Chart(canvas.current, config());
    return () => chart.destroy();
  }, deps);
}

export function TrendCharts({ points }: { points: TrendPoint[] }) {
  const styles = useStyles();
  const material = React.useRef<HTMLCanvasElement>(null);
  const reasons = React.useRef<HTMLCanvasElement>(null);
  const labels = points.map((p) => p.run);
  useChart(material, () => ({
    type: 'bar',
    data: { labels, datasets: [
      { type: 'bar', label: 'Material differences', data: points.map((p) => p.material), backgroundColor: '#c50f1f99', yAxisID: 'count' },
      { type: 'line', label: 'Material value (absolute)', data: points.map((p) => p.materialValue), borderColor: '#0f6cbd', backgroundColor: '#0f6cbd', yAxisID: 'value' },
    ] },
    options: { maintainAspectRatio: false, animation: false, plugins: { title: { display: false } },
      scales: { count: { type: 'linear', position: 'left', beginAtZero: true, title: { display: true, text: 'Material' } },
        value: { type: 'linear', position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'Value' } } } },
  }), [JSON.stringify(points)]);
  const reasonNames = [...new Set(points.flatMap((p) => Object.keys(p.reasons)))].sort();
  useChart(reasons, () => ({
    type: 'bar',
    data: { labels, datasets: reasonNames.map((reason, i) => ({ label: reason, data: points.map((p) => p.reasons[reason] ?? 0), backgroundColor: PALETTE[i % PALETTE.length] })) },
    options: { maintainAspectRatio: false, animation: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'Lines by reason' } } } },
  }), [JSON.stringify(points)]);
  return (
    <div className={styles.charts}>
      <div className={styles.chart}><canvas ref={material} aria-label="Material differences and value per run" role="img" /></div>
      <div className={styles.chart}><canvas ref={reasons} aria-label="Reviewed lines by reason per run" role="img" /></div>
    </div>
  );
}
