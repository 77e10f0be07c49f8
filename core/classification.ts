/**
 * Variance, valuation and classification of one comparison key (DOMAIN.md §4 and the reconcile-job issue).
 */
import type { ComparisonKey } from './keys.js';
import { isMaterial, ruleFor, type ThresholdRule } from './thresholds.js';
import { runsUnbalancedAfter, needsAudit } from './history.js';

export const CLASSIFICATIONS = ['Material', 'Timing', 'Immaterial', 'Balanced'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];
export const FLAGS = ['negative-d365', 'no-cost', 'd365-only', 'wms-only', 'audit'] as const;
export type Flag = (typeof FLAGS)[number];

/** Quantities are compared to 6 decimals (catch weight, fractions) and values to cents, so float noise never counts. */
export const roundQuantity = (n: number): number => Math.round(n * 1e6) / 1e6 + 0;
export const roundValue = (n: number): number => Math.round(n * 100) / 100 + 0;

export interface KeyQuantities {
  d365Qty: number;
  wmsQty: number;
  /** In-flight quantity of the key; WMS ahead of D365 is positive. */
  inFlightQty: number;
  /** Whether any accepted line of each side carried the key. */
  onD365: boolean;
  onWms: boolean;
}

/** Average unit costs from the valuation export at the two levels it can match. */
export interface CostCandidates { warehouseLevel: number | null; itemLevel: number | null }

/** The finest matching level wins; no cost at all gives 0 and the caller flags it, never a silent 0. */
export function unitCostOf(costs: CostCandidates): { unitCost: number; known: boolean } {
  const cost = costs.warehouseLevel ?? costs.itemLevel;
  return cost === null ? { unitCost: 0, known: false } : { unitCost: roundQuantity(cost), known: true };
}

export interface Assessment {
  d365Qty: number;
  wmsQty: number;
  inFlightQty: number;
  qtyVariance: number;
  residual: number;
  unitCost: number;
  valueVariance: number;
  classification: Classification;
  /** Name of the threshold rule that decided, empty for Balanced and Timing or when no rule matched. */
  rule: string;
  runsUnbalanced: number;
  flags: Flag[];
}

export interface AssessmentContext {
  rules: readonly ThresholdRule[];
  /** Consecutive Material runs of this key before this one (0 when it was not Material in the previous run). */
  previousRunsUnbalanced: number;
  auditAfterRuns: number;
}

/** The figures a classification depends on, as the job computes them and as the grid shows them. */
export interface ClassificationFigures { d365Qty: number; qtyVariance: number; residual: number; valueVariance: number }

/**
 * Balanced, Timing, or Material/Immaterial by the rule (DOMAIN.md §4). The job, and the grid's what-if bar with its
 * trial limits, both decide here. A difference no rule covers is Material: finance has not called it immaterial.
 */
export function classify(figures: ClassificationFigures, rule: ThresholdRule | undefined): Classification {
  if (figures.residual === 0) return figures.qtyVariance === 0 ? 'Balanced' : 'Timing';
  return rule === undefined || isMaterial(rule, figures) ? 'Material' : 'Immaterial';
}

export function assessKey(key: ComparisonKey, quantities: KeyQuantities, costs: CostCandidates, context: AssessmentContext): Assessment {
  const d365Qty = roundQuantity(quantities.d365Qty);
  const wmsQty = roundQuantity(quantities.wmsQty);
  const inFlightQty = roundQuantity(quantities.inFlightQty);
  const qtyVariance = roundQuantity(wmsQty - d365Qty);
  const residual = roundQuantity(qtyVariance - inFlightQty);
  const { unitCost, known } = unitCostOf(costs);
  const valueVariance = roundValue(residual * unitCost);

  const decidingRule = residual === 0 ? undefined : ruleFor(context.rules, key);
  const classification = classify({ d365Qty, qtyVariance, residual, valueVariance }, decidingRule);
  const rule = decidingRule?.name ?? '';

  const runsUnbalanced = runsUnbalancedAfter(context.previousRunsUnbalanced, classification);
  const flags: Flag[] = [];
  if (d365Qty < 0) flags.push('negative-d365');
  if (!known && classification !== 'Balanced') flags.push('no-cost');
  if (quantities.onD365 && !quantities.onWms) flags.push('d365-only');
  if (quantities.onWms && !quantities.onD365) flags.push('wms-only');
  if (needsAudit(runsUnbalanced, context.auditAfterRuns)) flags.push('audit');

  return { d365Qty, wmsQty, inFlightQty, qtyVariance, residual, unitCost, valueVariance, classification, rule, runsUnbalanced, flags };
}
