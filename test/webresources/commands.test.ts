import { ClientContextMock, ContextMock, ItemCollectionMock, UserSettingsMock, XrmMockGenerator } from 'xrm-mock';
import { PRODUCT_ROLES } from '../../core/dataverse/roles';
import { EmulatorWebApi } from '../../sandbox/xrm/web-api';
import * as commands from '../../webresources/commands';
import type { DialogRequest } from '../../webresources/dialog/contract';
import { ADMIN, APPROVER, REVIEWER, ReviewLoop } from '../helpers/review';

/**
 * The command bar as users run it: Xrm from xrm-mock with Xrm.WebApi over the Dataverse emulator as the signed-in
 * user; every command only creates a review request, and the answer shown is the review service's.
 */
let loop: ReviewLoop;
beforeAll(async () => { loop = await ReviewLoop.start({ iv: { failCreate: ['SYNCFAIL'] } }); });
afterAll(async () => { await loop.close(); });

interface Session { alerts: string[]; progress: string[]; dialogs: DialogRequest[]; refreshed: number }

/** Signs a user in to the "app"; `roles` overrides what the browser believes their roles are. */
function signInAs(domainname: string, answer: (request: DialogRequest) => unknown, roles?: Array<{ id: string; name: string }>): Session {
  const user = loop.dataverse.users.find((u) => u.domainname === domainname)!;
  const session: Session = { alerts: [], progress: [], dialogs: [], refreshed: 0 };
  const held = roles ?? loop.dataverse.rolesOf(user).map((r) => ({ id: r.id, name: r.name }));
  const xrm = XrmMockGenerator.initialise({ context: new ContextMock({ clientContext: new ClientContextMock('Web', 'Online'), clientUrl: loop.api,
    userSettings: new UserSettingsMock({ userId: `{${user.id.toUpperCase()}}`, userName: user.domainname, isGuidedHelpEnabled: false, isHighContrastEnabled: false, isRTL: false,
      roles: new ItemCollectionMock(held.map((r) => ({ ...r, entityType: 'role' }))) }) as unknown as Xrm.UserSettings }) });
  xrm.WebApi = new EmulatorWebApi({ apiUrl: loop.api, identity: () => ({ Authorization: `Bearer ${loop.dataverse.issueToken(user.domainname)}` }) }) as unknown as Xrm.WebApi;
  xrm.Utility.showProgressIndicator = (message: string) => { session.progress.push(message); };
  xrm.Utility.closeProgressIndicator = () => undefined;
  xrm.Navigation.openAlertDialog = (async (strings: Xrm.Navigation.AlertStrings) => { session.alerts.push(strings.text); }) as unknown as typeof xrm.Navigation.openAlertDialog;
  xrm.Navigation.navigateTo = (async (page: { data?: string }) => {
    const request = JSON.parse(page.data!) as DialogRequest;
    session.dialogs.push(request);
    const returnValue = answer(request);
    return returnValue === undefined ? undefined : { returnValue: JSON.stringify(returnValue) };
  }) as unknown as typeof xrm.Navigation.navigateTo;
  return session;
}
const grid = (session: Session) => ({ refresh: () => { session.refreshed += 1; } });
const braced = (id: string) => `{${id.toUpperCase()}}`;

