/**
 * Spreadsheet files in the browser: an .xlsx written with write-excel-file or a CSV with csv-stringify, handed to the
 * user with Xrm.Navigation.openFile; and a filled sheet (.xlsx with read-excel-file, .csv with csv-parse) read back
 * as rows of cells. Formula-leading text is neutralised in CSV, as the job's CSVs are (README, outputs).
 */
import writeXlsxFile from 'write-excel-file/browser';
import { stringify } from 'csv-stringify/browser/esm/sync';
import type { Cell } from '../core/count-sheet.js';

export type SheetFormat = 'xlsx' | 'csv';

const MIME: Record<SheetFormat, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv',
};

/** A text cell Excel would run as a formula gets an apostrophe in front (the job's CSVs do the same). */
const safeText = (value: string) => (/^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20']/.test(value) ? `'${value}` : value);

function base64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** The rows as a file of the format: its bytes. */
export async function sheetFile(rows: readonly Cell[][], format: SheetFormat, sheetName: string, widths?: number[]): Promise<Uint8Array> {
  if (format === 'csv') {
    const text = stringify(rows.map((row) => row.map((c) => (typeof c === 'string' ? safeText(c) : c instanceof Date ? c.toISOString() : c ?? ''))));
    // With a BOM, so Excel reads it as UTF-8.
    return new TextEncoder().encode(`\uFEFF${text}`);
  }
  const data = rows.map((row, r) => row.map((c) => (c === null || c === undefined ? null : r === 0 ? { value: String(c), fontWeight: 'bold' as const } : c)));
  const blob = await writeXlsxFile(data, { sheet: sheetName.slice(0, 31), stickyRowsCount: 1, ...(widths ? { columns: widths.map((width) => ({ width })) } : {}) }).toBlob();
  return new Uint8Array(await blob.arrayBuffer());
}

/** Hands the file to the user (a download in the browser), as Xrm.Navigation.openFile does. */
export async function offerFile(bytes: Uint8Array, fileName: string, format: SheetFormat): Promise<void> {
  await Xrm.Navigation.openFile({ fileContent: base64(bytes), fileName, fileSize: bytes.length, mimeType: MIME[format] }, { openMode: 2 });
}
