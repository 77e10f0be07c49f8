import { adjustmentLine, type ApprovedCorrection } from '../../core/corrections';
import { InventoryVisibilityEmulator } from '../../sandbox/iv/emulator';
import { InventoryVisibilityClient } from '../../job/iv/client';

/** The IV client against the IV emulator over HTTP on 127.0.0.1. */
let iv: InventoryVisibilityEmulator;
let base: string;
beforeEach(async () => {
  iv = new InventoryVisibilityEmulator({ maxLinesPerCall: 50 });
  base = await iv.listen();
});
afterEach(async () => { await iv.close(); });

const client = (over: Partial<ConstructorParameters<typeof InventoryVisibilityClient>[0]> = {}) => new InventoryVisibilityClient({
  endpoint: base, environmentId: iv.environmentId, backoffBaseMs: 1, timeoutMs: 1000,
  tokens: iv.tokenProvider(base), ...over });

const correction = (i: number): ApprovedCorrection => ({ discrepancyId: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, approvedOn: '2026-11-23T09:00:00Z',
  company: 'usmf', item: `A${i}`, color: '', size: '', style: '', config: '', version: '', site: '1', warehouse: '11', location: '', batch: '', serial: '',
  inventoryStatus: '', owner: '', correctionQty: -1 - (i % 5), unitCost: 2, reasonCode: 'Shrink' });
const lines = (n: number) => Array.from({ length: n }, (_, i) => adjustmentLine(correction(i), { quantityDataSource: 'ibal', physicalMeasure: 'adjustment' }));

describe('Inventory Visibility client', () => {
  it('exchanges tokens through the security service (following its 307) and posts the lines', async () => {
    const outcome = await client().postAdjustments(lines(3));
    expect(outcome.ok).toBe(true);
    expect([...outcome.lines.values()].every((l) => l.ok)).toBe(true);
    expect(outcome.responses).toHaveLength(1);
    expect(iv.ledger().lines.map((l) => l.line.quantity)).toEqual([-1, -2, -3]);
  });

  it('reuses its token until it nears expiry, and gets a new one when IV says 401', async () => {
    const c = client();
    await c.postAdjustments(lines(1));
    await c.postAdjustments(lines(2));
    expect(iv.stats.tokensIssued).toBe(1);
    await iv.advance(120); // every token has expired on IV's clock
    expect((await c.postAdjustments(lines(3))).ok).toBe(true);
    expect(iv.stats.tokensIssued).toBe(2);
  });

  it('treats HTTP 200 with a failing body statusCode as a failure and keeps the raw answer', async () => {
    iv.setFaults({ share: 1, kinds: ['body500'], delayMs: 0, retryAfterSeconds: 0, seed: 1 });
    const outcome = await client().postAdjustments(lines(1));
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/^IV answered 200 with a body statusCode 500/);
    expect(outcome.responses[0]).toBe('200 {"statusCode":500,"message":"The adjustments could not be saved (injected fault)"}');
    expect(iv.ledger().lines).toEqual([]);
  });

  it('does not retry what IV refuses as wrong', async () => {
    const outcome = await client().postAdjustments(lines(51));
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toContain('At most 50 lines per call');
    expect(outcome.responses).toHaveLength(1);
  });

  it('waits out a 429 (IV did nothing) and sends the call again, honouring Retry-After', async () => {
    iv.setFaults({ share: 1, kinds: ['429'], delayMs: 0, retryAfterSeconds: 3, seed: 1 });
    const waits: number[] = [];
    const outcome = await client({ sleep: async (ms) => { waits.push(ms); if (waits.length === 2) iv.setFaults(undefined); } }).postAdjustments(lines(2));
    expect(outcome.ok).toBe(true);
    expect(waits).toEqual([3000, 3000]);
    expect(iv.ledger().lines).toHaveLength(2);
  });

  it('never sends a call again by itself after a 500 or a lost answer: IV may have kept the lines, and says it is uncertain', async () => {
    iv.setFaults({ share: 1, kinds: ['500after'], delayMs: 0, retryAfterSeconds: 0, seed: 1 });
    const after500 = await client().postAdjustments(lines(3));
    expect([after500.ok, after500.uncertain, after500.responses.length]).toEqual([false, true, 1]);
    iv.setFaults({ share: 1, kinds: ['slow'], delayMs: 600, retryAfterSeconds: 0, seed: 1 });
    const late = await client({ timeoutMs: 200 }).postAdjustments(lines(2));
    expect([late.ok, late.uncertain]).toEqual([false, true]);
    expect(late.responses[0]).toMatch(/^IV did not answer/);
    // IV holds all five: whoever sends again must look first (job/review-service/posting.ts).
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(iv.ledger().lines).toHaveLength(5);
  });
});
