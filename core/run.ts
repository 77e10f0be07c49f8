/**
 * The run summary (`run.json`): what was read, what was found, what to worry about.
 */
import type { Classification } from './classification.js';
import type { LevelField } from './keys.js';
import type { RunTrendPoint } from './history.js';
import type { RunCauses } from './causes.js';

/** Where a line came from, named as its config key so a reader knows what to fix. */
export const SOURCES = ['d365.onHand', 'd365.valuation', 'd365.items', 'wms.onHand', 'wms.inFlight', 'mappings.items'] as const;
export type Source = (typeof SOURCES)[number];

/** Every line read is accepted, rejected (with its reason in rejects.csv) or out of scope: read = accepted + rejected + outOfScope. */
export interface FileCount {
  source: Source;
  file: string;
  read: number;
  accepted: number;
  rejected: number;
  /** D365 lines of warehouses the WMS does not manage (scope.warehouses). */
  outOfScope: number;
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
  /** SHA-256 over the snapshot files: a run id stays bound to the files its discrepancies came from. */
  snapshotHash: string;
  keysCompared: number;
  /** Keys a rejected line may belong to: flagged `incomplete`, never Balanced. */
  incompleteKeys: number;
  classifications: Record<Classification, number>;
  material: { count: number; absoluteValue: number; netValue: number };
  /** Lines and value per likely cause, and the causes that repeat across an item or warehouse (core/causes.ts). */
  causes: RunCauses;
  warnings: string[];
  /** The threshold rules the run classified with, and whether they came from the config or the target. */
  rules: { source: 'config' | 'target' | 'seeded'; names: string[]; described?: string[] | undefined };
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

/** The sides the compare needs: a run with no accepted line on one of them would only report the other side as different. */
export const REQUIRED_SIDES: readonly Source[] = ['d365.onHand', 'wms.onHand'];

/** Why a side cannot be compared, or undefined when it has accepted lines. */
export function unusableSide(count: FileCount): string | undefined {
  if (!REQUIRED_SIDES.includes(count.source) || count.accepted > 0) return undefined;
  const parts = [`${count.read} read`, `${count.rejected} rejected`, ...(count.outOfScope > 0 ? [`${count.outOfScope} out of scope`] : [])];
  return `${count.file}: no line can be compared (${parts.join(', ')}${count.rejected > 0 ? '; the reasons are in rejects.csv' : ''}) (${count.source})`;
}

/** A warning when more than the configured share of a file's lines was rejected. */
export function rejectedShareWarning(count: FileCount, warnShare: number): string | undefined {
  if (count.read === 0 || count.rejected / count.read <= warnShare) return undefined;
  const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;
  return `${count.file}: ${count.rejected} of ${count.read} lines rejected (${percent(count.rejected / count.read)}, more than `
    + `rejects.warnShare ${percent(warnShare)}): see rejects.csv (${count.source})`;
}
