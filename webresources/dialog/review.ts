/**
 * The review dialog page (an HTML web resource opened by Xrm.Navigation.navigateTo): counted quantities, a reason and
 * a comment, or finance's confirmation of a posting's whole impact. It only collects input: the handler that opened
 * it decides and writes. The answer goes back as the window's returnValue when the dialog closes.
 *
 * An HTML web resource cannot use the platform's React and Fluent UI (only a PCF control gets them), and bundling them
 * made the page 430 KB for a form of four fields. So the page is plain DOM with the browser's own controls (a native
 * select is the accessible picker), styled with Fluent 2's design tokens (@fluentui/tokens), the same values the
 * model-driven app and the grid use: about 30 KB.
 */
import { webLightTheme } from '@fluentui/tokens';
import { REASON_CODES, type ReasonCode } from '../../core/workflow.js';
import type { Impact } from '../../core/corrections.js';
import type { DialogRequest, DialogResult } from './contract.js';

const t = webLightTheme;
const STYLE = `
:root { color-scheme: light; }
body { font-family: ${t.fontFamilyBase}; font-size: ${t.fontSizeBase300}; line-height: ${t.lineHeightBase300}; color: ${t.colorNeutralForeground1};
  background: ${t.colorNeutralBackground1}; }
.page { display: flex; flex-direction: column; height: 100%; box-sizing: border-box; padding: ${t.spacingHorizontalL}; gap: ${t.spacingVerticalM}; }
.body { flex-grow: 1; overflow-y: auto; display: flex; flex-direction: column; gap: ${t.spacingVerticalM}; }
.footer { display: flex; justify-content: flex-end; gap: ${t.spacingHorizontalS}; }
p { margin: 0; }
.strong { font-weight: ${t.fontWeightSemibold}; }
.field { display: flex; flex-direction: column; gap: ${t.spacingVerticalXXS}; }
.field label { font-weight: ${t.fontWeightRegular}; }
.required { color: ${t.colorPaletteRedForeground3}; padding-left: ${t.spacingHorizontalXXS}; }
.hint { color: ${t.colorNeutralForeground3}; font-size: ${t.fontSizeBase200}; }
input, select, textarea { font: inherit; color: inherit; background: ${t.colorNeutralBackground1}; border: ${t.strokeWidthThin} solid ${t.colorNeutralStroke1};
  border-bottom-color: ${t.colorNeutralStrokeAccessible}; border-radius: ${t.borderRadiusMedium}; padding: ${t.spacingVerticalXS} ${t.spacingHorizontalS};
  min-height: 32px; box-sizing: border-box; }
textarea { min-height: 64px; resize: vertical; }
input:focus, select:focus, textarea:focus { outline: none; border-bottom: ${t.strokeWidthThick} solid ${t.colorCompoundBrandStroke}; }
button { font: inherit; font-weight: ${t.fontWeightSemibold}; min-width: 96px; min-height: 32px; padding: ${t.spacingVerticalXS} ${t.spacingHorizontalM};
  border-radius: ${t.borderRadiusMedium}; border: ${t.strokeWidthThin} solid ${t.colorNeutralStroke1}; background: ${t.colorNeutralBackground1};
  color: ${t.colorNeutralForeground1}; cursor: pointer; }
button:hover { background: ${t.colorNeutralBackground1Hover}; }
button.primary { background: ${t.colorBrandBackground}; border-color: transparent; color: ${t.colorNeutralForegroundOnBrand}; }
button.primary:hover { background: ${t.colorBrandBackgroundHover}; }
button:disabled, button.primary:disabled { background: ${t.colorNeutralBackgroundDisabled}; border-color: ${t.colorNeutralStrokeDisabled};
  color: ${t.colorNeutralForegroundDisabled}; cursor: not-allowed; }
button:focus-visible { outline: ${t.strokeWidthThick} solid ${t.colorStrokeFocus2}; outline-offset: 1px; }
table { border-collapse: collapse; width: 100%; }
th { font-weight: ${t.fontWeightSemibold}; text-align: left; }
th, td { padding: ${t.spacingVerticalXS} ${t.spacingHorizontalS}; border-bottom: ${t.strokeWidthThin} solid ${t.colorNeutralStroke2}; }
.number { text-align: right; font-variant-numeric: tabular-nums; }
.note { background: ${t.colorPaletteYellowBackground1}; border: ${t.strokeWidthThin} solid ${t.colorPaletteYellowBorder1}; border-radius: ${t.borderRadiusMedium};
  padding: ${t.spacingVerticalS} ${t.spacingHorizontalM}; }
/* The counts table fits the dialog: names truncate, the quantity and the input keep their width. */
table.counts { table-layout: fixed; }
table.counts td:first-child { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
table.counts th:nth-child(2) { width: 120px; }
table.counts th:nth-child(3) { width: 140px; }
table.counts input { width: 120px; min-width: 0; }
.negative { color: ${t.colorPaletteRedForeground1}; }
`;

