import { APPROVER, ADMIN, REVIEWER, ReviewLoop, reviewStatus } from '../helpers/review';
import { PRODUCT_ROLES } from '../../core/dataverse/roles';

/**
 * Dataverse is the gate: each row of the auditor's abuse list (issue "Dataverse enforces the review"), tried over real
 * HTTP with the solution's own roles, and refused.
 */
let loop: ReviewLoop;
const LOOKALIKE_ROLE = '0f0f0f0f-1111-5222-8333-444444444444';
const MALLORY = 'mallory@sandbox.local';
beforeAll(async () => {
  const { DEFAULT_USERS, DEFAULT_TEAMS } = await import('../../sandbox/dataverse/emulator');
  const approver = await import('../../sandbox/dataverse/roles');
  const solutionRoles = approver.solutionRoles('solution/src');
  const real = solutionRoles.find((r) => r.id === PRODUCT_ROLES.approver.id)!;
  loop = await ReviewLoop.start({ emulator: {
    teams: DEFAULT_TEAMS,
    // Someone made a role with our approver role's name and privileges, but it is another role.
    extraRoles: [{ id: LOOKALIKE_ROLE, name: PRODUCT_ROLES.approver.name, privileges: real.privileges }],
    users: [...DEFAULT_USERS, { id: '00000000-0000-0000-0000-00000000a0ff', fullname: 'Mallory', domainname: MALLORY, roles: ['Basic User', LOOKALIKE_ROLE],
      fieldSecurityProfiles: ['Inventory Balance Approvers'] }],
  } });
});
afterAll(async () => { await loop.close(); });

async function countedLine(item: string, d365Qty = 10, counted = 6): Promise<{ runId: string; id: string }> {
  const { runId, ids } = await loop.seed([{ item, d365Qty, wmsQty: counted }]);
  await loop.done(REVIEWER, { action: 'requestCount', discrepancyIds: [ids[item]!] });
  await loop.done(REVIEWER, { action: 'recordCount', discrepancyIds: [ids[item]!], counts: { [ids[item]!]: counted } });
  return { runId, id: ids[item]! };
}

