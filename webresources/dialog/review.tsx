/**
 * The review dialog page (an HTML web resource opened by Xrm.Navigation.navigateTo): counted quantities, a reason and
 * a comment, or finance's confirmation of a posting's whole impact. It only collects input: the handler that opened
 * it decides and writes. The answer goes back as the window's returnValue when the dialog closes.
 */
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import {
  Button, Dropdown, Field, FluentProvider, Input, Option, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, Textarea,
  makeStyles, mergeClasses, tokens, webLightTheme,
} from '@fluentui/react-components';
import { REASON_CODES, type ReasonCode } from '../../core/workflow.js';
import type { Impact } from '../../core/corrections.js';
import type { DialogRequest, DialogResult } from './contract.js';

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', height: '100%', boxSizing: 'border-box', padding: tokens.spacingHorizontalL, gap: tokens.spacingVerticalM },
  body: { flexGrow: 1, overflowY: 'auto', display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  footer: { display: 'flex', justifyContent: 'flex-end', gap: tokens.spacingHorizontalS },
  number: { textAlign: 'right', fontVariantNumeric: 'tabular-nums' },
  // A header cell lays its label out in a flex box: push it to the right over the numbers.
  numberHeader: { '& > *': { justifyContent: 'flex-end', width: '100%' } },
  negative: { color: tokens.colorPaletteRedForeground1 },
});

const quantity = (n: number) => n.toLocaleString(undefined, { maximumFractionDigits: 6 });
const money = (n: number) => n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function close(result: DialogResult | undefined): void {
  (window as Window & { returnValue?: string }).returnValue = result === undefined ? undefined : JSON.stringify(result);
  window.close();
}

