/**
 * The count sheet: the lines a controller takes to the floor (item, warehouse, location, batch, unit, the D365
 * quantity and a blank for the count), and the filled sheet read back as the counts of one Record count request.
 * Every row that cannot be taken is named with its sheet line, column and reason; a sheet with any such row records
 * nothing (the caller refuses it whole). The xlsx and CSV files themselves are the web resources' business; here the
 * sheet is rows of cells.
 */
import { bareId } from './dataverse/rows.js';

/** The sheet's columns, in order. The id column ties a row to its discrepancy; the rest is for the person counting. */
export const COUNT_SHEET_COLUMNS = ['Discrepancy id', 'Item', 'Warehouse', 'Location', 'Batch', 'Unit', 'D365 quantity', 'Counted quantity', 'Name'] as const;
const ID = COUNT_SHEET_COLUMNS.indexOf('Discrepancy id');
const COUNTED = COUNT_SHEET_COLUMNS.indexOf('Counted quantity');

export interface CountSheetLine { id: string; name: string; item: string; warehouse: string; location: string; batch: string; unit: string; d365Qty: number }

export type Cell = string | number | boolean | Date | null | undefined;

/** The sheet as rows of cells: a header row, then one row per line with the counted quantity blank. */
export function countSheetRows(lines: readonly CountSheetLine[]): Cell[][] {
  return [[...COUNT_SHEET_COLUMNS], ...lines.map((l) => [l.id, l.item, l.warehouse, l.location, l.batch, l.unit, l.d365Qty, null, l.name])];
}

export interface SheetRefusal { line: number; column: string; reason: string }
export interface ReadCountSheet { counts: Record<string, number>; blank: number; refusals: SheetRefusal[] }

const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;

/** A counted quantity as a person typed it: a number of 0 or more (a decimal comma is taken), or blank. */
function countOf(cell: Cell): number | undefined | string {
  if (cell === null || cell === undefined || (typeof cell === 'string' && cell.trim() === '')) return undefined;
  if (typeof cell === 'number') return Number.isFinite(cell) && cell >= 0 ? cell : `${cell} is not a quantity of 0 or more`;
  const text = String(cell).trim();
  if (!/^\d+([.,]\d+)?$/.test(text)) return `'${text}' is not a quantity of 0 or more (digits, with a decimal point or comma)`;
  return Number(text.replace(',', '.'));
}

/**
 * A filled sheet → the counts per discrepancy id. Lines are counted as the sheet shows them (the header is line 1).
 * A row whose count is blank is not counted (and not refused): the sheet may be filled in parts.
 */
export function readCountSheet(rows: readonly Cell[][]): ReadCountSheet {
  const refusals: SheetRefusal[] = [];
  const header = (rows[0] ?? []).map((c) => String(c ?? '').trim().toLowerCase());
  const idColumn = header.indexOf(COUNT_SHEET_COLUMNS[ID]!.toLowerCase());
  const countColumn = header.indexOf(COUNT_SHEET_COLUMNS[COUNTED]!.toLowerCase());
  if (idColumn < 0 || countColumn < 0) {
    const missing = [idColumn < 0 ? COUNT_SHEET_COLUMNS[ID] : undefined, countColumn < 0 ? COUNT_SHEET_COLUMNS[COUNTED] : undefined].filter(Boolean).join(' and ');
    return { counts: {}, blank: 0, refusals: [{ line: 1, column: missing, reason: `the header has no ${missing} column: this is not a count sheet exported from Inventory Balance` }] };
  }
  const counts: Record<string, number> = {};
  const seen = new Map<string, number>();
  let blank = 0;
  rows.slice(1).forEach((row, index) => {
    const line = index + 2;
    if (row.every((c) => c === null || c === undefined || String(c).trim() === '')) return;
    const idText = String(row[idColumn] ?? '').trim();
    const count = countOf(row[countColumn]);
    if (!GUID.test(idText)) {
      refusals.push({ line, column: COUNT_SHEET_COLUMNS[ID]!, reason: idText === '' ? 'the row has no discrepancy id' : `'${idText}' is not a discrepancy id` });
      return;
    }
    const id = bareId(idText);
    const earlier = seen.get(id);
    if (earlier !== undefined) {
      refusals.push({ line, column: COUNT_SHEET_COLUMNS[ID]!, reason: `the discrepancy is on line ${earlier} already` });
      return;
    }
    seen.set(id, line);
    if (count === undefined) { blank += 1; return; }
    if (typeof count === 'string') { refusals.push({ line, column: COUNT_SHEET_COLUMNS[COUNTED]!, reason: count }); return; }
    counts[id] = count;
  });
  return { counts, blank, refusals };
}

/** The line of the sheet each discrepancy id is on, for naming refusals the workflow gives. */
export function sheetLinesOf(rows: readonly Cell[][]): Map<string, number> {
  const header = (rows[0] ?? []).map((c) => String(c ?? '').trim().toLowerCase());
  const idColumn = header.indexOf(COUNT_SHEET_COLUMNS[ID]!.toLowerCase());
  const lines = new Map<string, number>();
  rows.slice(1).forEach((row, index) => {
    const text = String(row[idColumn] ?? '').trim();
    if (GUID.test(text) && !lines.has(bareId(text))) lines.set(bareId(text), index + 2);
  });
  return lines;
}
