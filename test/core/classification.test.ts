import { assessKey, unitCostOf, type KeyQuantities } from '../../core/classification';
import type { ThresholdRule } from '../../core/thresholds';
import { KEY_FIELDS, type ComparisonKey } from '../../core/keys';

const key = { ...Object.fromEntries(KEY_FIELDS.map((f) => [f, ''])), company: 'usmf', item: 'A0001', site: '1', warehouse: '11' } as ComparisonKey;
const rules: ThresholdRule[] = [{ name: 'default', quantity: 5, percent: 10, value: 250 }];
const context = { rules, previousRunsUnbalanced: 0, auditAfterRuns: 3 };
const both = (d365Qty: number, wmsQty: number, inFlightQty = 0): KeyQuantities => ({ d365Qty, wmsQty, inFlightQty, onD365: true, onWms: true });
const cost = (c: number | null) => ({ warehouseLevel: c, itemLevel: null });

describe('variance and classification of a key', () => {
  it('computes variance as WMS minus D365, the residual after in-flight, and the value of the residual', () => {
    const a = assessKey(key, both(100, 112, 4), cost(2.5), context);
    expect(a.qtyVariance).toBe(12);
    expect(a.residual).toBe(8);
    expect(a.valueVariance).toBe(20);
    expect(a.classification).toBe('Material'); // |8| ≥ 5
    expect(a.rule).toBe('default');
  });

  it('is Balanced when both sides agree and nothing is in flight', () => {
    expect(assessKey(key, both(10, 10), cost(1), context).classification).toBe('Balanced');
  });

  it('is Timing when in-flight quantities explain the whole variance', () => {
    const a = assessKey(key, both(10, 25, 15), cost(1), context);
    expect(a.classification).toBe('Timing');
    expect(a.rule).toBe('');
  });

  it('is Immaterial when the residual meets no limit of its rule', () => {
    // 2 units of a 1.00 item against 100: below 5 units, 10 % and 250.
    expect(assessKey(key, both(100, 102), cost(1), context).classification).toBe('Immaterial');
  });

  it('is Material on value alone for a small quantity of a costly item', () => {
    const a = assessKey(key, both(100, 99), cost(400), context);
    expect(a.valueVariance).toBe(-400);
    expect(a.classification).toBe('Material');
  });

  it('ignores float noise below a millionth of a unit', () => {
    expect(assessKey(key, both(0.1 + 0.2, 0.3), cost(1), context).classification).toBe('Balanced');
  });

  it('classifies a key no rule covers as Material rather than hiding it', () => {
    const a = assessKey(key, both(100, 101), cost(1), { ...context, rules: [{ name: 'other', scope: { warehouse: '99' }, quantity: 1000 }] });
    expect(a.classification).toBe('Material');
    expect(a.rule).toBe('');
  });
});

describe('flags', () => {
  it('flags negative D365 on-hand', () => {
    expect(assessKey(key, both(-3, 0), cost(1), context).flags).toContain('negative-d365');
  });

  it('flags a key with no cost and values it at 0', () => {
    const a = assessKey(key, both(100, 90), cost(null), context);
    expect(a.unitCost).toBe(0);
    expect(a.valueVariance).toBe(0);
    expect(a.flags).toContain('no-cost');
  });

  it('flags one-sided keys', () => {
    expect(assessKey(key, { d365Qty: 7, wmsQty: 0, inFlightQty: 0, onD365: true, onWms: false }, cost(1), context).flags).toContain('d365-only');
    expect(assessKey(key, { d365Qty: 0, wmsQty: 7, inFlightQty: 0, onD365: false, onWms: true }, cost(1), context).flags).toContain('wms-only');
  });

  it('counts consecutive Material runs and recommends an audit at the configured count', () => {
    const second = assessKey(key, both(100, 50), cost(1), { ...context, previousRunsUnbalanced: 1 });
    expect(second.runsUnbalanced).toBe(2);
    expect(second.flags).not.toContain('audit');
    const third = assessKey(key, both(100, 50), cost(1), { ...context, previousRunsUnbalanced: 2 });
    expect(third.runsUnbalanced).toBe(3);
    expect(third.flags).toContain('audit');
  });

  it('ends the streak when the key is no longer Material', () => {
    expect(assessKey(key, both(100, 101), cost(1), { ...context, previousRunsUnbalanced: 5 }).runsUnbalanced).toBe(0);
  });
});

describe('unit cost', () => {
  it('takes the warehouse-level cost first, then the item-level cost', () => {
    expect(unitCostOf({ warehouseLevel: 12.5, itemLevel: 10 })).toEqual({ unitCost: 12.5, known: true });
    expect(unitCostOf({ warehouseLevel: null, itemLevel: 10 })).toEqual({ unitCost: 10, known: true });
    expect(unitCostOf({ warehouseLevel: null, itemLevel: null })).toEqual({ unitCost: 0, known: false });
  });
});