it('takes lines from New to Synced through review requests: counts, approvals, refusals explained, one posting batch, IV status', async () => {
  const { ids } = await loop.seed([{ item: 'A1', d365Qty: 100, wmsQty: 95 }, { item: 'A2', d365Qty: 100, wmsQty: 95 }, { item: 'A3', d365Qty: 100, wmsQty: 95 },
    { item: 'A4', d365Qty: 100, wmsQty: 95 }, { item: 'BIG', d365Qty: 100, wmsQty: 95, unitCost: 1000 }, { item: 'T1', d365Qty: 100, wmsQty: 95, classification: 'Timing' },
    { item: 'A5', d365Qty: 100, wmsQty: 95 }]);

  let session = signInAs(REVIEWER, () => undefined);
  expect([commands.canRequestCount(), commands.canRecordCount(), commands.canExplain()]).toEqual([true, true, true]);
  expect([commands.canApprove(), commands.canReject(), commands.canPost(), commands.canRefreshIvStatus()]).toEqual([false, false, false, false]);
  await commands.requestCount([ids.A1!, ids.A2!, ids.A3!, ids.BIG!].map(braced), grid(session));
  expect(session.alerts.at(-1)).toBe('4 discrepancies count requested.');
  expect(session.progress[0]).toBe('Sending the request to the review service…');
  expect(session.refreshed).toBe(1);

  session = signInAs(REVIEWER, (request) => (request.kind === 'recordCount' ? { kind: 'recordCount', counts: { [ids.A1!]: 96, [ids.A2!]: 98, [ids.A3!]: 97, [ids.BIG!]: 90, [ids.A5!]: 100 } } : undefined));
  await commands.recordCount([ids.A1!, ids.A2!, ids.A3!, ids.BIG!, ids.A4!, ids.A5!], grid(session));
  expect(session.dialogs[0]).toMatchObject({ kind: 'recordCount', rows: expect.arrayContaining([expect.objectContaining({ name: 'A1 / 11', d365Qty: 100 })]) });
  expect(session.alerts.at(-1)).toContain('5 discrepancies count recorded.');
  // A5 was counted as D365 holds it: nothing to correct, closed, never approvable or posted.
  expect(session.alerts.at(-1)).toContain('1 count matched D365 and closed its line as explained: nothing will be posted for it.');
  expect(await loop.statusOf(ids.A5!)).toBe('Explained');
  expect((await loop.discrepancy(ids.A5!)).ibal_comment).toContain('Explained — count matched');
  expect(session.alerts.at(-1)).toContain('A4 / 11: No counted quantity was entered for it.');

  session = signInAs(APPROVER, (request) => (request.kind === 'approve' ? { kind: 'approve', reasonCode: 'Shrink', comment: '' } : undefined));
  expect([commands.canApprove(), commands.canPost()]).toEqual([true, true]);
  await commands.approve([ids.A1!, ids.A2!, ids.A4!, ids.BIG!], grid(session));
  // A4 was never counted: the dialog asks about the three that can be approved and names the one it leaves alone.
  expect(session.dialogs[0]).toMatchObject({ kind: 'approve', lines: 3, confirmAboveValue: 1000, note: expect.stringContaining('1 selected line is left as it is (1 New and Material)') });
  const approved = session.alerts.at(-1)!;
  expect(approved).toContain('2 discrepancies approved.');
  expect(approved).toContain('A4 / 11: Cannot approve a discrepancy that is New: only from Counted.');
  expect(approved).toContain('BIG / 11: This correction is worth 10000, above 1000: add a comment to confirm it.');
  expect((await loop.discrepancy(ids.A1!)).ibal_correctionqty).toBe(-4);

  session = signInAs(APPROVER, (request) => (request.kind === 'reject' ? { kind: 'reject', comment: 'Recount: the bin was being replenished' } : undefined));
  await commands.reject([ids.A3!], grid(session));
  expect(await loop.statusOf(ids.A3!)).toBe('Rejected');

  session = signInAs(REVIEWER, (request) => (request.kind === 'explain' ? { kind: 'explain', reasonCode: 'Timing', comment: 'In transit' } : undefined));
  await commands.markExplained([ids.T1!, ids.A4!], grid(session));
  expect(session.alerts.at(-1)).toContain('1 discrepancy closed as explained.');
  expect(session.alerts.at(-1)).toContain('A4 / 11: Only Timing or Immaterial differences are closed as explained; a Material one is counted');

  // Finance sees the whole impact first; the service posts exactly those lines, once.
  session = signInAs(APPROVER, (request) => (request.kind === 'confirmPost' ? { kind: 'confirmPost', confirmed: true } : undefined));
  await commands.postToInventoryVisibility([ids.A1!, ids.A2!, ids.A3!], grid(session));
  expect(session.dialogs.find((d) => d.kind === 'confirmPost')).toMatchObject({ total: { lines: 2, quantity: -6, absoluteValue: 60, netValue: -60 } });
  expect(session.alerts.at(-1)).toContain('2 discrepancies posted to Inventory Visibility.');
  expect(loop.iv.ledger().lines.map((l) => [l.line.productId, l.line.quantity]).sort()).toEqual([['A1', -4], ['A2', -2]]);

  session = signInAs(APPROVER, () => undefined);
  await commands.refreshIvStatus([ids.A1!, ids.A2!], grid(session));
  expect(session.alerts.at(-1)).toContain('Of 2 posted lines: 2 lines still waiting for IV to create and post the D365 journal.');
  await loop.iv.advance(120);
  await commands.refreshIvStatus([ids.A1!, ids.A2!], grid(session));
  expect(session.alerts.at(-1)).toBe('2 discrepancies updated from Inventory Visibility.\nOf 2 posted lines: 2 lines synced to D365.');
  expect(await loop.statusOf(ids.A2!)).toBe('Synced');
});

