/**
 * A form panel (an HTML web resource on a form, passed the record's id and type, and `data` naming the panel):
 * - `history` on a discrepancy: the same key in earlier runs (how long it stayed unbalanced, its residuals) and every
 *   review step, who and when: the stamped columns and the review requests that named the line.
 * - `batchTotals` on a posting batch: its lines' impact by warehouse and by reason, as finance confirmed it.
 * It reads through the form's Web API (parent.Xrm, as form web resources do) and changes nothing.
 */
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import {
  FluentProvider, MessageBar, MessageBarBody, Spinner, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, tokens, webLightTheme,
} from '@fluentui/react-components';
import { batchImpact } from '../../core/corrections.js';
import { DISCREPANCY_SELECT, bareId, toDiscrepancyRow } from '../../core/dataverse/rows.js';
import { discrepancy, postingBatch, reviewRequest } from '../../core/dataverse/tables.js';
import { ImpactTable, money, quantity } from './impact-table.js';

type Row = Record<string, unknown>;
const FORMATTED = '@OData.Community.Display.V1.FormattedValue';
const D = discrepancy.columns;
const R = reviewRequest.columns;

const useStyles = makeStyles({
  page: { padding: tokens.spacingHorizontalS, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, fontFamily: tokens.fontFamilyBase },
  number: { textAlign: 'right', fontVariantNumeric: 'tabular-nums' },
  current: { fontWeight: tokens.fontWeightSemibold },
});

const webApi = (): Xrm.WebApi => ((window.parent as unknown as { Xrm?: typeof Xrm }).Xrm ?? (window as unknown as { Xrm: typeof Xrm }).Xrm).WebApi;
const shown = (row: Row, name: string): string => String(row[`${name}${FORMATTED}`] ?? row[name] ?? '');
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

async function all(table: string, options: string): Promise<Row[]> {
  const rows: Row[] = [];
  let page = await webApi().retrieveMultipleRecords(table, options, 5000);
  rows.push(...(page.entities as Row[]));
  while (page.nextLink) { page = await webApi().retrieveMultipleRecords(table, page.nextLink, 5000); rows.push(...(page.entities as Row[])); }
  return rows;
}

interface HistoryData { current: Row; runs: Row[]; steps: Array<{ when: string; who: string; what: string }> }

async function readHistory(id: string): Promise<HistoryData> {
  const n = (c: { logicalName: string }) => c.logicalName;
  const current = await webApi().retrieveRecord(discrepancy.logicalName, id, `?$select=${[n(D.keyHash), n(D.company), n(D.requestedOn), n(D.countedOn), n(D.decidedOn),
    n(D.countedQty), n(D.reviewStatus), `_${n(D.requestedBy)}_value`, `_${n(D.countedBy)}_value`, `_${n(D.decidedBy)}_value`].join(',')}`) as Row;
  const runs = await all(discrepancy.logicalName, `?$select=${[n(D.residual), n(D.valueVariance), n(D.classification), n(D.reviewStatus), n(D.runsUnbalanced),
    n(D.countedQty), `_${n(D.run)}_value`, 'createdon'].join(',')}&$filter=${n(D.keyHash)} eq ${literal(String(current[n(D.keyHash)]))} and ${n(D.company)} eq ${literal(String(current[n(D.company)]))}&$orderby=createdon desc`);
  const requests = await all(reviewRequest.logicalName, `?$select=${[reviewRequest.primaryName.logicalName, n(R.action), n(R.requestStatus), n(R.processedOn), n(R.outcome), 'createdon', '_createdby_value'].join(',')}`
    + `&$filter=contains(${n(R.discrepancies)},${literal(id)})&$orderby=createdon asc`);
  const steps: HistoryData['steps'] = [];
  const stamp = (on: string, by: string, what: string) => {
    const when = shown(current, on);
    if (when) steps.push({ when: String(current[on]), who: shown(current, `_${by}_value`) || '(not visible to you)', what });
  };
  stamp(n(D.requestedOn), n(D.requestedBy), 'Count requested');
  stamp(n(D.countedOn), n(D.countedBy), `Counted: ${shown(current, n(D.countedQty))}`);
  stamp(n(D.decidedOn), n(D.decidedBy), 'Approved or rejected');
  for (const r of requests) {
    steps.push({ when: String(r.createdon), who: shown(r, '_createdby_value'),
      what: `Asked: ${shown(r, n(R.action))} — ${shown(r, n(R.requestStatus))}${r[n(R.outcome)] ? `: ${String(r[n(R.outcome)]).split('\n')[0]}` : ''}` });
  }
  steps.sort((a, b) => a.when.localeCompare(b.when));
  // Newest run first (run numbers carry the D365 as-of time).
  runs.sort((a, b) => shown(b, `_${n(D.run)}_value`).localeCompare(shown(a, `_${n(D.run)}_value`)));
  return { current: { ...current, id }, runs, steps };
}

