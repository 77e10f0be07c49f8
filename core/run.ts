/**
 * The run summary (`run.json`): what was read, what was found, what to worry about.
 */
import type { Classification } from './classification.js';
import type { LevelField } from './keys.js';
import type { RunTrendPoint } from './history.js';
import type { RunCauses } from './causes.js';

/** Where a line came from, named as its config key so a reader knows what to fix. */
export const SOURCES = ['d365.onHand', 'd365.valuation', 'wms.onHand', 'wms.inFlight', 'mappings.items'] as const;
export type Source = (typeof SOURCES)[number];

export interface FileCount {
  source: Source;
  file: string;
  read: number;
  accepted: number;
  rejected: number;
}

export interface Reject {
  source: Source;
  file: string;
  /** Line in the file: the header is line 1 and each record one line (Parquet: the row number). */
  line: number;
  reason: string;
  raw: string;
}

export interface RunSummary {
  runId: string;
  company: string;
  compareLevel: LevelField[];
  d365AsOf: string;
  wmsAsOf: string;
  skewMinutes: number;
  startedOn: string;
  finishedOn: string;
  files: FileCount[];
  keysCompared: number;
  classifications: Record<Classification, number>;
  material: { count: number; absoluteValue: number; netValue: number };
  /** Lines and value per likely cause, and the causes that repeat across an item or warehouse (core/causes.ts). */
  causes: RunCauses;
  warnings: string[];
  /** The threshold rules the run classified with, and whether they came from the config or the target. */
  rules: { source: 'config' | 'target'; names: string[] };
  trend: RunTrendPoint[];
}

export function skewMinutes(d365AsOf: string, wmsAsOf: string): number {
  return Math.round(Math.abs(Date.parse(wmsAsOf) - Date.parse(d365AsOf)) / 600) / 100;
}

export function skewWarning(skew: number, maxSkewMinutes: number): string | undefined {
  return skew > maxSkewMinutes
    ? `The D365 and WMS snapshots are ${skew} minutes apart (more than timing.maxSkewMinutes = ${maxSkewMinutes}): differences may be timing, not error`
    : undefined;
}
