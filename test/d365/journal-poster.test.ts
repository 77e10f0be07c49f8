import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JournalCorrection, JournalSettings } from '../../core/d365-journal';
import { D365JournalPoster, FileJournalPostingStore, type LineOutcome } from '../../job/d365/journal-poster';
import { startD365, onHandRow, IMPORT_PROJECT, COUNTING_PROJECT, type D365Fixture } from './fixture';

/** Posting corrections as D365 journals over real HTTP: split, per-line errors, faults, resends that never double a line. */
let f: D365Fixture;
let store: FileJournalPostingStore;
beforeEach(async () => {
  f = await startD365({ executionSeconds: 5 });
  f.d365.load('WarehousesOnHandV2', ['A1', 'A2', 'A3', 'A4', 'A5', 'BLOCKED'].map((item) => onHandRow('usmf', item, '11', 50)));
  store = new FileJournalPostingStore(join(mkdtempSync(join(tmpdir(), 'ibal-poster-')), 'store.json'));
});
afterEach(async () => { await f.close(); });

const batch = { batchId: '4f1c2b3a-0000-4000-8000-000000000001', batchName: 'PB-2026-11-21-01' };
const correction = (n: number, item: string, qty: number, extra: Partial<JournalCorrection> = {}): JournalCorrection => ({
  discrepancyId: `d${n}`, approvedOn: '2026-11-21T10:00:00Z', company: 'usmf', item, color: '', size: '', style: '', config: '', version: '', site: '1',
  warehouse: '11', location: '', batch: '', serial: '', inventoryStatus: '', owner: '', correctionQty: qty, unitCost: 4, reasonCode: 'Shrink',
  d365Qty: 50, countedQty: 50 + qty, countedOn: '2026-11-21T09:00:00Z', snapshotAsOf: '2026-11-20T02:00:00Z', ...extra,
});
const settings: JournalSettings = { type: 'adjustment', journalNameId: 'IAdj', maxLinesPerJournal: 2 };
const poster = (overrides: Partial<ConstructorParameters<typeof D365JournalPoster>[0]> = {}) => new D365JournalPoster({
  client: f.client, definitionGroup: IMPORT_PROJECT, settings, store, pollMs: 1000,
  // Waiting moves the emulator's clock: executions end after 5 emulator seconds, nothing waits on the wall clock.
  sleep: async (ms) => { f.d365.advance(ms / 1000); }, now: () => f.d365.now.getTime(), ...overrides });
const byStatus = (outcomes: LineOutcome[]) => Object.fromEntries(outcomes.map((o) => [o.discrepancyId, o.status]));
const d365Lines = () => f.d365.journalList().flatMap((j) => j.lines.map((l) => `${String(l.JournalNumber)}#${String(l.LineNumber)}:${String(l.ItemNumber)}:${String(l.InventoryQuantity)}`));

