/**
 * The job's files: `discrepancies.csv`, `rejects.csv` (`source,file,line,reason,raw`) and `run.json`.
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { DISCREPANCY_COLUMNS, discrepancyValues, type Discrepancy } from '../core/discrepancy.js';
import type { Reject, RunSummary } from '../core/run.js';

/**
 * Controllers open these files in Excel. A text cell that would start a formula (=, +, -, @, tab, carriage return,
 * or their full-width forms) gets an apostrophe in front, as OWASP advises; so that this stays reversible, a cell
 * that already starts with an apostrophe gets one more. The raw text is the cell without its first apostrophe.
 * Numbers are written as numbers, negative ones included.
 */
export const SPREADSHEET_SAFE = {
  escape_formulas: true,
  cast: {
    number: (value: number) => formatNumber(value),
    string: (value: string) => (value.startsWith("'") ? `'${value}` : value),
  },
} as const;

/** A CSV file written as a stream, so a million rejects never sit in memory. */
export class CsvFileWriter<Row extends object> {
  private readonly stringifier;
  private readonly done: Promise<unknown>;

  constructor(path: string, columns: readonly string[]) {
    const file = createWriteStream(path);
    this.stringifier = stringify({ header: true, columns: [...columns], ...SPREADSHEET_SAFE });
    this.stringifier.pipe(file);
    this.done = once(file, 'finish');
  }

  async write(row: Row): Promise<void> {
    if (!this.stringifier.write(row)) await once(this.stringifier, 'drain');
  }

  async close(): Promise<void> {
    this.stringifier.end();
    await this.done;
  }
}

/** Plain decimals, never exponent notation: spreadsheets and Dataverse read them as they are. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value) || Math.abs(value) >= 1e-6) return String(value + 0);
  return value.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
}

/** Discrepancies are a few percent of the keys: one stringify call over arrays is the quickest way to write them. */
export function writeDiscrepancies(path: string, discrepancies: readonly Discrepancy[]): void {
  writeFileSync(path, stringifySync([[...DISCREPANCY_COLUMNS], ...discrepancies.map(discrepancyValues)], SPREADSHEET_SAFE));
}

export const REJECT_COLUMNS = ['source', 'file', 'line', 'reason', 'raw'] as const;
export type RejectWriter = CsvFileWriter<Reject>;

export function openRejects(path: string): RejectWriter {
  return new CsvFileWriter(path, REJECT_COLUMNS);
}

export function writeRunJson(path: string, summary: RunSummary): void {
  writeFileSync(path, `${JSON.stringify(summary, null, 2)}\n`);
}
