/**
 * Finance's threshold rules (DOMAIN.md §4): the most specific rule wins, and a key is Material when it meets
 * any limit of its rule. The job, the grid's what-if bar and the web resources all call these.
 */
import type { ThresholdRule } from './config.js';

export type { ThresholdRule };

export interface RuleScopeKey { item: string; site: string; warehouse: string }

export interface VarianceFigures {
  d365Qty: number;
  residual: number;
  valueVariance: number;
}

const SCOPE_FIELDS = ['item', 'site', 'warehouse'] as const;

/** How many scope fields a rule pins down, or -1 when one of them does not match the key. */
function specificity(rule: ThresholdRule, key: RuleScopeKey): number {
  let matched = 0;
  for (const field of SCOPE_FIELDS) {
    const wanted = rule.scope?.[field];
    if (wanted === undefined) continue;
    if (wanted !== key[field]) return -1;
    matched += 1;
  }
  return matched;
}

/** The rule whose scope matches the most fields; ties go to the first listed; undefined when none matches. */
export function ruleFor(rules: readonly ThresholdRule[], key: RuleScopeKey): ThresholdRule | undefined {
  let best: ThresholdRule | undefined;
  let bestSpecificity = -1;
  for (const rule of rules) {
    const s = specificity(rule, key);
    if (s > bestSpecificity) { best = rule; bestSpecificity = s; }
  }
  return best;
}

/** Which limits of the rule the figures meet; empty means immaterial. */
export function limitsMet(rule: ThresholdRule, figures: VarianceFigures): Array<'quantity' | 'percent' | 'value'> {
  const met: Array<'quantity' | 'percent' | 'value'> = [];
  const residual = Math.abs(figures.residual);
  if (rule.quantity !== undefined && residual >= rule.quantity) met.push('quantity');
  if (rule.percent !== undefined && residual > 0
    && (figures.d365Qty === 0 || (residual / Math.abs(figures.d365Qty)) * 100 >= rule.percent)) met.push('percent');
  if (rule.value !== undefined && Math.abs(figures.valueVariance) >= rule.value) met.push('value');
  return met;
}

export function isMaterial(rule: ThresholdRule, figures: VarianceFigures): boolean {
  return limitsMet(rule, figures).length > 0;
}