describe('D365JournalPoster', () => {
  it('posts a batch as journals split at the line limit, every line once, each Posted with its journal number', async () => {
    const corrections = [correction(1, 'A1', -3), correction(2, 'A2', 5), correction(3, 'A3', -1)];
    const result = await poster().post(batch, corrections);
    expect(byStatus(result.outcomes)).toEqual({ d1: 'Posted', d2: 'Posted', d3: 'Posted' });
    // 3 lines at 2 per journal: two journals, both named after the batch.
    const journals = f.d365.journalList();
    expect(journals.map((j) => [j.header.Description, j.lines.length])).toEqual([
      ['IBAL 4F1C2B PB-2026-11-21-01 1/2', 2], ['IBAL 4F1C2B PB-2026-11-21-01 2/2', 1]]);
    expect(d365Lines()).toEqual(['IAJ-000001#1:A1:-3', 'IAJ-000001#2:A2:5', 'IAJ-000002#1:A3:-1']);
    expect(result.outcomes.find((o) => o.discrepancyId === 'd3')).toMatchObject({ journalNumber: 'IAJ-000002' });
  });

  it('turns Posted into Synced once D365 has posted the journal, and into Sync error when the journal is gone', async () => {
    const p = poster();
    await p.post(batch, [correction(1, 'A1', -3), correction(2, 'A2', 5), correction(3, 'A3', -1)]);
    expect(await p.refresh(batch.batchId)).toEqual([]);
    f.d365.postJournal('adjustment', 'usmf', 'IAJ-000001');
    f.d365.deleteJournal('adjustment', 'usmf', 'IAJ-000002');
    const refreshed = await p.refresh(batch.batchId);
    expect(byStatus(refreshed)).toEqual({ d1: 'Synced', d2: 'Synced', d3: 'Sync error' });
    expect(refreshed.find((o) => o.discrepancyId === 'd3')).toMatchObject({ message: expect.stringContaining('D365 has no line 1') });
  });

  it("gives a line D365 refuses a Post error with D365's message, posts the others, and a second post sends only that line", async () => {
    f.d365.failItem('BLOCKED', 'Item BLOCKED is blocked for inventory transactions.');
    const corrections = [correction(1, 'A1', -3), correction(2, 'BLOCKED', 5)];
    const first = await poster().post(batch, corrections);
    expect(byStatus(first.outcomes)).toEqual({ d1: 'Posted', d2: 'Post error' });
    expect(first.outcomes.find((o) => o.discrepancyId === 'd2')).toMatchObject({ message: expect.stringContaining('blocked for inventory transactions') });
    f.d365.failItem('BLOCKED', undefined);
    const second = await poster().post(batch, corrections);
    expect(byStatus(second.outcomes)).toEqual({ d1: 'Posted', d2: 'Posted' });
    // The second package held only the missing line, added to the journal D365 already had open.
    expect(d365Lines()).toEqual(['IAJ-000001#1:A1:-3', 'IAJ-000001#2:BLOCKED:5']);
    expect(f.d365.stats.actions.ImportFromPackage).toBe(2);
  });

  it('reports an import that ends in error as Post error on every line, and a later post sends them once', async () => {
    f.d365.failNextExecutions('The batch job for the import was cancelled.');
    const corrections = [correction(1, 'A1', -3), correction(2, 'A2', 5)];
    const first = await poster().post(batch, corrections);
    expect(first.outcomes.map((o) => [o.status, 'message' in o ? o.message : ''])).toEqual([
      ['Post error', 'The batch job for the import was cancelled.'], ['Post error', 'The batch job for the import was cancelled.']]);
    await poster().post(batch, corrections);
    expect(d365Lines()).toHaveLength(2);
  });

  it('rides out 429s and 5xx answers and still creates every line exactly once', async () => {
    f.d365.setFaults({ share: 0.4, kinds: ['429', '500', '503'], retryAfterSeconds: 1, seed: 11 });
    const corrections = [1, 2, 3, 4, 5].map((n) => correction(n, `A${n}`, n));
    const result = await poster({ client: f.client }).post(batch, corrections);
    expect(result.outcomes.every((o) => o.status === 'Posted')).toBe(true);
    expect(f.d365.stats.faultsInjected).toBeGreaterThan(3);
    expect(d365Lines()).toHaveLength(5);
    expect(new Set(d365Lines()).size).toBe(5);
  });

  it('leaves a slow import running past its deadline, and the next post follows it up instead of sending again', async () => {
    const corrections = [correction(1, 'A1', -3)];
    const first = await poster({ deadlineMs: 1000 }).post(batch, corrections);
    expect(first.stillRunning).toHaveLength(1);
    f.d365.advance(10);
    const second = await poster().post(batch, corrections);
    expect(byStatus(second.outcomes)).toEqual({ d1: 'Posted' });
    expect(f.d365.stats.actions.ImportFromPackage).toBe(1);
    expect(d365Lines()).toHaveLength(1);
  });

  it('puts only lines counted after the snapshot into a counting journal, and says why the others stay out', async () => {
    const counting: JournalSettings = { type: 'counting', journalNameId: 'ICnt', maxLinesPerJournal: 10, countingReasonCodes: { Shrink: 'SHRINK' } };
    const corrections = [correction(1, 'A1', -3), correction(2, 'A2', 2, { countedOn: '2026-11-19T12:00:00Z' }), correction(3, 'A3', 1, { countedQty: null })];
    const result = await poster({ definitionGroup: COUNTING_PROJECT, settings: counting }).post(batch, corrections);
    expect(byStatus(result.outcomes)).toEqual({ d1: 'Posted', d2: 'Post error', d3: 'Post error' });
    expect(result.outcomes.find((o) => o.discrepancyId === 'd2')).toMatchObject({ message: expect.stringContaining('before the snapshot') });
    const [journal] = f.d365.journalList();
    expect(journal!.lines).toEqual([expect.objectContaining({ ItemNumber: 'A1', CountedQuantity: 47, OnHandQuantity: 50, AdjustmentQuantity: -3, CountingReasonCode: 'SHRINK' })]);
  });
});
