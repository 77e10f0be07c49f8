/**
 * Persistence of differences across runs (DOMAIN.md §4): a key that stays Material run after run is not being
 * fixed by counts and corrections, so it is flagged for a transaction audit.
 */
import type { Classification } from './classification.js';

/** Consecutive Material runs including this one; any other outcome ends the streak. */
export function runsUnbalancedAfter(previousRunsUnbalanced: number, classification: Classification): number {
  return classification === 'Material' ? previousRunsUnbalanced + 1 : 0;
}

export function needsAudit(runsUnbalanced: number, afterRuns: number): boolean {
  return runsUnbalanced >= afterRuns;
}

/** One run's figures for the trend (DOMAIN.md §4 "Trends"): falling numbers mean the processes improve. */
export interface RunTrendPoint {
  runId: string;
  d365AsOf: string;
  materialCount: number;
  materialAbsoluteValue: number;
  materialNetValue: number;
}
