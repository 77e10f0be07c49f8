/**
 * Finance's threshold rules (DOMAIN.md §4): the most specific rule wins, and a key is Material when it meets
 * any limit of its rule. The job, the grid's what-if bar and the web resources all call these.
 */
import type { ThresholdRule } from './config.js';

export type { ThresholdRule };

/** What a rule's scope is matched against: the key's item, site and warehouse, and the item's group when known. */
export interface RuleScopeKey { item: string; site: string; warehouse: string; itemGroup?: string | undefined }

export interface VarianceFigures {
  d365Qty: number;
  residual: number;
  valueVariance: number;
}

/**
 * Weight of each scope field: item > item group > warehouse > site, and any field outweighs all the coarser ones
 * together, so "item A in warehouse 11" beats "item A", which beats "item group X in warehouse 11".
 */
const SCOPE_WEIGHTS = { item: 8, itemGroup: 4, warehouse: 2, site: 1 } as const;
const SCOPE_FIELDS = Object.keys(SCOPE_WEIGHTS) as Array<keyof typeof SCOPE_WEIGHTS>;

/** How specific a rule is for the key, or -1 when one of its scope fields does not match the key. */
function specificity(rule: ThresholdRule, key: RuleScopeKey): number {
  let weight = 0;
  for (const field of SCOPE_FIELDS) {
    const wanted = rule.scope?.[field];
    if (wanted === undefined) continue;
    if (wanted !== key[field]) return -1;
    weight += SCOPE_WEIGHTS[field];
  }
  return weight;
}

/** The most specific rule whose scope matches the key; ties go to the first listed; undefined when none matches. */
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

/** A rule in words, for the run's record: "Default: quantity 5, percent 10, value 250" or "DC 12 (warehouse 12): value 100". */
export function describeRule(rule: ThresholdRule): string {
  const scope = Object.entries(rule.scope ?? {}).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k === 'itemGroup' ? 'item group' : k} ${String(v)}`);
  const limits = [rule.quantity !== undefined ? `quantity ${rule.quantity}` : '', rule.percent !== undefined ? `percent ${rule.percent}` : '',
    rule.value !== undefined ? `value ${rule.value}` : ''].filter(Boolean);
  return `${rule.name}${scope.length > 0 ? ` (${scope.join(', ')})` : ''}: ${limits.length > 0 ? limits.join(', ') : 'no limit'}`;
}

/** Whether two rule sets say the same (names, scopes and limits; order aside). */
export function sameRules(a: readonly ThresholdRule[], b: readonly ThresholdRule[]): boolean {
  const text = (rules: readonly ThresholdRule[]) => rules.map(describeRule).sort().join('\n');
  return text(a) === text(b);
}