function History({ id }: { id: string }) {
  const styles = useStyles();
  const [data, setData] = React.useState<HistoryData | undefined>(undefined);
  const [error, setError] = React.useState<string | undefined>(undefined);
  React.useEffect(() => { readHistory(id).then(setData, (e: Error) => setError(e.message)); }, [id]);
  if (error) return <MessageBar intent="error"><MessageBarBody>The history could not be read: {error}</MessageBarBody></MessageBar>;
  if (!data) return <Spinner size="tiny" label="Reading the history…" />;
  const n = (c: { logicalName: string }) => c.logicalName;
  const earlier = data.runs.length - 1;
  return (
    <div className={styles.page}>
      <Text weight="semibold">{earlier === 0 ? 'This key differs in this run only.' : `This key differed in ${earlier} earlier ${earlier === 1 ? 'run' : 'runs'} too.`}</Text>
      <Table size="small" aria-label="Runs of this key">
        <TableHeader><TableRow>
          <TableHeaderCell>Run</TableHeaderCell><TableHeaderCell>Classification</TableHeaderCell><TableHeaderCell>Residual</TableHeaderCell>
          <TableHeaderCell>Value</TableHeaderCell><TableHeaderCell>Runs unbalanced</TableHeaderCell><TableHeaderCell>Review status</TableHeaderCell>
        </TableRow></TableHeader>
        <TableBody>
          {data.runs.map((run) => (
            <TableRow key={String(run[discrepancy.primaryId])} className={bareId(String(run[discrepancy.primaryId])) === bareId(id) ? styles.current : undefined}>
              <TableCell>{shown(run, `_${n(D.run)}_value`)}</TableCell>
              <TableCell>{shown(run, n(D.classification))}</TableCell>
              <TableCell className={styles.number}>{quantity(Number(run[n(D.residual)] ?? 0))}</TableCell>
              <TableCell className={styles.number}>{money(Number(run[n(D.valueVariance)] ?? 0))}</TableCell>
              <TableCell className={styles.number}>{String(run[n(D.runsUnbalanced)] ?? '')}</TableCell>
              <TableCell>{shown(run, n(D.reviewStatus))}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Table size="small" aria-label="Review steps">
        <TableHeader><TableRow><TableHeaderCell>When</TableHeaderCell><TableHeaderCell>Who</TableHeaderCell><TableHeaderCell>What</TableHeaderCell></TableRow></TableHeader>
        <TableBody>
          {data.steps.length === 0 ? <TableRow><TableCell>—</TableCell><TableCell>—</TableCell><TableCell>Not reviewed yet</TableCell></TableRow> : null}
          {data.steps.map((step, i) => (
            <TableRow key={i}><TableCell>{new Date(step.when).toLocaleString()}</TableCell><TableCell>{step.who}</TableCell><TableCell>{step.what}</TableCell></TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}

function BatchTotals({ id }: { id: string }) {
  const styles = useStyles();
  const [impact, setImpact] = React.useState<ReturnType<typeof batchImpact> | undefined>(undefined);
  const [hidden, setHidden] = React.useState(0);
  const [error, setError] = React.useState<string | undefined>(undefined);
  React.useEffect(() => {
    all(discrepancy.logicalName, `?$select=${DISCREPANCY_SELECT}&$filter=_${D.postingBatch.logicalName}_value eq ${bareId(id)}`).then((raw) => {
      const rows = raw.map(toDiscrepancyRow);
      // The correction quantity is for approvers (column security): lines it is hidden on cannot be totalled here.
      const visible = rows.filter((r) => r.correction.correctionQty !== null);
      setHidden(rows.length - visible.length);
      setImpact(batchImpact(visible.map((r) => ({ ...r.correction, correctionQty: r.correction.correctionQty!, reasonCode: r.correction.reasonCode ?? 'Unknown',
        approvedOn: r.correction.approvedOn ?? '' }))));
    }, (e: Error) => setError(e.message));
  }, [id]);
  if (error) return <MessageBar intent="error"><MessageBarBody>The batch's lines could not be read: {error}</MessageBarBody></MessageBar>;
  if (!impact) return <Spinner size="tiny" label="Totalling the batch…" />;
  return (
    <div className={styles.page}>
      {hidden > 0 ? <MessageBar intent="info"><MessageBarBody>{hidden} lines' corrections are visible to approvers only and are not in these totals.</MessageBarBody></MessageBar> : null}
      <ImpactTable title="Warehouse" rows={Object.entries(impact.byWarehouse).sort(([a], [b]) => a.localeCompare(b))} total={impact.total} />
      <ImpactTable title="Reason" rows={Object.entries(impact.byReason).sort(([a], [b]) => a.localeCompare(b))} total={impact.total} />
    </div>
  );
}

const root = typeof document === 'undefined' ? null : document.getElementById('root');
if (root) {
  const params = new URLSearchParams(window.location.search);
  const id = bareId(params.get('id') ?? '');
  const panel = params.get('data') === 'batchTotals' && params.get('typename') === postingBatch.logicalName ? <BatchTotals id={id} /> : <History id={id} />;
  ReactDOM.render(<FluentProvider theme={webLightTheme}>{panel}</FluentProvider>, root);
}
