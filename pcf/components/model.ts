/**
 * What the grid shows, in plain terms: the view's columns, the loaded rows with their figures, and what the user
 * can do. The PCF adapter (pcf/index.ts) builds these from the dataset; the sandbox builds them from its emulator.
 */
import type { Cause } from '../../core/causes.js';
import type { Classification, ClassificationFigures } from '../../core/classification.js';

export type ColumnKind = 'text' | 'quantity' | 'currency' | 'number' | 'choice' | 'date' | 'lookup';

export interface GridColumn {
  /** The column's logical name. */
  name: string;
  displayName: string;
  kind: ColumnKind;
  /** Width as configured in the view, in pixels. */
  width: number;
}

export interface GridCell { value: unknown; formatted: string }

export interface GridRow {
  id: string;
  cells: Record<string, GridCell>;
  /** The stored classification (from the column that drives the highlight). */
  classification: Exclude<Classification, 'Balanced'> | undefined;
  figures: ClassificationFigures;
  flags: string[];
  /** The likely cause the job found (core/causes.ts): its label as Dataverse formats the choice, and its evidence. */
  cause?: LikelyCauseShown | undefined;
}

export interface LikelyCauseShown { cause: Cause; label: string; evidence: string }

/** The cause filter: one cause, rows without a cause, or all rows. */
export type CauseFilterValue = Cause | 'none' | undefined;

export interface Limits { quantity?: number | undefined; percent?: number | undefined; value?: number | undefined }

export interface Formatting {
  quantity(value: number): string;
  currency(value: number): string;
  number(value: number): string;
}

export type SortDirection = 'ascending' | 'descending';
