import { ADMIN, APPROVER, REVIEWER, ReviewLoop } from '../helpers/review';

/**
 * The review workflow through the gate: users only create review requests; Dataverse's webhook hands them to the
 * review service, which checks and carries them out as its application user (everything over HTTP on 127.0.0.1).
 */
let loop: ReviewLoop;
beforeAll(async () => { loop = await ReviewLoop.start({ iv: { failCreate: ['SYNCFAIL'] } }); });
afterAll(async () => { await loop.close(); });

it('takes lines from New to Synced: counts by a reviewer, approval by an approver, one posting batch, IV status', async () => {
  const { runId, ids } = await loop.seed([{ item: 'A1', d365Qty: 10, wmsQty: 6 }, { item: 'A2', d365Qty: 5, wmsQty: 3 }, { item: 'A3', d365Qty: 8, wmsQty: 8.5 }]);
  const all = [ids.A1!, ids.A2!, ids.A3!];
  expect(await loop.done(REVIEWER, { action: 'requestCount', discrepancyIds: all })).toMatchObject({ status: 'Completed', changed: 3 });
  const reviewer = loop.dataverse.users.find((u) => u.domainname === REVIEWER)!;
  expect((await loop.discrepancy(ids.A1!))._ibal_requestedby_value).toBe(reviewer.id);
  const counted = await loop.done(REVIEWER, { action: 'recordCount', discrepancyIds: all, counts: { [ids.A1!]: 6, [ids.A2!]: 3 } });
  expect(counted).toMatchObject({ status: 'Completed with refusals', changed: 2, refused: 1 });
  expect(counted.outcome).toContain('A3 / 11: No counted quantity was entered for it.');
  // Approving is the approver's: the correction is counted − D365 (6 − 10 = −4, 3 − 5 = −2).
  const approved = await loop.done(APPROVER, { action: 'approve', discrepancyIds: [ids.A1!, ids.A2!], reasonCode: 'Shrink' });
  expect(approved).toMatchObject({ status: 'Completed', changed: 2 });
  const a1 = await loop.discrepancy(ids.A1!);
  expect([a1.ibal_correctionqty, a1['ibal_reasoncode@OData.Community.Display.V1.FormattedValue'], a1._ibal_decidedby_value])
    .toEqual([-4, 'Shrink', loop.dataverse.users.find((u) => u.domainname === APPROVER)!.id]);
  // Post the run's approved lines after confirming their impact (6 units × 10).
  const posted = await loop.done(APPROVER, { action: 'post', discrepancyIds: [], runId, confirmed: { lines: 2, absoluteValue: 60 } });
  expect(posted).toMatchObject({ status: 'Completed', changed: 2 });
  expect(loop.iv.ledger().lines.map((l) => [l.line.productId, l.line.quantity]).sort()).toEqual([['A1', -4], ['A2', -2]]);
  expect(await loop.statusOf(ids.A1!)).toBe('Posted');
  const batches = (await loop.call(ADMIN, 'GET', 'ibal_postingbatches')).json.value;
  expect(batches).toHaveLength(1);
  expect(batches[0]).toMatchObject({ ibal_linecount: 2, ibal_totalquantity: -6, ibal_totalabsolutevalue: 60, ibal_postedcount: 2 });
  await loop.iv.advance(17);
  const refreshed = await loop.done(APPROVER, { action: 'refreshIvStatus', discrepancyIds: [], runId });
  expect(refreshed).toMatchObject({ status: 'Completed', changed: 2 });
  expect([await loop.statusOf(ids.A1!), await loop.statusOf(ids.A2!)]).toEqual(['Synced', 'Synced']);
  expect((await loop.call(ADMIN, 'GET', 'ibal_postingbatches')).json.value[0]).toMatchObject({ ibal_syncedcount: 2, ibal_postedcount: 0 });
});

it('follows up by itself: posted lines reach Synced without a refresh, and a correction stuck too long is marked as needing attention', async () => {
  const { ReviewService } = await import('../../job/review-service/service');
  const { runId, ids } = await loop.seed([{ item: 'F1', d365Qty: 10, wmsQty: 7 }, { item: 'F2', d365Qty: 10, wmsQty: 8 }]);
  await loop.approveAll([ids.F1!, ids.F2!], { [ids.F1!]: 7, [ids.F2!]: 8 });
  await loop.done(APPROVER, { action: 'post', discrepancyIds: [ids.F1!], runId, confirmed: { lines: 1, absoluteValue: 30 } });
  await loop.iv.advance(17);
  // Later the same day: the follow-up runs (ibal follow-up, or the hosted service's timer) as the service's user.
  const later = new ReviewService({ dataverse: loop.serviceDataverse(), ivTokens: loop.iv.tokenProvider(loop.ivBase), webhookKey: loop.webhookKey,
    sealKey: loop.sealKey, now: () => new Date(Date.now() + 5 * 3600 * 1000) });
  // F2 was left in Posting by a posting that never finished (its id on record, IV never called).
  expect((await loop.call(ADMIN, 'PATCH', `ibal_discrepancies(${ids.F2})`, { ibal_reviewstatus: 735800006, ibal_ivlineid: 'ibal-never-sent' })).status).toBe(204);
  const report = await later.followUp();
  expect(report).toMatchObject({ moved: 1, marked: 1 });
  expect(await loop.statusOf(ids.F1!)).toBe('Synced');
  const stuck = await loop.discrepancy(ids.F2!);
  expect(stuck.ibal_needsattention).toMatch(/^Still Posting after 5 hours: its posting did not finish\./);
  // The Needs attention view lists it.
  const view = (await loop.call(ADMIN, 'GET', `ibal_discrepancies?$select=ibal_name&$filter=ibal_needsattention ne null`)).json.value.map((r: { ibal_name: string }) => r.ibal_name);
  expect(view).toContain('F2 / 11');
});

it("keeps a posted correction's sync error from a reviewer: closing it as explained takes an approver", async () => {
  const { runId, ids } = await loop.seed([{ item: 'SYNCFAIL', d365Qty: 10, wmsQty: 7 }]);
  const id = ids.SYNCFAIL!;
  await loop.approveAll([id], { [id]: 7 });
  await loop.done(APPROVER, { action: 'post', discrepancyIds: [], runId, confirmed: { lines: 1, absoluteValue: 30 } });
  await loop.iv.advance(17);
  await loop.done(APPROVER, { action: 'refreshIvStatus', discrepancyIds: [], runId });
  expect(await loop.statusOf(id)).toBe('Sync error');
  // As the auditor tried it: the reviewer asks Dataverse to close it with a comment of their own.
  const asked = await loop.ask(REVIEWER, { action: 'explain', discrepancyIds: [id], comment: 'fixed in D365, trust me' });
  expect([asked.status, asked.error]).toEqual([400,
    'Nothing would change: Closing a sync error takes an Inventory Balance Approver: Inventory Visibility already holds its approved correction.']);
  expect(await loop.statusOf(id)).toBe('Sync error');
  expect(await loop.done(APPROVER, { action: 'explain', discrepancyIds: [id], comment: 'Journal posted by hand in D365' })).toMatchObject({ status: 'Completed', changed: 1 });
  expect(await loop.statusOf(id)).toBe('Explained');
});
