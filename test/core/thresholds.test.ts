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
  });

  it('gives a tie to the rule listed first', () => {
    expect(ruleFor([warehouse, item], key)?.name).toBe('warehouse 11');
    expect(ruleFor([item, warehouse], key)?.name).toBe('item A0001');
  });

  it('never picks a rule one of whose scope fields differs', () => {
    expect(ruleFor([itemInWarehouse], { ...key, warehouse: '12' })).toBeUndefined();
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
