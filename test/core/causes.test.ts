import {
  CAUSES, CAUSE_INFO, MAX_EVIDENCE_LENGTH, causeFindings, causeTotals, likelyCauses, systematicFindings, systematicSummaryText,
  type Cause, type CauseContext, type PreviousResidual, type SourceLine,
} from '../../core/causes';
import { assessKey } from '../../core/classification';
import { discrepancyOf, type Discrepancy } from '../../core/discrepancy';
import { KEY_FIELDS, keyString, type ComparisonKey } from '../../core/keys';
import { seededRandom } from '../../core/random';

const rules = [{ name: 'default', quantity: 5, percent: 10, value: 250 }];

const keyOf = (fields: Partial<ComparisonKey>): ComparisonKey =>
  ({ ...Object.fromEntries(KEY_FIELDS.map((f) => [f, ''])), company: 'usmf', site: '1', warehouse: '11', status: 'Available', ...fields }) as ComparisonKey;

/** A discrepancy as the job makes it: assessed by core's classification from its quantities. */
function discrepancy(fields: Partial<ComparisonKey>, d365Qty: number, wmsQty: number,
  options: { inFlightQty?: number; cost?: number; previousRunsUnbalanced?: number } = {}): Discrepancy {
  const key = keyOf(fields);
  return discrepancyOf(key, assessKey(key, { d365Qty, wmsQty, inFlightQty: options.inFlightQty ?? 0, onD365: true, onWms: true },
    { warehouseLevel: options.cost ?? 10, itemLevel: null }, { rules, previousRunsUnbalanced: options.previousRunsUnbalanced ?? 0, auditAfterRuns: 3 }));
}

/** A WMS line as the job reads it: written quantity and unit, converted with the factor. */
function line(n: number, writtenQty: number, unit = 'ea', factor = 1, place = 'DAL1 · bin A-01', file = 'wms.csv'): SourceLine {
  return { file, line: n, writtenQty, unit, factor, qty: writtenQty * factor, place, signature: `${place}|${writtenQty}|${unit}` };
}

interface Planted {
  wms?: Array<[Discrepancy, SourceLine[]]>;
  inFlight?: Array<[Discrepancy, SourceLine[]]>;
  history?: Array<[Discrepancy, PreviousResidual[]]>;
}

function contextOf(planted: Planted = {}): CauseContext {
  const byKey = <T>(pairs: Array<[Discrepancy, T]> = []) => new Map(pairs.map(([d, value]) => [keyString(d), value]));
  return {
    wmsLines: byKey(planted.wms), inFlightLines: byKey(planted.inFlight), previousResiduals: byKey(planted.history),
    units: { default: 'ea', conversions: [{ item: 'CASED', from: 'cs', factor: 12 }, { item: '*', from: 'pk', factor: 6 }] },
    persistentAfterRuns: 3,
  };
}

const causeOf = (d: Discrepancy, context: CauseContext = contextOf(), all: Discrepancy[] = [d]) => likelyCauses(all, context)[all.indexOf(d)];

