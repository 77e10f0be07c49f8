/**
 * What a run stores in Dataverse (README "What a run stores"). Dataverse capacity is the product's running bill, and
 * a difference nobody will review costs it every week for ever: by default a run writes the differences that need
 * review (Material, Timing, any with a likely cause, and any already in review) and only counts the rest, which
 * stay in discrepancies.csv. Old runs' rows that nobody reviews any more can be removed after some weeks.
 */
import type { Discrepancy } from './discrepancy.js';
import type { ReviewStatus } from './workflow.js';

/** `review`: the rows that need review (the default); `all`: every difference, Immaterial ones included. */
export const DISCREPANCY_ROWS = ['review', 'all'] as const;
export type DiscrepancyRows = (typeof DISCREPANCY_ROWS)[number];

/** Whether a run's difference is written to Dataverse when only what needs review is written. */
export function needsReview(d: Pick<Discrepancy, 'classification' | 'likelyCause'>): boolean {
  return d.classification === 'Material' || d.classification === 'Timing' || d.likelyCause !== '';
}

/** Which rows of a run go to Dataverse: `review` keeps what needs review and what is in review already (by key hash). */
export function rowsToWrite<T extends Pick<Discrepancy, 'classification' | 'likelyCause'>>(discrepancies: readonly T[], rows: DiscrepancyRows,
  inReview: (d: T) => boolean = () => false): { written: T[]; notWritten: number } {
  if (rows === 'all') return { written: [...discrepancies], notWritten: 0 };
  const written = discrepancies.filter((d) => needsReview(d) || inReview(d));
  return { written, notWritten: discrepancies.length - written.length };
}

/** The setting as an admin wrote it; anything else is refused naming what it may be. */
export function parseDiscrepancyRows(value: string | undefined | null): DiscrepancyRows {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '') return 'review';
  if ((DISCREPANCY_ROWS as readonly string[]).includes(text)) return text as DiscrepancyRows;
  throw new Error(`'${value}' is not a choice of what a run writes: review (the default) or all`);
}

/**
 * Statuses whose rows retention may remove from an old run: never reviewed, or closed without a posting. Lines in
 * review (counted, approved, posting) and posted lines (with their batches) stay for audit.
 */
export const REMOVABLE_STATUSES: readonly ReviewStatus[] = ['New', 'Rejected', 'Explained'];

/** Retention in weeks: 0 or empty keeps every row; a negative or fractional number is refused. */
export function parseRetentionWeeks(value: string | undefined | null): number {
  const text = (value ?? '').trim();
  if (text === '') return 0;
  const weeks = Number(text);
  if (!Number.isInteger(weeks) || weeks < 0) throw new Error(`retention '${value}' is not a whole number of weeks (0 keeps every row)`);
  return weeks;
}

/** The moment before which a closed run's rows may go: `weeks` before `now`; undefined when retention is off. */
export function retentionCutoff(weeks: number, now: Date): Date | undefined {
  return weeks > 0 ? new Date(now.getTime() - weeks * 7 * 24 * 60 * 60 * 1000) : undefined;
}
