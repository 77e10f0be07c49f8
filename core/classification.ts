/**
 * Variance, valuation and classification of one comparison key (DOMAIN.md §4 and the reconcile-job issue).
 */
import type { ComparisonKey } from './keys.js';
import { isMaterial, ruleFor, type RuleScopeKey, type ThresholdRule } from './thresholds.js';
import { runsUnbalancedAfter, needsAudit } from './history.js';

export const CLASSIFICATIONS = ['Material', 'Timing', 'Immaterial', 'Balanced'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];
export const FLAGS = ['negative-d365', 'no-cost', 'd365-only', 'wms-only', 'audit', 'incomplete'] as const;
export type Flag = (typeof FLAGS)[number];

/**
 * Quantities are compared to 6 decimals (catch weight, fractions; what Dataverse stores), so float noise never counts.
 * Unit costs are stored with 6 decimals and values with 2, but only for display: a key is classified on its exact
 * value (DOMAIN.md §4), so −39.996 stays below a value limit of 40 although it is shown as −40.00.
 */
export const roundQuantity = (n: number): number => Math.round(n * 1e6) / 1e6 + 0;
export const roundValue = (n: number): number => Math.round(n * 100) / 100 + 0;
/** A product of a quantity and a cost without the binary noise of its last digits (3 × 13.332 = 39.996, not 39.996000000000002). */
export const exactValue = (n: number): number => Number(n.toPrecision(12)) + 0;

export interface KeyQuantities {
  d365Qty: number;
  wmsQty: number;
  /** In-flight quantity of the key; WMS ahead of D365 is positive. */
  inFlightQty: number;
  /** Whether any accepted line of each side carried the key. */
  onD365: boolean;
  onWms: boolean;
  /** Whether a rejected line (either side, or the key's cost) may belong to the key: its figures are not the whole story. */
  incomplete?: boolean;
}

/** Average unit costs from the valuation export at the two levels it can match. */
export interface CostCandidates { warehouseLevel: number | null; itemLevel: number | null }

/** The finest matching level wins; no cost at all gives 0 and the caller flags it, never a silent 0. Not rounded. */
export function unitCostOf(costs: CostCandidates): { unitCost: number; known: boolean } {
  const cost = costs.warehouseLevel ?? costs.itemLevel;
  return cost === null ? { unitCost: 0, known: false } : { unitCost: cost, known: true };
}

/** Figures as displayed and stored (quantities and unit cost to 6 decimals, value to 2); the classification was made on exact ones. */
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

/**
 * A key's figures, classification and flags. A key with a rejected line is never Balanced: when its accepted lines
 * agree, nothing has verified it, so it is Material (flag `incomplete`) until the line is fixed or counted.
 */
export function assessKey(key: ComparisonKey & Pick<RuleScopeKey, 'itemGroup'>, quantities: KeyQuantities, costs: CostCandidates, context: AssessmentContext): Assessment {
  const d365Qty = roundQuantity(quantities.d365Qty);
  const wmsQty = roundQuantity(quantities.wmsQty);
  const inFlightQty = roundQuantity(quantities.inFlightQty);
  const qtyVariance = roundQuantity(wmsQty - d365Qty);
  const residual = roundQuantity(qtyVariance - inFlightQty);
  const { unitCost, known } = unitCostOf(costs);
  const exact = exactValue(residual * unitCost);

  const decidingRule = residual === 0 ? undefined : ruleFor(context.rules, key);
  const incomplete = quantities.incomplete === true;
  const byRule = classify({ d365Qty, qtyVariance, residual, valueVariance: exact }, decidingRule);
  const classification = incomplete && byRule === 'Balanced' ? 'Material' : byRule;
  const rule = decidingRule?.name ?? '';

  const runsUnbalanced = runsUnbalancedAfter(context.previousRunsUnbalanced, classification);
  const flags: Flag[] = [];
  if (d365Qty < 0) flags.push('negative-d365');
  if (!known && classification !== 'Balanced') flags.push('no-cost');
  if (quantities.onD365 && !quantities.onWms) flags.push('d365-only');
  if (quantities.onWms && !quantities.onD365) flags.push('wms-only');
  if (needsAudit(runsUnbalanced, context.auditAfterRuns)) flags.push('audit');
  if (incomplete) flags.push('incomplete');

  return { d365Qty, wmsQty, inFlightQty, qtyVariance, residual, unitCost: roundQuantity(unitCost), valueVariance: roundValue(exact),
    classification, rule, runsUnbalanced, flags };
}