describe('likely causes: each rule and its evidence', () => {
  it('uom-factor: the WMS is the D365 quantity times a conversion factor of the item', () => {
    const d = discrepancy({ item: 'CASED' }, 10, 120);
    const found = causeOf(d)!;
    expect(found).toMatchObject({ cause: 'uom-factor', confidence: 'high', conversion: { unit: 'cs', factor: 12 } });
    expect(found.evidence).toContain(`WMS 120 = D365 10 × 12`);
    expect(found.evidence).toContain('1 CS = 12 EA for CASED');
  });

  it('uom-factor: D365 is the WMS quantity times a factor every item has (`*`), and ≈ within 2 % is medium', () => {
    expect(causeOf(discrepancy({ item: 'ANY' }, 60, 10))).toMatchObject({ cause: 'uom-factor', confidence: 'high', conversion: { unit: 'pk', factor: 6 } });
    // 121 against 10 × 12 = 120: one loose unit beside ten cases taken as eaches.
    const near = causeOf(discrepancy({ item: 'CASED' }, 10, 121))!;
    expect(near).toMatchObject({ cause: 'uom-factor', confidence: 'medium' });
    expect(near.evidence).toContain('WMS 121 ≈ D365 10 × 12');
  });

  it('uom-factor: the residual is one WMS line\'s quantity × (f − 1)', () => {
    // 3 cases entered as eaches among other stock: D365 100 + 36 = 136, the WMS has 100 + 3 = 103; −33 = 3 × (1 − 12).
    const d = discrepancy({ item: 'CASED' }, 136, 103);
    const context = contextOf({ wms: [[d, [line(14, 100, 'ea', 1, 'DAL1 · bin A-01'), line(15, 3, 'ea', 1, 'DAL1 · bin A-02')]]] });
    const found = causeOf(d, context)!;
    expect(found).toMatchObject({ cause: 'uom-factor', confidence: 'medium', conversion: { unit: 'cs', factor: 12 } });
    expect(found.evidence).toContain('wms.csv line 15 (3 EA, DAL1 · bin A-02) read as CS');
    expect(found.evidence).toContain(`3 × (1 − 12) = ${3 * (1 - 12)}`);
  });

  it('uom-factor: a one-unit line is not evidence (1 × (12 − 1) = 11 is an ordinary miscount)', () => {
    const d = discrepancy({ item: 'CASED' }, 567, 578);
    expect(causeOf(d, contextOf({ wms: [[d, [line(3, 566), line(4, 1, 'cs', 12, 'DAL1 · bin R-0')]]] }))).toBeUndefined();
  });

  it('bin-move: opposite residuals in two bins of one item and batch that cancel in the warehouse', () => {
    const from = discrepancy({ item: 'MOVED', batch: 'L1', location: 'A-01' }, 50, 38);
    const to = discrepancy({ item: 'MOVED', batch: 'L1', location: 'A-02' }, 10, 22);
    const [a, b] = likelyCauses([from, to], contextOf());
    expect(a).toMatchObject({ cause: 'bin-move', confidence: 'high' });
    expect(a!.evidence).toContain('-12 here and +12 at bin A-02 of item MOVED batch L1 in warehouse 11: net 0');
    expect(b!.evidence).toContain('+12 here and -12 at bin A-01');
  });

  it('bin-move: a status change the WMS made (Available → Blocked) pairs like a bin move', () => {
    const available = discrepancy({ item: 'HELD' }, 40, 35);
    const blocked = discrepancy({ item: 'HELD', status: 'Blocked' }, 0, 5);
    expect(likelyCauses([available, blocked], contextOf()).map((f) => f?.cause)).toEqual(['bin-move', 'bin-move']);
    expect(causeOf(available, contextOf(), [available, blocked])!.evidence).toContain('status Blocked');
  });

  it('bin-move: keys of different batches are not a move, and residuals that do not cancel are not either', () => {
    const batch1 = discrepancy({ item: 'LOTS', batch: 'L1' }, 50, 38);
    const batch2 = discrepancy({ item: 'LOTS', batch: 'L2' }, 10, 22);
    expect(likelyCauses([batch1, batch2], contextOf())).toEqual([undefined, undefined]);
    const bin1 = discrepancy({ item: 'ODD', location: 'A-01' }, 50, 38);
    const bin2 = discrepancy({ item: 'ODD', location: 'A-02' }, 10, 21);
    expect(likelyCauses([bin1, bin2], contextOf())).toEqual([undefined, undefined]);
  });

  it('bin-move: three bins netting to zero are medium, and name the other keys', () => {
    const group = [discrepancy({ item: 'SPREAD', location: 'A-01' }, 50, 38), discrepancy({ item: 'SPREAD', location: 'A-02' }, 10, 17),
      discrepancy({ item: 'SPREAD', location: 'A-03' }, 0, 5)];
    const found = likelyCauses(group, contextOf());
    expect(found.map((f) => [f?.cause, f?.confidence])).toEqual([['bin-move', 'medium'], ['bin-move', 'medium'], ['bin-move', 'medium']]);
    expect(found[0]!.evidence).toContain('bin A-02 (+7); bin A-03 (+5)');
  });

  it('duplicate-line: one WMS line appears twice and the residual is the repeat', () => {
    const d = discrepancy({ item: 'TWICE' }, 40, 64);
    const twice = [line(7, 24, 'ea', 1, 'DAL1 · bin C-01'), line(8, 16, 'ea', 1, 'DAL1 · bin C-02'), line(9, 24, 'ea', 1, 'DAL1 · bin C-01')];
    const found = causeOf(d, contextOf({ wms: [[d, twice]] }))!;
    expect(found).toMatchObject({ cause: 'duplicate-line', confidence: 'high' });
    expect(found.evidence).toContain('wms.csv lines 7 and 9 are the same line (24 EA, DAL1 · bin C-01): the residual +24 is the repeat');
  });

  it('duplicate-line: an in-flight document already in D365 (the residual is minus its quantity)', () => {
    // D365 already received the 30; the in-flight list still has it, so D365 looks 30 ahead of the WMS.
    const d = discrepancy({ item: 'POSTED' }, 130, 130, { inFlightQty: 30 });
    const found = causeOf(d, contextOf({ inFlight: [[d, [line(3, 30, 'ea', 1, 'DAL1', 'wms-inflight.csv')]]] }))!;
    expect(found).toMatchObject({ cause: 'duplicate-line', confidence: 'medium' });
    expect(found.evidence).toContain('wms-inflight.csv line 3 (30 EA in flight, DAL1) is already in D365');
  });

  it('missing-line: the residual equals one in-flight document: a second one never reached D365 (low, names the other reading)', () => {
    const d = discrepancy({ item: 'LOST' }, 100, 148, { inFlightQty: 24 });
    const found = causeOf(d, contextOf({ inFlight: [[d, [line(4, 2, 'cs', 12, 'DAL1', 'wms-inflight.csv')]]] }))!;
    expect(found).toMatchObject({ cause: 'missing-line', confidence: 'low' });
    expect(found.evidence).toContain('the residual +24 equals wms-inflight.csv line 4 (2 CS in flight, DAL1)');
    expect(found.evidence).toContain('wrong sign');
  });

  it('sign-flip: the WMS is minus D365, and the residual is twice one side', () => {
    const d = discrepancy({ item: 'FLIP' }, -18, 18);
    const all = causeFindings([d], contextOf())[0]!;
    // D365 is negative too: both fit, and the sign flip explains more.
    expect(all.map((f) => f.cause)).toEqual(['sign-flip', 'negative-on-hand']);
    expect(all[0]!.evidence).toContain('WMS 18 and D365 -18: the same quantity with opposite signs, so the residual +36 is twice one side');
  });

  it('sign-flip: one negative WMS line that would balance the key as positive', () => {
    const d = discrepancy({ item: 'NEG' }, 50, 40);
    const found = causeOf(d, contextOf({ wms: [[d, [line(21, 45), line(22, -5, 'ea', 1, 'DAL1 · bin Z-9')]]] }))!;
    expect(found).toMatchObject({ cause: 'sign-flip', confidence: 'medium' });
    expect(found.evidence).toContain('wms.csv line 22 is -5 EA (DAL1 · bin Z-9); as 5 the key balances');
  });

  it('in-flight-partial: in flight explains most of it and the rest is below the limits', () => {
    const d = discrepancy({ item: 'PARTIAL' }, 200, 226, { inFlightQty: 24, cost: 1 });
    expect(d.classification).toBe('Immaterial');
    const found = causeOf(d)!;
    expect(found).toMatchObject({ cause: 'in-flight-partial', confidence: 'high' });
    expect(found.evidence).toContain("in flight +24 of the difference +26; the rest, +2, is below the limits of rule 'default'");
    // The same partial explanation with a Material rest is not this cause.
    expect(causeOf(discrepancy({ item: 'PARTIAL' }, 200, 244, { inFlightQty: 24, cost: 1 }))).toBeUndefined();
  });

  it('persistent: Material for the audit runs with the same residual every time', () => {
    const d = discrepancy({ item: 'STUCK' }, 80, 73, { previousRunsUnbalanced: 3 });
    expect(d.runsUnbalanced).toBe(4);
    const history = [{ runId: 'w3', residual: -7 }, { runId: 'w2', residual: -7 }, { runId: 'w1', residual: -7 }];
    const found = causeOf(d, contextOf({ history: [[d, history]] }))!;
    expect(found).toMatchObject({ cause: 'persistent', confidence: 'high' });
    expect(found.evidence).toContain('residual -7 in each of the last 4 runs (w1, w2, w3, this run); Material 4 runs in a row');
  });

  it('persistent: not when the residual changed, nor before the audit runs are reached', () => {
    const d = discrepancy({ item: 'MOVING' }, 80, 73, { previousRunsUnbalanced: 3 });
    expect(causeOf(d, contextOf({ history: [[d, [{ runId: 'w3', residual: -7 }, { runId: 'w2', residual: -9 }]]] }))).toBeUndefined();
    const young = discrepancy({ item: 'YOUNG' }, 80, 73, { previousRunsUnbalanced: 1 });
    expect(causeOf(young, contextOf({ history: [[young, [{ runId: 'w3', residual: -7 }]]] }))).toBeUndefined();
  });

  it('negative-on-hand: D365 below zero', () => {
    expect(causeOf(discrepancy({ item: 'SHORT' }, -4, 10))).toMatchObject({ cause: 'negative-on-hand', confidence: 'high', evidence: 'D365 on-hand is -4 (high confidence)' });
  });

  it('guesses nothing without evidence, and nothing for a difference in-flight quantities explain', () => {
    expect(causeOf(discrepancy({ item: 'SHRINK' }, 137, 100))).toBeUndefined();
    const timing = discrepancy({ item: 'TIMING' }, 100, 124, { inFlightQty: 24 });
    expect(timing.classification).toBe('Timing');
    expect(causeFindings([timing], contextOf({ inFlight: [[timing, [line(1, 24, 'ea', 1, 'DAL1', 'wms-inflight.csv')]]] }))[0]).toEqual([]);
  });

  it('keeps evidence within the column, however many keys a move names', () => {
    const bins = Array.from({ length: 40 }, (_, i) => discrepancy({ item: 'MANY', location: `BIN-${String(i).padStart(3, '0')}` }, 10, i < 20 ? 11 : 9));
    for (const found of likelyCauses(bins, contextOf())) {
      expect(found!.cause).toBe('bin-move');
      expect(found!.evidence.length).toBeLessThanOrEqual(MAX_EVIDENCE_LENGTH);
    }
  });
});