describe('no way around the review service', () => {
  it('answers a request without a token with 401', async () => {
    expect((await loop.call('', 'GET', 'ibal_discrepancies')).status).toBe(401);
    expect((await loop.call('', 'POST', 'ibal_reviewrequests', { ibal_name: 'x' })).status).toBe(401);
  });

  it("refuses a reviewer's PATCH of the review status, a figure or the unit cost (Read only on discrepancies)", async () => {
    const { ids } = await loop.seed([{ item: 'P1', d365Qty: 10, wmsQty: 4 }]);
    for (const change of [{ ibal_reviewstatus: reviewStatus('Approved') }, { ibal_reviewstatus: reviewStatus('Explained') }, { ibal_item: 'ATTACKER-ITEM' },
      { ibal_warehouse: '99' }, { ibal_unitcost: 0 }, { 'ibal_decidedby@odata.bind': `/systemusers(${loop.dataverse.users[2]!.id})` }]) {
      const refused = await loop.call(REVIEWER, 'PATCH', `ibal_discrepancies(${ids.P1})`, change);
      expect([refused.status, refused.json.error.code]).toEqual([403, '0x80040220']);
    }
    expect(await loop.statusOf(ids.P1!)).toBe('New');
  });

  it("refuses an approver's PATCH of a posted line's decided-on date, so no second IV line can follow", async () => {
    const { runId, id } = await countedLine('P2');
    await loop.done(APPROVER, { action: 'approve', discrepancyIds: [id], reasonCode: 'Shrink' });
    await loop.done(APPROVER, { action: 'post', discrepancyIds: [], runId, confirmed: { lines: 1, absoluteValue: 40 } });
    const rewrite = await loop.call(APPROVER, 'PATCH', `ibal_discrepancies(${id})`, { ibal_decidedon: '2026-12-01T00:00:00Z' });
    expect(rewrite.status).toBe(403);
    const again = await loop.done(APPROVER, { action: 'post', discrepancyIds: [id], confirmed: { lines: 0, absoluteValue: 0 } });
    expect(again.refusals[0]!.reason).toBe('It is Posted: only Approved corrections are posted.');
    expect(loop.iv.ledger().lines.filter((l) => l.line.externalReferenceId === id)).toHaveLength(1);
  });

  it('refuses a request that sets what only the service sets (its status or outcome), by column security', async () => {
    const { ids } = await loop.seed([{ item: 'P3', d365Qty: 10, wmsQty: 4 }]);
    const forged = await loop.call(REVIEWER, 'POST', 'ibal_reviewrequests', { ibal_name: 'forged', ibal_action: 735800000, ibal_discrepancies: JSON.stringify([ids.P3]),
      ibal_requeststatus: 735800002, ibal_outcome: 'all done' });
    expect([forged.status, forged.json.error.code]).toEqual([403, '0x8004f502']);
  });

  it("refuses a reviewer's Approve before it is saved, with the reason, at once", async () => {
    const { id } = await countedLine('P4');
    const asked = await loop.ask(REVIEWER, { action: 'approve', discrepancyIds: [id], reasonCode: 'Shrink' });
    expect(asked.status).toBe(400);
    expect(asked.error).toBe('Your security roles do not allow Approve: it takes Inventory Balance Approver.');
    expect((await loop.call(ADMIN, 'GET', `ibal_reviewrequests(${asked.id})`)).status).toBe(404);
    expect(await loop.statusOf(id)).toBe('Counted');
  });

  it('refuses a count Dataverse cannot store before it is saved, naming the limit, instead of failing later', async () => {
    const { ids } = await loop.seed([{ item: 'P9', d365Qty: 10, wmsQty: 4 }]);
    for (const count of [1e300, 1000000000000.12]) {
      const asked = await loop.ask(REVIEWER, { action: 'recordCount', discrepancyIds: [ids.P9!], counts: { [ids.P9!]: count } });
      expect(asked.status).toBe(400);
      expect(asked.error).toContain('a counted quantity is at most what Dataverse stores (±100,000,000,000)');
    }
    expect(await loop.statusOf(ids.P9!)).toBe('New');
  });

  it('lets an approver approve only with the approver role itself: administrators and System Administrators do not approve', async () => {
    const { id } = await countedLine('P5');
    const asked = await loop.ask(ADMIN, { action: 'approve', discrepancyIds: [id], reasonCode: 'Shrink' });
    expect([asked.status, asked.error]).toEqual([400, 'Your security roles do not allow Approve: it takes Inventory Balance Approver.']);
  });

  it("lets each user read only their own review requests (Basic depth)", async () => {
    const { ids } = await loop.seed([{ item: 'P9', d365Qty: 10, wmsQty: 4 }]);
    const mine = await loop.ask(APPROVER, { action: 'requestCount', discrepancyIds: [ids.P9!] });
    await loop.settled();
    const byReviewer = await loop.call(REVIEWER, 'GET', `ibal_reviewrequests(${mine.id})`);
    expect([byReviewer.status, byReviewer.json.error.code]).toEqual([403, '0x80040220']);
    const listed = (await loop.call(REVIEWER, 'GET', 'ibal_reviewrequests?$select=ibal_name')).json.value.map((r: { ibal_reviewrequestid: string }) => r.ibal_reviewrequestid);
    expect(listed).not.toContain(mine.id);
    expect((await loop.call(APPROVER, 'GET', `ibal_reviewrequests(${mine.id})`)).status).toBe(200);
  });

  it('accepts a role held through a team (the reviewer counts through the Inventory controllers team)', async () => {
    const { ids } = await loop.seed([{ item: 'P6', d365Qty: 10, wmsQty: 4 }]);
    expect(await loop.done(REVIEWER, { action: 'requestCount', discrepancyIds: [ids.P6!] })).toMatchObject({ status: 'Completed', changed: 1 });
  });

  it('refuses a role named like ours but with another id', async () => {
    const { id } = await countedLine('P7');
    const asked = await loop.ask(MALLORY, { action: 'approve', discrepancyIds: [id], reasonCode: 'Shrink' });
    expect([asked.status, asked.error]).toEqual([400, 'Your security roles do not allow Approve: it takes Inventory Balance Approver.']);
    expect(await loop.statusOf(id)).toBe('Counted');
  });

  it('does not let an approver approve a count they recorded themselves', async () => {
    const { ids } = await loop.seed([{ item: 'P8', d365Qty: 10, wmsQty: 4 }]);
    await loop.done(APPROVER, { action: 'requestCount', discrepancyIds: [ids.P8!] });
    await loop.done(APPROVER, { action: 'recordCount', discrepancyIds: [ids.P8!], counts: { [ids.P8!]: 4 } });
    const asked = await loop.ask(APPROVER, { action: 'approve', discrepancyIds: [ids.P8!], reasonCode: 'Shrink' });
    expect([asked.status, asked.error]).toEqual([400, 'Nothing would change: You recorded this count yourself: another approver must approve it.']);
  });

  it('refuses to post a line whose figures changed after approval, posting the others, and sends it back for approval', async () => {
    const { runId, ids } = await loop.seed([{ item: 'Q1', d365Qty: 10, wmsQty: 5, unitCost: 20 }, { item: 'Q2', d365Qty: 10, wmsQty: 8, unitCost: 20 }]);
    await loop.approveAll([ids.Q1!, ids.Q2!], { [ids.Q1!]: 5, [ids.Q2!]: 8 });
    // Someone with write access (here the System Administrator) changes an approved line's item and cost.
    expect((await loop.call(ADMIN, 'PATCH', `ibal_discrepancies(${ids.Q1})`, { ibal_item: 'ATTACKER-ITEM', ibal_unitcost: 0 })).status).toBe(204);
    // The confirmation the approver sees is computed from the lines as they are now: Q1 worth 0, Q2 worth 40.
    const posted = await loop.done(APPROVER, { action: 'post', discrepancyIds: [], runId, confirmed: { lines: 2, absoluteValue: 40 } });
    expect(posted).toMatchObject({ status: 'Completed with refusals', changed: 1, refused: 1 });
    expect(posted.refusals[0]).toEqual({ id: ids.Q1, name: 'Q1 / 11', reason: 'Its figures changed after it was approved, so it was not posted; it is back to Counted for a new approval.' });
    expect(loop.iv.ledger().lines.map((l) => l.line.productId)).not.toContain('ATTACKER-ITEM');
    expect([await loop.statusOf(ids.Q1!), await loop.statusOf(ids.Q2!)]).toEqual(['Counted', 'Posted']);
  });

  it('refuses to review or post the lines of a run that did not complete (failed, or replaced by other snapshot files)', async () => {
    const { runId, ids } = await loop.seed([{ item: 'U1', d365Qty: 10, wmsQty: 4 }]);
    await loop.done(REVIEWER, { action: 'requestCount', discrepancyIds: [ids.U1!] });
    expect((await loop.call(ADMIN, 'PATCH', `ibal_snapshotruns(${runId})`, { ibal_runstatus: 735800003 })).status).toBe(204); // Replaced
    const asked = await loop.ask(REVIEWER, { action: 'recordCount', discrepancyIds: [ids.U1!], counts: { [ids.U1!]: 4 } });
    expect([asked.status, asked.error]).toEqual([400, 'Nothing would change: Its run is Replaced: only the discrepancies of a completed run are reviewed and posted.']);
    expect(await loop.statusOf(ids.U1!)).toBe('Count requested');
  });

  it('refuses a post whose lines changed since the approver confirmed them: nothing is posted', async () => {
    const { runId, ids } = await loop.seed([{ item: 'Q3', d365Qty: 10, wmsQty: 5 }]);
    await loop.approveAll([ids.Q3!], { [ids.Q3!]: 5 });
    const posted = await loop.done(APPROVER, { action: 'post', discrepancyIds: [], runId, confirmed: { lines: 1, absoluteValue: 5 } });
    expect(posted.status).toBe('Refused');
    expect(posted.outcome).toContain('The corrections changed since they were confirmed (confirmed 1 line worth 5; now 1 line worth 50).');
    expect(await loop.statusOf(ids.Q3!)).toBe('Approved');
  });
});