const quantity = (n: number) => n.toLocaleString(undefined, { maximumFractionDigits: 6 });
const money = (n: number) => n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** An element with its class, attributes and children (text or elements). */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, string | boolean> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === false) continue;
    if (name === 'class') element.className = String(value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  element.append(...children);
  return element;
}

function close(result: DialogResult | undefined): void {
  (window as Window & { returnValue?: string }).returnValue = result === undefined ? undefined : JSON.stringify(result);
  window.close();
}

let ids = 0;
/** A labelled control, with its required mark and hint. */
function field(label: string, control: HTMLElement, options: { required?: boolean; hint?: string } = {}): HTMLElement {
  const id = control.id || `field-${(ids += 1)}`;
  control.id = id;
  if (options.required) control.setAttribute('aria-required', 'true');
  const hint = options.hint ? el('div', { class: 'hint', id: `${id}-hint` }, options.hint) : undefined;
  if (hint) control.setAttribute('aria-describedby', hint.id);
  return el('div', { class: 'field' }, el('label', { for: id }, label, ...(options.required ? [el('span', { class: 'required', 'aria-hidden': 'true' }, '*')] : [])),
    control, ...(hint ? [hint] : []));
}

function table(label: string, head: string[], numberColumns: number[], rows: Array<Array<string | HTMLElement>>, negative: (row: number, column: number) => boolean = () => false,
  className = ''): HTMLTableElement {
  const cellClass = (column: number) => (numberColumns.includes(column) ? 'number' : '');
  return el('table', { 'aria-label': label, class: className },
    el('thead', {}, el('tr', {}, ...head.map((h, c) => el('th', { class: cellClass(c) }, h)))),
    el('tbody', {}, ...rows.map((cells, r) => el('tr', {}, ...cells.map((cell, c) => el('td', { class: [cellClass(c), negative(r, c) ? 'negative' : ''].join(' ').trim() }, cell))))));
}

function impactTable(title: string, rows: Array<[string, Impact]>): HTMLTableElement {
  return table(title, [title, 'Lines', 'Quantity', 'Value (absolute)', 'Value (net)'], [1, 2, 3, 4],
    rows.map(([name, impact]) => [name, impact.lines.toLocaleString(), quantity(impact.quantity), money(impact.absoluteValue), money(impact.netValue)]),
    (r, c) => c === 4 && rows[r]![1].netValue < 0);
}

function reasonPicker(required: boolean): { element: HTMLElement; value: () => ReasonCode | undefined; select: HTMLSelectElement } {
  const select = el('select', { required }, el('option', { value: '', disabled: true, selected: true }, 'Choose a reason'),
    ...REASON_CODES.map((r) => el('option', { value: r }, r)));
  return { element: field('Reason', select, { required }), select, value: () => (select.value === '' ? undefined : select.value as ReasonCode) };
}

