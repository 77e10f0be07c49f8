/** @jest-environment jsdom */
import '@testing-library/jest-dom';
import { fireEvent, screen, within } from '@testing-library/react';
import { renderReviewDialog, requestFromLocation } from '../../webresources/dialog/review';
import { dialogResultSchema, type DialogRequest } from '../../webresources/dialog/contract';

/** The review dialog page: what the user must enter before the button is offered, and what it answers when closed. */
let closed: unknown[];
beforeEach(() => {
  closed = [];
  window.close = () => { closed.push((window as Window & { returnValue?: string }).returnValue); };
});
const show = (request: DialogRequest) => {
  document.body.innerHTML = '<div id="dialog"></div>';
  renderReviewDialog(document.getElementById('dialog')!, request);
};
const answer = () => dialogResultSchema.parse(JSON.parse(String(closed.at(-1))));

it('asks for a confirming comment when the corrections are worth more than the limit, and answers with reason and comment', () => {
  show({ kind: 'approve', lines: 2, correctionValue: 2500, confirmAboveValue: 1000 });
  const approve = screen.getByRole('button', { name: 'Approve 2' });
  expect(approve).toBeDisabled();
  expect(screen.getByRole('option', { name: 'Shrink' })).toBeInTheDocument();
  fireEvent.change(screen.getByRole('combobox', { name: /Reason/ }), { target: { value: 'Shrink' } });
  expect(approve).toBeDisabled();
  expect(screen.getByText(/need a comment to confirm them/)).toBeInTheDocument();
  fireEvent.change(screen.getByRole('textbox'), { target: { value: 'Confirmed with the site manager' } });
  fireEvent.click(approve);
  expect(answer()).toEqual({ kind: 'approve', reasonCode: 'Shrink', comment: 'Confirmed with the site manager' });
});

it('records only the counts entered, refusing a negative one', () => {
  show({ kind: 'recordCount', rows: [{ id: 'a', name: 'A1 / 11', d365Qty: 100, countedQty: null }, { id: 'b', name: 'A2 / 11', d365Qty: 40, countedQty: null }] });
  const record = screen.getByRole('button', { name: 'Record counts' });
  fireEvent.change(screen.getByLabelText('Counted quantity of A1 / 11'), { target: { value: '-1' } });
  expect(record).toBeDisabled();
  fireEvent.change(screen.getByLabelText('Counted quantity of A1 / 11'), { target: { value: '96.5' } });
  fireEvent.click(record);
  expect(answer()).toEqual({ kind: 'recordCount', counts: { a: 96.5 } });
});

it('opens the record count dialog on its first count, closes on Esc as Cancel does, and names the lines it leaves alone', () => {
  show({ kind: 'recordCount', rows: [{ id: 'a', name: 'A1 / 11', d365Qty: 100, countedQty: null }], note: '1 selected line is left as it is (1 Approved)' });
  expect(screen.getByLabelText('Counted quantity of A1 / 11')).toHaveFocus();
  expect(screen.getByText('1 selected line is left as it is (1 Approved)')).toBeInTheDocument();
  fireEvent.keyDown(window, { key: 'Escape' });
  expect(closed).toEqual([undefined]);
});

it('shows finance the whole impact by warehouse and reason before posting, and Cancel answers nothing', () => {
  const impact = (lines: number, quantity: number, absoluteValue: number, netValue: number) => ({ lines, quantity, absoluteValue, netValue });
  show({ kind: 'confirmPost', total: impact(3, -5, 70, -30), byWarehouse: { 11: impact(2, -6, 60, -60), 24: impact(1, 1, 10, 10) }, byReason: { Shrink: impact(3, -5, 70, -30) } });
  expect(screen.getByText('3 corrections, quantity -5, value 70.00 (net -30.00).')).toBeInTheDocument();
  const warehouses = screen.getByRole('table', { name: 'Warehouse' });
  expect(within(warehouses).getAllByRole('row').map((r) => r.textContent)).toEqual(['WarehouseLinesQuantityValue (absolute)Value (net)', '112-660.00-60.00', '241110.0010.00']);
  fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
  expect(closed).toEqual([undefined]);
});

it('names where the corrections go: Inventory Visibility, or a D365 journal of the configured type', () => {
  const impact = { lines: 1, quantity: -1, absoluteValue: 5, netValue: -5 };
  show({ kind: 'confirmPost', total: impact, byWarehouse: { 11: impact }, byReason: { Shrink: impact }, path: 'd365-journal', journalType: 'counting' });
  expect(screen.getByText('They go to D365 as a counting journal (it sets on-hand to the counts), imported through data management.')).toBeInTheDocument();
});

it('reads its request from the data parameter navigateTo passes, and says so when it is missing', () => {
  expect(requestFromLocation(`?data=${encodeURIComponent(JSON.stringify({ kind: 'reject', lines: 1 }))}`)).toEqual({ kind: 'reject', lines: 1 });
  expect(() => requestFromLocation('')).toThrow('without its data parameter');
});