function ImpactTable({ title, rows }: { title: string; rows: Array<[string, Impact]> }) {
  const styles = useStyles();
  return (
    <Table size="small" aria-label={title}>
      <TableHeader>
        <TableRow>
          <TableHeaderCell>{title}</TableHeaderCell>
          <TableHeaderCell className={styles.numberHeader}>Lines</TableHeaderCell>
          <TableHeaderCell className={styles.numberHeader}>Quantity</TableHeaderCell>
          <TableHeaderCell className={styles.numberHeader}>Value (absolute)</TableHeaderCell>
          <TableHeaderCell className={styles.numberHeader}>Value (net)</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map(([name, impact]) => (
          <TableRow key={name}>
            <TableCell>{name}</TableCell>
            <TableCell className={styles.number}>{impact.lines.toLocaleString()}</TableCell>
            <TableCell className={styles.number}>{quantity(impact.quantity)}</TableCell>
            <TableCell className={styles.number}>{money(impact.absoluteValue)}</TableCell>
            <TableCell className={mergeClasses(styles.number, impact.netValue < 0 && styles.negative)}>{money(impact.netValue)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function ReasonPicker({ value, onChange, required }: { value: ReasonCode | undefined; onChange: (r: ReasonCode) => void; required: boolean }) {
  return (
    <Field label="Reason" required={required}>
      <Dropdown placeholder="Choose a reason" value={value ?? ''} selectedOptions={value ? [value] : []}
        onOptionSelect={(_, data) => onChange(data.optionValue as ReasonCode)}>
        {REASON_CODES.map((r) => <Option key={r} value={r}>{r}</Option>)}
      </Dropdown>
    </Field>
  );
}

export function ReviewDialog({ request }: { request: DialogRequest }) {
  const styles = useStyles();
  const [reason, setReason] = React.useState<ReasonCode | undefined>(undefined);
  const [comment, setComment] = React.useState('');
  const [counts, setCounts] = React.useState<Record<string, string>>(() => request.kind === 'recordCount'
    ? Object.fromEntries(request.rows.map((r) => [r.id, r.countedQty === null ? '' : String(r.countedQty)])) : {});

  let body: React.ReactNode;
  let result: DialogResult | undefined;
  let action = 'OK';
  switch (request.kind) {
    case 'recordCount': {
      const entered = Object.entries(counts).filter(([, v]) => v.trim() !== '' && Number.isFinite(Number(v)) && Number(v) >= 0);
      const invalid = Object.values(counts).some((v) => v.trim() !== '' && !(Number.isFinite(Number(v)) && Number(v) >= 0));
      result = entered.length > 0 && !invalid ? { kind: 'recordCount', counts: Object.fromEntries(entered.map(([id, v]) => [id, Number(v)])) } : undefined;
      action = 'Record counts';
      body = (
        <Table size="small" aria-label="Counted quantities">
          <TableHeader><TableRow><TableHeaderCell>Discrepancy</TableHeaderCell><TableHeaderCell className={styles.numberHeader}>D365 quantity</TableHeaderCell><TableHeaderCell>Counted</TableHeaderCell></TableRow></TableHeader>
          <TableBody>
            {request.rows.map((r) => (
              <TableRow key={r.id}>
                <TableCell>{r.name}</TableCell>
                <TableCell className={styles.number}>{quantity(r.d365Qty)}</TableCell>
                <TableCell>
                  <Input type="number" min={0} aria-label={`Counted quantity of ${r.name}`} value={counts[r.id] ?? ''}
                    onChange={(_, data) => setCounts((c) => ({ ...c, [r.id]: data.value }))} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      );
      break;
    }
    case 'approve': {
      const needsComment = request.correctionValue > request.confirmAboveValue;
      result = reason && (!needsComment || comment.trim() !== '') ? { kind: 'approve', reasonCode: reason, comment } : undefined;
      action = `Approve ${request.lines.toLocaleString()}`;
      body = (
        <>
          <Text>{request.lines.toLocaleString()} selected; corrections worth {money(request.correctionValue)} in all.</Text>
          <ReasonPicker value={reason} onChange={setReason} required />
          <Field label="Comment" required={needsComment}
            hint={needsComment ? `Corrections above ${money(request.confirmAboveValue)} need a comment to confirm them.` : undefined}>
            <Textarea value={comment} onChange={(_, data) => setComment(data.value)} />
          </Field>
        </>
      );
      break;
    }
    case 'reject':
    case 'explain':
      result = request.kind === 'explain' || comment.trim() !== '' ? { kind: request.kind, ...(reason ? { reasonCode: reason } : {}), comment } : undefined;
      action = request.kind === 'reject' ? `Reject ${request.lines.toLocaleString()}` : `Mark ${request.lines.toLocaleString()} explained`;
      body = (
        <>
          <ReasonPicker value={reason} onChange={setReason} required={false} />
          <Field label="Comment" required={request.kind === 'reject'} hint={request.kind === 'reject' ? 'Say why, for the controller who counted.' : undefined}>
            <Textarea value={comment} onChange={(_, data) => setComment(data.value)} />
          </Field>
        </>
      );
      break;
    case 'confirmPost':
      result = { kind: 'confirmPost', confirmed: true };
      action = `Post ${request.total.lines.toLocaleString()} corrections`;
      body = (
        <>
          <Text weight="semibold">
            {request.total.lines.toLocaleString()} corrections, quantity {quantity(request.total.quantity)}, value {money(request.total.absoluteValue)} (net {money(request.total.netValue)}).
          </Text>
          <Text>{request.path === 'd365-journal'
            ? `They go to D365 as ${request.journalType === 'counting' ? 'a counting journal (it sets on-hand to the counts)' : 'an inventory adjustment journal'}, imported through data management.`
            : 'They go to Inventory Visibility, which creates inventory adjustment journals in D365 for these amounts.'}</Text>
          <ImpactTable title="Warehouse" rows={Object.entries(request.byWarehouse)} />
          <ImpactTable title="Reason" rows={Object.entries(request.byReason)} />
        </>
      );
      break;
  }
  return (
    <div className={styles.page}>
      <div className={styles.body}>{body}</div>
      <div className={styles.footer}>
        <Button appearance="primary" disabled={result === undefined} onClick={() => close(result)}>{action}</Button>
        <Button onClick={() => close(undefined)}>Cancel</Button>
      </div>
    </div>
  );
}

/** The request comes in the page's `data` query parameter, as navigateTo passes it. */
export function requestFromLocation(search: string): DialogRequest {
  const data = new URLSearchParams(search).get('data');
  if (!data) throw new Error('The review dialog was opened without its data parameter.');
  return JSON.parse(data) as DialogRequest;
}

const root = typeof document === 'undefined' ? null : document.getElementById('root');
if (root) {
  ReactDOM.render(<FluentProvider theme={webLightTheme}><ReviewDialog request={requestFromLocation(window.location.search)} /></FluentProvider>, root);
}