/** Builds the dialog for a request into `root`; the primary button is offered once what it needs is entered. */
export function renderReviewDialog(root: HTMLElement, request: DialogRequest): void {
  const body: HTMLElement[] = [];
  const inputs: HTMLElement[] = [];
  let result: () => DialogResult | undefined;
  let action: string;
  switch (request.kind) {
    case 'recordCount': {
      const counted = request.rows.map((r) => ({ id: r.id, input: el('input', { type: 'number', min: '0', 'aria-label': `Counted quantity of ${r.name}`,
        value: r.countedQty === null ? '' : String(r.countedQty) }) }));
      const valid = (v: string) => Number.isFinite(Number(v)) && Number(v) >= 0;
      result = () => {
        const entered = counted.filter(({ input }) => input.value.trim() !== '');
        if (entered.length === 0 || entered.some(({ input }) => !valid(input.value))) return undefined;
        return { kind: 'recordCount', counts: Object.fromEntries(entered.map(({ id, input }) => [id, Number(input.value)])) };
      };
      action = 'Record counts';
      body.push(table('Counted quantities', ['Discrepancy', 'D365 quantity', 'Counted'], [1],
        request.rows.map((r, i) => [el('span', { title: r.name }, r.name), `${quantity(r.d365Qty)}${r.unit ? ` ${r.unit}` : ''}`, counted[i]!.input]), undefined, 'counts'));
      inputs.push(...counted.map((c) => c.input));
      break;
    }
    case 'approve': {
      const needsComment = request.correctionValue > request.confirmAboveValue;
      const reason = reasonPicker(true);
      const comment = el('textarea');
      result = () => {
        const reasonCode = reason.value();
        return reasonCode && (!needsComment || comment.value.trim() !== '') ? { kind: 'approve', reasonCode, comment: comment.value } : undefined;
      };
      action = `Approve ${request.lines.toLocaleString()}`;
      body.push(el('p', {}, `${request.lines.toLocaleString()} selected; corrections worth ${money(request.correctionValue)} in all.`), reason.element,
        field('Comment', comment, { required: needsComment, ...(needsComment ? { hint: `Corrections above ${money(request.confirmAboveValue)} need a comment to confirm them.` } : {}) }));
      inputs.push(reason.select, comment);
      break;
    }
    case 'reject':
    case 'explain': {
      const kind = request.kind;
      const commentRequired = kind === 'reject' || request.commentRequired === true;
      const reason = reasonPicker(false);
      const comment = el('textarea');
      result = () => {
        if (commentRequired && comment.value.trim() === '') return undefined;
        const reasonCode = reason.value();
        return { kind, ...(reasonCode ? { reasonCode } : {}), comment: comment.value };
      };
      action = kind === 'reject' ? `Reject ${request.lines.toLocaleString()}` : `Mark ${request.lines.toLocaleString()} explained`;
      const hint = kind === 'reject' ? 'Say why, for the controller who counted.' : commentRequired ? 'Say how D365 was corrected for the lines whose journal failed.' : undefined;
      body.push(reason.element, field('Comment', comment, { required: commentRequired, ...(hint ? { hint } : {}) }));
      inputs.push(reason.select, comment);
      break;
    }
    case 'confirmPost':
      result = () => ({ kind: 'confirmPost', confirmed: true });
      action = `Post ${request.total.lines.toLocaleString()} corrections`;
      body.push(
        el('p', { class: 'strong' }, `${request.total.lines.toLocaleString()} corrections, quantity ${quantity(request.total.quantity)}, value ${money(request.total.absoluteValue)} (net ${money(request.total.netValue)}).`),
        el('p', {}, request.path === 'd365-journal'
          ? `They go to D365 as ${request.journalType === 'counting' ? 'a counting journal (it sets on-hand to the counts)' : 'an inventory adjustment journal'}, imported through data management.`
          : 'They go to Inventory Visibility, which creates inventory adjustment journals in D365 for these amounts.'),
        impactTable('Warehouse', Object.entries(request.byWarehouse)), impactTable('Reason', Object.entries(request.byReason)));
      break;
  }
  const primary = el('button', { type: 'button', class: 'primary' }, action);
  const cancel = el('button', { type: 'button' }, 'Cancel');
  const offer = () => { primary.disabled = result() === undefined; };
  for (const input of inputs) for (const event of ['input', 'change']) input.addEventListener(event, offer);
  primary.addEventListener('click', () => { const answer = result(); if (answer) close(answer); });
  cancel.addEventListener('click', () => close(undefined));
  offer();
  if (!document.getElementById('review-dialog-style')) document.head.append(el('style', { id: 'review-dialog-style' }, STYLE));
  // The lines the command leaves alone are named before anything is asked.
  const note = 'note' in request && request.note ? [el('div', { class: 'note', role: 'note' }, request.note)] : [];
  root.replaceChildren(el('div', { class: 'page' }, el('div', { class: 'body' }, ...note, ...body), el('div', { class: 'footer' }, primary, cancel)));
  // Esc closes the dialog as Cancel does (the page runs in its own frame, where the host's Esc does not reach).
  if (!escListening) { escListening = true; window.addEventListener('keydown', (event) => { if (event.key === 'Escape') close(undefined); }); }
  inputs[0]?.focus();
}
let escListening = false;

/** The request comes in the page's `data` query parameter, as navigateTo passes it. */
export function requestFromLocation(search: string): DialogRequest {
  const data = new URLSearchParams(search).get('data');
  if (!data) throw new Error('The review dialog was opened without its data parameter.');
  return JSON.parse(data) as DialogRequest;
}

const root = typeof document === 'undefined' ? null : document.getElementById('root');
if (root) renderReviewDialog(root, requestFromLocation(window.location.search));