it('shows the review service\'s refusal when a browser believes it may approve: the rule is not the web resource\'s', async () => {
  const { ids } = await loop.seed([{ item: 'L1', d365Qty: 10, wmsQty: 4 }]);
  await loop.done(REVIEWER, { action: 'requestCount', discrepancyIds: [ids.L1!] });
  await loop.done(REVIEWER, { action: 'recordCount', discrepancyIds: [ids.L1!], counts: { [ids.L1!]: 4 } });
  const session = signInAs(REVIEWER, () => ({ kind: 'approve', reasonCode: 'Shrink', comment: '' }), [PRODUCT_ROLES.approver]);
  expect(commands.canApprove()).toBe(true);
  await commands.approve([ids.L1!], grid(session));
  expect(session.alerts.at(-1)).toBe('Your security roles do not allow Approve: it takes Inventory Balance Approver.');
  expect(await loop.statusOf(ids.L1!)).toBe('Counted');
});

it('posts 200 approved lines with one command, one batch and its true totals while Dataverse refuses 5% of requests with 429 or 503', async () => {
  const lines = Array.from({ length: 200 }, (_, i) => ({ item: `F${i}`, d365Qty: 10, wmsQty: 8 }));
  const { runId, ids } = await loop.seed(lines);
  await loop.approveAll(Object.values(ids), Object.fromEntries(Object.values(ids).map((id) => [id, 8])));
  loop.dataverse.setFaults({ share: 0.05, kinds: ['429', '503'], delayMs: 0, retryAfterSeconds: 0, seed: 7 });
  try {
    const form = { data: { entity: { getEntityName: () => 'ibal_snapshotrun', getId: () => braced(runId) } } };
    const session = signInAs(APPROVER, () => ({ kind: 'confirmPost', confirmed: true }));
    await commands.postToInventoryVisibility([], grid(session), form);
    expect(session.alerts.at(-1)).toContain('200 discrepancies posted to Inventory Visibility.');
  } finally {
    loop.dataverse.setFaults(undefined);
  }
  const posted = loop.iv.ledger().lines.filter((l) => l.line.productId.startsWith('F'));
  expect([posted.length, new Set(posted.map((l) => l.id)).size]).toEqual([200, 200]);
  const batches = (await loop.call(ADMIN, 'GET', `ibal_postingbatches?$filter=ibal_linecount eq 200`)).json.value;
  expect(batches).toHaveLength(1);
  expect(batches[0]).toMatchObject({ ibal_postedcount: 200, ibal_postingcount: 0, ibal_totalquantity: -400, ibal_totalabsolutevalue: 4000 });
}, 120000);