describe('the webhook endpoint trusts only Dataverse', () => {
  const context = (overrides: Record<string, unknown> = {}) => JSON.stringify({ InitiatingUserId: loop.dataverse.users[2]!.id, UserId: loop.dataverse.users[2]!.id,
    MessageName: 'Create', Mode: 1, Stage: 40, PrimaryEntityName: 'ibal_reviewrequest', PrimaryEntityId: '00000000-0000-0000-0000-000000000bad',
    OrganizationId: 'x', CorrelationId: 'y', InputParameters: [], ...overrides });
  const post = async (body: string, headers: Record<string, string>) => {
    const url = (await loop.call(ADMIN, 'GET', 'serviceendpoints?$select=url')).json.value[0].url as string;
    return fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'x-ms-dynamics-organization': new URL(loop.api).host, ...headers } });
  };

  it('refuses a call without the webhook key, or from another environment', async () => {
    expect((await post(context(), {})).status).toBe(401);
    expect((await post(context(), { 'x-ibal-webhook-key': 'guess' })).status).toBe(401);
    expect((await post(context(), { 'x-ibal-webhook-key': loop.webhookKey, 'x-ms-dynamics-organization': 'contoso.crm.dynamics.com' })).status).toBe(403);
  });

  it('does a replayed delivery once: the request is already finished', async () => {
    const { ids } = await loop.seed([{ item: 'R1', d365Qty: 10, wmsQty: 4 }]);
    const asked = await loop.ask(REVIEWER, { action: 'requestCount', discrepancyIds: [ids.R1!] });
    await loop.settled();
    const before = [(await loop.call(ADMIN, 'GET', `ibal_reviewrequests(${asked.id})`)).json['@odata.etag'], (await loop.discrepancy(ids.R1!))['@odata.etag']];
    const replay = await post(context({ PrimaryEntityId: asked.id }), { 'x-ibal-webhook-key': loop.webhookKey });
    expect(replay.status).toBe(202);
    await loop.settled();
    const after = [(await loop.call(ADMIN, 'GET', `ibal_reviewrequests(${asked.id})`)).json['@odata.etag'], (await loop.discrepancy(ids.R1!))['@odata.etag']];
    expect(after).toEqual(before);
  });

  it('takes who asked from the request Dataverse saved, not from a context someone forged with the key', async () => {
    const { ids } = await loop.seed([{ item: 'R2', d365Qty: 10, wmsQty: 4 }]);
    await loop.done(REVIEWER, { action: 'requestCount', discrepancyIds: [ids.R2!] });
    await loop.done(REVIEWER, { action: 'recordCount', discrepancyIds: [ids.R2!], counts: { [ids.R2!]: 4 } });
    // With the service unreachable, nothing can be asked: the synchronous check is not skipped, the create fails.
    await loop.pointWebhookAt('http://127.0.0.1:9/unreachable');
    const approver = loop.dataverse.users.find((u) => u.domainname === APPROVER)!;
    const asked = await loop.ask(REVIEWER, { action: 'approve', discrepancyIds: [ids.R2!], reasonCode: 'Shrink' });
    expect(asked.status).toBe(400); // the synchronous check cannot be skipped: no service, no request
    await loop.pointWebhookAt(loop.serviceUrl);
    const forged = await post(context({ InitiatingUserId: approver.id, UserId: approver.id, PrimaryEntityId: ids.R2! }), { 'x-ibal-webhook-key': loop.webhookKey });
    expect(forged.status).toBe(202);
    await loop.settled();
    expect(await loop.statusOf(ids.R2!)).toBe('Counted');
  });

  it('refuses a body larger than Dataverse ever sends before reading it whole', async () => {
    const url = (await loop.call(ADMIN, 'GET', 'serviceendpoints?$select=url')).json.value[0].url as string;
    const huge = await fetch(url, { method: 'POST', body: 'x'.repeat(3 * 1024 * 1024), headers: { 'x-ibal-webhook-key': loop.webhookKey } }).catch((e: Error) => e);
    expect(huge instanceof Error ? 'closed' : String(huge.status)).toMatch(/^(413|closed)$/);
  });
});
