import { ADMIN, APPROVER, ReviewLoop } from '../helpers/review';
import { onHandRow, startD365, IMPORT_PROJECT, type D365Fixture } from '../d365/fixture';
import { d365TokenProvider } from '../../job/d365/auth';

/**
 * Posting as a D365 journal (ibal_PostingPath d365-journal), through the same gate: the approver's Post request is
 * carried out by the review service, which imports one adjustment journal for the batch into D365 (the emulator,
 * over HTTP) and follows it to Synced once D365 has posted it.
 */
let loop: ReviewLoop;
let f: D365Fixture;
beforeAll(async () => {
  f = await startD365({ executionSeconds: 2 });
  loop = await ReviewLoop.start({ service: false });
  await loop.startService({
    d365Tokens: (url) => d365TokenProvider(url, { tenantId: f.d365.tenantId, clientId: f.d365.clientId, clientSecret: f.d365.clientSecret, loginUrl: f.origin }),
    d365Sleep: async (ms) => { f.d365.advance(ms / 1000); },
  });
  for (const [name, value] of Object.entries({ ibal_PostingPath: 'd365-journal', ibal_D365Url: f.origin, ibal_D365ImportProject: IMPORT_PROJECT, ibal_D365JournalNameId: 'IAJ-IBAL' })) {
    await loop.setEnvironmentVariable(name, value);
  }
});
afterAll(async () => { await loop.close(); await f.close(); });

it('imports the batch as one D365 adjustment journal, each line once, and follows it to Synced', async () => {
  f.d365.load('WarehousesOnHandV2', ['J1', 'J2'].map((item) => onHandRow('usmf', item, '11', 10)));
  const { runId, ids } = await loop.seed([{ item: 'J1', d365Qty: 10, wmsQty: 7 }, { item: 'J2', d365Qty: 10, wmsQty: 12 }]);
  await loop.approveAll([ids.J1!, ids.J2!], { [ids.J1!]: 7, [ids.J2!]: 12 });
  const posted = await loop.done(APPROVER, { action: 'post', discrepancyIds: [], runId, confirmed: { lines: 2, absoluteValue: 50 } });
  expect(posted).toMatchObject({ status: 'Completed', changed: 2 });
  expect(posted.outcome).toMatch(/^2 discrepancies posted as a D365 adjustment journal\.\nTotal value 50 \(net -10\), in adjustment journal IAJ-\d+\.$/);
  const journals = f.d365.journalList();
  expect(journals).toHaveLength(1);
  expect(journals[0]!.lines.map((l) => [l.ItemNumber, l.InventoryQuantity]).sort()).toEqual([['J1', -3], ['J2', 2]]);
  const row = await loop.discrepancy(ids.J1!);
  expect([row.ibal_reviewstatus, row.ibal_journalnumber]).toEqual([735800007, String(journals[0]!.header.JournalNumber)]);
  // D365 posts the journal (a user or a batch job); the follow-up (or Refresh) sees it and the lines are Synced.
  f.d365.postJournal('adjustment', 'usmf', String(journals[0]!.header.JournalNumber));
  const refreshed = await loop.done(APPROVER, { action: 'refreshIvStatus', discrepancyIds: [], runId });
  expect(refreshed).toMatchObject({ status: 'Completed', changed: 2 });
  expect([await loop.statusOf(ids.J1!), await loop.statusOf(ids.J2!)]).toEqual(['Synced', 'Synced']);
  // Posting again sends nothing twice: the lines are no longer Approved.
  const again = await loop.done(APPROVER, { action: 'post', discrepancyIds: [ids.J1!], confirmed: { lines: 0, absoluteValue: 0 } });
  expect(again.refusals[0]!.reason).toBe('It is Synced: only Approved corrections are posted.');
  expect(f.d365.journalList().flatMap((j) => j.lines)).toHaveLength(2);
  expect((await loop.call(ADMIN, 'GET', 'ibal_postingbatches?$select=ibal_syncedcount')).json.value[0].ibal_syncedcount).toBe(2);
});
