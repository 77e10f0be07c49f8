import { isMaterial, limitsMet, ruleFor, type ThresholdRule } from '../../core/thresholds';

const key = { item: 'A0001', site: '1', warehouse: '11' };

describe('threshold rule precedence', () => {
  const everything: ThresholdRule = { name: 'default', quantity: 5 };
  const warehouse: ThresholdRule = { name: 'warehouse 11', scope: { warehouse: '11' }, value: 50 };
  const item: ThresholdRule = { name: 'item A0001', scope: { item: 'A0001' }, quantity: 1 };
  const itemInWarehouse: ThresholdRule = { name: 'A0001 in 11', scope: { item: 'A0001', warehouse: '11' }, percent: 1 };

  it('takes a rule without scope when nothing more specific matches', () => {
    expect(ruleFor([everything, warehouse], { ...key, warehouse: '12' })?.name).toBe('default');
  });

  it('prefers the rule that matches more scope fields, wherever it is listed', () => {
    expect(ruleFor([itemInWarehouse, everything, warehouse], key)?.name).toBe('A0001 in 11');
    expect(ruleFor([everything, warehouse, itemInWarehouse], key)?.name).toBe('A0001 in 11');
    expect(ruleFor([item, itemInWarehouse], key)?.name).toBe('A0001 in 11');
  });

  it('prefers an item rule to a warehouse rule, wherever it is listed', () => {
    expect(ruleFor([warehouse, item], key)?.name).toBe('item A0001');
    expect(ruleFor([item, warehouse], key)?.name).toBe('item A0001');
  });

  it('gives a tie to the rule listed first', () => {
    const otherWarehouse11: ThresholdRule = { name: 'also warehouse 11', scope: { warehouse: '11' }, quantity: 3 };
    expect(ruleFor([warehouse, otherWarehouse11], key)?.name).toBe('warehouse 11');
    expect(ruleFor([otherWarehouse11, warehouse], key)?.name).toBe('also warehouse 11');
  });

  it('never picks a rule one of whose scope fields differs', () => {
    expect(ruleFor([itemInWarehouse], { ...key, warehouse: '12' })).toBeUndefined();
  });
});

describe('rules scoped by item group (DOMAIN.md §4: item > item group > warehouse > site > all)', () => {
  const everything: ThresholdRule = { name: 'all', quantity: 5 };
  const site: ThresholdRule = { name: 'site 1', scope: { site: '1' }, quantity: 4 };
  const warehouse: ThresholdRule = { name: 'warehouse 11', scope: { warehouse: '11' }, quantity: 3 };
  const group: ThresholdRule = { name: 'group AUDIO', scope: { itemGroup: 'AUDIO' }, value: 20 };
  const item: ThresholdRule = { name: 'item A0001', scope: { item: 'A0001' }, quantity: 1 };
  const audio = { ...key, itemGroup: 'AUDIO' };

  it('lets each level beat the ones below it, in whatever order the rules are listed', () => {
    const ladder = [everything, site, warehouse, group, item];
    for (const rules of [ladder, [...ladder].reverse()]) {
      expect(ruleFor(rules, audio)?.name).toBe('item A0001');
      expect(ruleFor(rules.filter((r) => r !== item), audio)?.name).toBe('group AUDIO');
      expect(ruleFor(rules.filter((r) => r !== item && r !== group), audio)?.name).toBe('warehouse 11');
      expect(ruleFor([everything, site].filter((r) => rules.includes(r)), audio)?.name).toBe('site 1');
    }
  });

  it('ignores a group rule for an item of another group or of no known group', () => {
    expect(ruleFor([everything, group], { ...key, itemGroup: 'TV' })?.name).toBe('all');
    expect(ruleFor([everything, group], key)?.name).toBe('all');
  });

  it('ranks a group in a warehouse above the group alone, and the item alone above both', () => {
    const groupIn11: ThresholdRule = { name: 'AUDIO in 11', scope: { itemGroup: 'AUDIO', warehouse: '11' }, quantity: 2 };
    expect(ruleFor([group, groupIn11], audio)?.name).toBe('AUDIO in 11');
    expect(ruleFor([groupIn11, item], audio)?.name).toBe('item A0001');
  });
});

describe('materiality', () => {
  it('is met by the quantity limit at exactly the limit, on either sign', () => {
    const rule: ThresholdRule = { name: 'q', quantity: 5 };
    expect(isMaterial(rule, { d365Qty: 100, residual: -5, valueVariance: 0 })).toBe(true);
    expect(isMaterial(rule, { d365Qty: 100, residual: 4.999, valueVariance: 0 })).toBe(false);
  });

  it('measures the percent limit against the D365 quantity', () => {
    const rule: ThresholdRule = { name: 'p', percent: 10 };
    // 9 of 90 is exactly 10 %; 9 of 91 is 9.89 %.
    expect(isMaterial(rule, { d365Qty: 90, residual: 9, valueVariance: 0 })).toBe(true);
    expect(isMaterial(rule, { d365Qty: 91, residual: 9, valueVariance: 0 })).toBe(false);
    expect(isMaterial(rule, { d365Qty: -90, residual: -9, valueVariance: 0 })).toBe(true);
  });

  it('meets the percent limit whenever D365 has none and the residual is not zero', () => {
    const rule: ThresholdRule = { name: 'p', percent: 500 };
    expect(limitsMet(rule, { d365Qty: 0, residual: 0.001, valueVariance: 0 })).toEqual(['percent']);
  });

  it('meets the value limit on the absolute value variance', () => {
    const rule: ThresholdRule = { name: 'v', value: 250 };
    expect(isMaterial(rule, { d365Qty: 1000, residual: -1, valueVariance: -250 })).toBe(true);
    expect(isMaterial(rule, { d365Qty: 1000, residual: -1, valueVariance: 249.99 })).toBe(false);
  });

  it('lists every limit met and ignores limits the rule does not set', () => {
    const rule: ThresholdRule = { name: 'all', quantity: 5, percent: 10, value: 250 };
    expect(limitsMet(rule, { d365Qty: 10, residual: 6, valueVariance: 300 })).toEqual(['quantity', 'percent', 'value']);
    expect(limitsMet({ name: 'none' }, { d365Qty: 10, residual: 600, valueVariance: 1e6 })).toEqual([]);
  });
});