describe('likely causes: planted faults among noise and real differences', () => {
  it('finds every planted cause and nothing on the noise', () => {
    const random = seededRandom(18);
    const planted = new Map<Discrepancy, Cause>();
    const wms: Array<[Discrepancy, SourceLine[]]> = [];
    const inFlight: Array<[Discrepancy, SourceLine[]]> = [];
    const history: Array<[Discrepancy, PreviousResidual[]]> = [];
    const plant = (cause: Cause, d: Discrepancy) => { planted.set(d, cause); return d; };

    plant('uom-factor', discrepancy({ item: 'CASED', warehouse: '12' }, 15, 180));
    // D365 has 200 + 5 cases = 260; the WMS has the 5 cases entered as eaches: 205, off by 5 × (1 − 12) = −55.
    const mixed = plant('uom-factor', discrepancy({ item: 'CASED', warehouse: '11' }, 260, 205));
    wms.push([mixed, [line(30, 200), line(31, 5, 'ea', 1, 'DAL1 · bin A-07')]]);
    plant('bin-move', discrepancy({ item: 'MOVED', location: 'A-01' }, 60, 45));
    plant('bin-move', discrepancy({ item: 'MOVED', location: 'A-02' }, 0, 15));
    const twice = plant('duplicate-line', discrepancy({ item: 'TWICE' }, 48, 60));
    wms.push([twice, [line(40, 48, 'ea', 1, 'DAL1 · bin B-01'), line(41, 12, 'ea', 1, 'DAL1 · bin B-02'), line(42, 12, 'ea', 1, 'DAL1 · bin B-02')]]);
    const lost = plant('missing-line', discrepancy({ item: 'LOST' }, 72, 132, { inFlightQty: 30 }));
    inFlight.push([lost, [line(5, 30, 'ea', 1, 'DAL1', 'wms-inflight.csv')]]);
    plant('sign-flip', discrepancy({ item: 'FLIP' }, -30, 30));
    plant('in-flight-partial', discrepancy({ item: 'PARTIAL' }, 500, 541, { inFlightQty: 40, cost: 1 }));
    const stuck = plant('persistent', discrepancy({ item: 'STUCK' }, 300, 291, { previousRunsUnbalanced: 2 }));
    history.push([stuck, [{ runId: 'w2', residual: -9 }, { runId: 'w1', residual: -9 }]]);
    plant('negative-on-hand', discrepancy({ item: 'SHORT' }, -6, 20));

    // Noise: small random differences of single-line keys, each its own item, no history, nothing in flight.
    // By construction none can fit a rule: |noise| ≤ 15 and quantities ≥ 24 keep every ratio below 6 and every
    // one-line factor product above 15, and no two keys share an item.
    const noise: Discrepancy[] = [];
    for (let i = 0; noise.length < 300; i += 1) {
      const d365 = 24 + Math.floor(random() * 700);
      const delta = (random() < 0.5 ? -1 : 1) * (1 + Math.floor(random() * 15));
      const d = discrepancy({ item: `N${i}`, warehouse: random() < 0.5 ? '11' : '12' }, d365, d365 + delta, { previousRunsUnbalanced: Math.floor(random() * 4) });
      noise.push(d);
      wms.push([d, [line(100 + i, d365 + delta)]]);
    }
    // Real differences: large, without any pattern (shrink, a miscount).
    const real = [discrepancy({ item: 'REAL1' }, 137, 100), discrepancy({ item: 'REAL2' }, 500, 437), discrepancy({ item: 'REAL3', location: 'A-01' }, 40, 71)];

    const all = [...noise.slice(0, 150), ...planted.keys(), ...real, ...noise.slice(150)];
    const found = likelyCauses(all, contextOf({ wms, inFlight, history }));
    const causeOfRow = new Map(all.map((d, i) => [d, found[i]?.cause]));
    for (const [d, cause] of planted) expect([d.item, d.location, causeOfRow.get(d)]).toEqual([d.item, d.location, cause]);
    expect(noise.filter((d) => causeOfRow.get(d) !== undefined).map((d) => [d.item, causeOfRow.get(d)])).toEqual([]);
    expect(real.map((d) => causeOfRow.get(d))).toEqual([undefined, undefined, undefined]);
    expect(new Set(planted.values())).toEqual(new Set(CAUSES));
  });
});

