/**
 * The review dialog page (an HTML web resource opened by Xrm.Navigation.navigateTo): counted quantities, a reason and
 * a comment, or finance's confirmation of a posting's whole impact. It only collects input: the handler that opened
 * it decides and writes. The answer goes back as the window's returnValue when the dialog closes.
 */
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import {
  Button, Field, FluentProvider, Input, MessageBar, MessageBarBody, Select, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, Textarea,
  makeStyles, mergeClasses, tokens, webLightTheme,
} from '@fluentui/react-components';
import { REASON_CODES, type ReasonCode } from '../../core/workflow.js';
import type { DialogRequest, DialogResult } from './contract.js';
import { ImpactTable, money, quantity } from './impact-table.js';

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', height: '100%', boxSizing: 'border-box', padding: tokens.spacingHorizontalL, gap: tokens.spacingVerticalM },
  body: { flexGrow: 1, overflowY: 'auto', display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  footer: { display: 'flex', justifyContent: 'flex-end', gap: tokens.spacingHorizontalS },
  number: { textAlign: 'right', fontVariantNumeric: 'tabular-nums' },
  // A header cell lays its label out in a flex box: push it to the right over the numbers.
  numberHeader: { '& > *': { justifyContent: 'flex-end', width: '100%' } },
  negative: { color: tokens.colorPaletteRedForeground1 },
  // The counts table fits the dialog: names truncate, the quantity and the input keep their width.
  counts: { tableLayout: 'fixed', width: '100%' },
  nameCell: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  quantityColumn: { width: '120px' },
  countColumn: { width: '140px' },
  countInput: { width: '120px', minWidth: 0 },
});


function close(result: DialogResult | undefined): void {
  (window as Window & { returnValue?: string }).returnValue = result === undefined ? undefined : JSON.stringify(result);
  window.close();
}

/** A native list: its options open outside the dialog's frame, so none is cut off however small the dialog. */
function ReasonPicker({ value, onChange, required }: { value: ReasonCode | undefined; onChange: (r: ReasonCode | undefined) => void; required: boolean }) {
  return (
    <Field label="Reason" required={required}>
      <Select value={value ?? ''} onChange={(_, data) => onChange(data.value === '' ? undefined : data.value as ReasonCode)}>
        <option value="">Choose a reason</option>
        {REASON_CODES.map((r) => <option key={r} value={r}>{r}</option>)}
      </Select>
    </Field>
  );
}

export function ReviewDialog({ request }: { request: DialogRequest }) {
  const styles = useStyles();
  const [reason, setReason] = React.useState<ReasonCode | undefined>(undefined);
  const [comment, setComment] = React.useState('');
  const [counts, setCounts] = React.useState<Record<string, string>>(() => request.kind === 'recordCount'
    ? Object.fromEntries(request.rows.map((r) => [r.id, r.countedQty === null ? '' : String(r.countedQty)])) : {});

  // Esc closes the dialog as Cancel does (the page runs in its own frame, where the host's Esc does not reach).
  React.useEffect(() => {
    const onKey = (event: KeyboardEvent) => { if (event.key === 'Escape') close(undefined); };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
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
        <Table size="small" aria-label="Counted quantities" className={styles.counts}>
          <TableHeader><TableRow><TableHeaderCell>Discrepancy</TableHeaderCell>
            <TableHeaderCell className={mergeClasses(styles.numberHeader, styles.quantityColumn)}>D365 quantity</TableHeaderCell>
            <TableHeaderCell className={styles.countColumn}>Counted</TableHeaderCell></TableRow></TableHeader>
          <TableBody>
            {request.rows.map((r, i) => (
              <TableRow key={r.id}>
                <TableCell className={styles.nameCell} title={r.name}>{r.name}</TableCell>
                <TableCell className={styles.number}>{quantity(r.d365Qty)}{r.unit ? ` ${r.unit}` : ''}</TableCell>
                <TableCell>
                  <Input className={styles.countInput} input={{ className: styles.countInput }} type="number" min={0} aria-label={`Counted quantity of ${r.name}`}
                    value={counts[r.id] ?? ''} autoFocus={i === 0} onChange={(_, data) => setCounts((c) => ({ ...c, [r.id]: data.value }))} />
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
    case 'explain': {
      const commentRequired = request.kind === 'reject' || request.commentRequired === true;
      result = !commentRequired || comment.trim() !== '' ? { kind: request.kind, ...(reason ? { reasonCode: reason } : {}), comment } : undefined;
      action = request.kind === 'reject' ? `Reject ${request.lines.toLocaleString()}` : `Mark ${request.lines.toLocaleString()} explained`;
      body = (
        <>
          <ReasonPicker value={reason} onChange={setReason} required={false} />
          <Field label="Comment" required={commentRequired} hint={request.kind === 'reject' ? 'Say why, for the controller who counted.'
            : commentRequired ? 'Say how D365 was corrected for the lines whose journal failed.' : undefined}>
            <Textarea value={comment} onChange={(_, data) => setComment(data.value)} />
          </Field>
        </>
      );
      break;
    }
    case 'confirmPost':
      result = { kind: 'confirmPost', confirmed: true };
      action = `Post ${request.total.lines.toLocaleString()} corrections`;
      body = (
        <>
          <Text weight="semibold">
            {request.total.lines.toLocaleString()} corrections, quantity {quantity(request.total.quantity)}, value {money(request.total.absoluteValue)} (net {money(request.total.netValue)}).
          </Text>
          <Text>Inventory Visibility will create inventory adjustment journals in D365 for these amounts.</Text>
          <ImpactTable title="Warehouse" rows={Object.entries(request.byWarehouse)} />
          <ImpactTable title="Reason" rows={Object.entries(request.byReason)} />
        </>
      );
      break;
  }
  return (
    <div className={styles.page}>
      <div className={styles.body}>
        {'note' in request && request.note ? <MessageBar intent="warning"><MessageBarBody>{request.note}</MessageBarBody></MessageBar> : null}
        {body}
      </div>
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
