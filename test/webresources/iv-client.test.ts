import { adjustmentLine, inCalls, type ApprovedCorrection } from '../../core/corrections';
import { InventoryVisibilityEmulator } from '../../sandbox/iv/emulator';
import { InventoryVisibilityClient } from '../../webresources/iv-client';

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
    iv.advance(120); // every token has expired on IV's clock
    expect((await c.postAdjustments(lines(3))).ok).toBe(true);
    expect(iv.stats.tokensIssued).toBe(2);
  });

  it('treats HTTP 200 with a failing body statusCode as a failure and keeps the raw answer', async () => {
    iv.setFaults({ share: 1, kinds: ['body500'], delayMs: 0, retryAfterSeconds: 0, seed: 1 });
    const outcome = await client({ maxAttempts: 2 }).postAdjustments(lines(1));
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

  it('gets every line in exactly once while 30% of calls fail with 429, 500, late answers or failing bodies', async () => {
    iv.setFaults({ share: 0.3, kinds: ['429', '500', 'slow', 'body500'], delayMs: 1500, retryAfterSeconds: 0, seed: 11 });
    const c = client({ maxAttempts: 12 });
    const all = lines(200);
    for (const call of inCalls(all, 25)) {
      const outcome = await c.postAdjustments(call);
      expect(outcome.ok).toBe(true);
    }
    const ledger = iv.ledger().lines;
    expect(ledger).toHaveLength(200);
    expect(new Set(ledger.map((l) => l.id)).size).toBe(200);
    expect(iv.stats.bulkCalls).toBeGreaterThan(8); // 8 calls of 25, and the refused ones again
  }, 60000);

  it('sends a call again after an answer comes too late, and IV keeps its lines once', async () => {
    iv.setFaults({ share: 1, kinds: ['slow'], delayMs: 600, retryAfterSeconds: 0, seed: 1 });
    // The first answer is late: the client gives up waiting, the emulator has the lines, and the call goes again.
    const c = client({ timeoutMs: 200, maxAttempts: 3, sleep: async () => { iv.setFaults(undefined); } });
    const outcome = await c.postAdjustments(lines(4));
    expect(outcome.ok).toBe(true);
    expect(outcome.responses[0]).toMatch(/^IV did not answer/);
    expect(iv.stats.linesReceived).toBe(8);
    expect(iv.ledger().lines).toHaveLength(4);
  });

  it('reads back the status of posted lines as IV moves them on', async () => {
    const c = client();
    const posted = lines(2);
    await c.postAdjustments(posted);
    iv.advance(17); // IV sync 5 min, aggregation 1, D365 sync 5, journal 1, posting 5
    const statuses = await c.lineStatuses(posted.map((l) => l.id));
    expect(statuses.map((s) => [s.status, s.aggregatedStatus])).toEqual([['Aggregated', 'FnOTransPosted'], ['Aggregated', 'FnOTransPosted']]);
  });
});