describe('the run summary of causes', () => {
  const cased = (n: number, warehouse: string) => discrepancy({ item: `C${n}`, warehouse }, 10, 120, { cost: 2 });

  it('reports a cause repeated across one warehouse once, naming the facility, the factor and the value', () => {
    const lines = [...Array.from({ length: 14 }, (_, n) => cased(n, '12')), cased(20, '11'), cased(21, '11')];
    const context = contextOf();
    context.units = { default: 'ea', conversions: [{ item: '*', from: 'cs', factor: 12 }] };
    const found = likelyCauses(lines, context);
    const rows = lines.map((discrepancy, i) => ({ discrepancy, finding: found[i] }));
    const summary = systematicFindings(rows, { facilityOf: (site, warehouse) => (warehouse === '12' ? 'DAL2' : undefined) });
    // Each line is 110 units at 2.00 = 220.00; 14 of them in warehouse 12, two in 11 are too few to be systematic.
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({ cause: 'uom-factor', scope: { kind: 'warehouse', warehouse: '12' }, lines: 14,
      absoluteValue: 14 * 220, netValue: 14 * 220 });
    expect(summary[0]!.text).toBe(`14 lines in warehouse 12 (facility DAL2) look like a 12× unit error (CS): value ${(14 * 220).toFixed(2)} (net ${(14 * 220).toFixed(2)})`);
    expect(systematicSummaryText(summary)).toContain(CAUSE_INFO['uom-factor'].check);
  });

  it('reports one item repeating a cause across warehouses, and each line in one finding only', () => {
    const moves = ['11', '12', '21'].flatMap((warehouse) => [discrepancy({ item: 'ROAMING', warehouse, location: 'A' }, 20, 14),
      discrepancy({ item: 'ROAMING', warehouse, location: 'B' }, 0, 6)]);
    const found = likelyCauses(moves, contextOf());
    const summary = systematicFindings(moves.map((discrepancy, i) => ({ discrepancy, finding: found[i] })));
    expect(summary.map((f) => [f.cause, f.scope, f.lines])).toEqual([['bin-move', { kind: 'item', item: 'ROAMING' }, 6]]);
    expect(summary[0]!.text).toContain('6 lines of item ROAMING look like moves between bins or statuses that D365 never heard of');
  });

  it('counts lines and value per cause, and what has none, so the totals are every discrepancy', () => {
    const rows = [discrepancy({ item: 'A' }, -4, 10, { cost: 3 }), discrepancy({ item: 'B' }, -1, 0, { cost: 5 }), discrepancy({ item: 'C' }, 137, 100, { cost: 1 })];
    const found = likelyCauses(rows, contextOf());
    const totals = causeTotals(rows.map((discrepancy, i) => ({ discrepancy, finding: found[i] })));
    expect(totals.byCause['negative-on-hand']).toEqual({ lines: 2, absoluteValue: 14 * 3 + 1 * 5, netValue: 14 * 3 + 1 * 5 });
    expect(totals.withoutCause).toEqual({ lines: 1, absoluteValue: 37, netValue: -37 });
    expect(Object.values(totals.byCause).reduce((s, t) => s + t.lines, 0) + totals.withoutCause.lines).toBe(rows.length);
  });
});
