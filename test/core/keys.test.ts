import { comparedFields, effectiveLevel } from '../../core/keys';
import { runsUnbalancedAfter } from '../../core/history';

describe('compare level', () => {
  it('always compares company, item and product dimensions, then the level in canonical order', () => {
    expect(comparedFields(['status', 'warehouse'])).toEqual(['company', 'item', 'color', 'size', 'style', 'config', 'version', 'warehouse', 'status']);
  });

  it('drops a level field one side does not export, and says why', () => {
    const decision = effectiveLevel(['site', 'warehouse', 'location'], new Set(['site', 'warehouse']), new Set(['site', 'warehouse', 'location']),
      { d365: 'd365.onHand', wms: 'wms.onHand' });
    expect(decision.level).toEqual(['site', 'warehouse']);
    expect(decision.dropped).toEqual([{ field: 'location', reason: expect.stringContaining('d365.onHand has no location column') }]);
  });
});

describe('history streak', () => {
  it('grows only while the key stays Material', () => {
    expect(runsUnbalancedAfter(2, 'Material')).toBe(3);
    expect(runsUnbalancedAfter(2, 'Timing')).toBe(0);
  });
});
