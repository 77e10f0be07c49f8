import { tokenProviderFor } from '../../job/dataverse/auth';
import { ClientContextMock, ContextMock, ItemCollectionMock, UserSettingsMock } from 'xrm-mock';
import { XrmMockGenerator } from 'xrm-mock';
import { CLASSIFICATION, REVIEW_STATUS, BATCH_STATUS } from '../../core/dataverse/tables';
import { createBroker } from '../../job/broker';
import { DataverseClient } from '../../job/dataverse/client';
import { DataverseEmulator } from '../../sandbox/dataverse/emulator';
import { serveOnLoopback, type Listening } from '../../sandbox/http';
import { InventoryVisibilityEmulator } from '../../sandbox/iv/emulator';
import { signIn, SIGN_IN_PATH } from '../../sandbox/sign-in';
import { EmulatorWebApi } from '../../sandbox/xrm/web-api';
import * as commands from '../../webresources/commands';
import type { DialogRequest } from '../../webresources/dialog/contract';

/**
 * The command handlers as the command bar runs them: Xrm from xrm-mock with Xrm.WebApi over the Dataverse emulator,
 * IV tokens from the broker (which checks the caller with WhoAmI and roles), IV the emulator. The dialog answers as
 * the user would; everything else is real HTTP on 127.0.0.1.
 */
let dataverse: DataverseEmulator;
let iv: InventoryVisibilityEmulator;
let admin: DataverseClient;
let host: Listening;
let api: string;
beforeAll(async () => {
  dataverse = await DataverseEmulator.open({ database: ':memory:' });
  api = await dataverse.listen();
  admin = new DataverseClient({ apiUrl: api, token: tokenProviderFor(api) });
  iv = new InventoryVisibilityEmulator({ failCreate: ['SYNCFAIL'] });
  const ivBase = await iv.listen();
  const broker = createBroker({ dataverseApiUrl: api, ivEndpoint: ivBase, ivEnvironmentId: iv.environmentId, allowedOrigins: [],
    ivTokens: iv.tokenProvider(ivBase) });
  // One origin plays the Dynamics 365 org (its sign-in) and the broker's host.
  host = await serveOnLoopback(async (request) => (request.url.startsWith(SIGN_IN_PATH) ? signIn(dataverse, request) : broker(request)));
  for (const [schemaname, value] of Object.entries({ ibal_TokenBrokerUrl: host.origin, ibal_IVEndpoint: ivBase, ibal_IVEnvironmentId: iv.environmentId, ibal_BrokerClientId: 'sandbox' })) {
    const [definition] = await admin.retrieveTop(`environmentvariabledefinitions?$select=environmentvariabledefinitionid&$filter=schemaname eq '${schemaname}'`);
    await admin.request('POST', 'environmentvariablevalues', { schemaname, value, 'environmentvariabledefinitionid@odata.bind': `/environmentvariabledefinitions(${String(definition!.environmentvariabledefinitionid)})` });
  }
});
afterAll(async () => { await host.close(); await dataverse.close(); await iv.close(); });

const status = (label: string) => REVIEW_STATUS.find((s) => s.label === label)!.value;
const labelOf = (value: unknown) => REVIEW_STATUS.find((s) => s.value === value)?.label;

interface Session { alerts: string[]; progress: string[]; dialogs: DialogRequest[]; refreshed: number }

/** Signs a sandbox user in to the "app": Xrm with their roles, the Web API as them, dialogs answered by `answer`. */
function signInAs(domainname: string, answer: (request: DialogRequest) => unknown): Session {
  const user = dataverse.users.find((u) => u.domainname === domainname)!;
  const session: Session = { alerts: [], progress: [], dialogs: [], refreshed: 0 };
  const xrm = XrmMockGenerator.initialise({ context: new ContextMock({ clientContext: new ClientContextMock('Web', 'Online'), clientUrl: host.origin,
    userSettings: new UserSettingsMock({ userId: `{${user.id.toUpperCase()}}`, userName: user.domainname, isGuidedHelpEnabled: false, isHighContrastEnabled: false, isRTL: false,
      roles: new ItemCollectionMock(dataverse.rolesOf(user).map((r) => ({ id: r.id, name: r.name, entityType: 'role' }))) }) as unknown as Xrm.UserSettings }) });
  xrm.WebApi = new EmulatorWebApi({ apiUrl: api, identity: () => ({ Authorization: `Bearer ${dataverse.issueToken(user.domainname)}` }) }) as unknown as Xrm.WebApi;
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

async function seed(name: string, rows: Array<{ item: string; classification?: string; unitCost?: number }>): Promise<{ run: string; ids: Record<string, string> }> {
  const run = (await admin.request('POST', 'ibal_snapshotruns', { ibal_name: name, ibal_company: 'usmf', ibal_d365asof: '2026-11-20T02:00:00Z', ibal_wmsasof: '2026-11-20T02:00:00Z' },
    { Prefer: 'return=representation' })).body as { ibal_snapshotrunid: string };
  const created = (await admin.request('POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: rows.map((r) => ({
    '@odata.type': 'Microsoft.Dynamics.CRM.ibal_discrepancy', 'ibal_run@odata.bind': `/ibal_snapshotruns(${run.ibal_snapshotrunid})`,
    ibal_name: `${r.item} / 11`, ibal_company: 'usmf', ibal_item: r.item, ibal_site: '1', ibal_warehouse: '11', ibal_keyhash: `${name}-${r.item}`,
    ibal_classification: CLASSIFICATION.find((c) => c.label === (r.classification ?? 'Material'))!.value,
    ibal_d365qty: 100, ibal_wmsqty: 95, ibal_residual: -5, ibal_unitcost: r.unitCost ?? 10,
  })) })).body as { Ids: string[] };
  return { run: run.ibal_snapshotrunid, ids: Object.fromEntries(rows.map((r, i) => [r.item, created.Ids[i]!])) };
}
const row = async (id: string) => (await admin.request('GET', `ibal_discrepancies(${id})`)).body as Record<string, unknown>;

it('takes discrepancies from New to Synced: counts, approvals with reasons, refusals explained, one posting batch, IV status', async () => {
  const { ids } = await seed('WF-1', [{ item: 'A1' }, { item: 'A2' }, { item: 'A3' }, { item: 'A4' }, { item: 'BIG', unitCost: 1000 }, { item: 'T1', classification: 'Timing' }]);
  const reviewer = 'reviewer@sandbox.local';
  const approver = dataverse.users.find((u) => u.domainname === 'approver@sandbox.local')!;

  // The reviewer requests counts and records them; approving is not offered to them.
  let session = signInAs(reviewer, () => undefined);
  expect([commands.canRequestCount(), commands.canRecordCount(), commands.canExplain()]).toEqual([true, true, true]);
  expect([commands.canApprove(), commands.canReject(), commands.canPost(), commands.canRefreshIvStatus()]).toEqual([false, false, false, false]);
  await commands.requestCount([ids.A1!, ids.A2!, ids.A3!, ids.BIG!].map((id) => `{${id.toUpperCase()}}`), grid(session));
  expect(session.alerts.at(-1)).toBe('4 discrepancies count requested.');
  expect(session.progress).toContain('Requesting counts: 4 of 4…');
  expect(session.refreshed).toBe(1);
  expect(await row(ids.A1!)).toMatchObject({ ibal_reviewstatus: status('Count requested'), _ibal_requestedby_value: dataverse.users.find((u) => u.domainname === reviewer)!.id });

  session = signInAs(reviewer, (request) => request.kind === 'recordCount' ? { kind: 'recordCount', counts: { [ids.A1!]: 96, [ids.A2!]: 98, [ids.A3!]: 100, [ids.BIG!]: 90 } } : undefined);
  await commands.recordCount([ids.A1!, ids.A2!, ids.A3!, ids.BIG!, ids.A4!], grid(session));
  expect(session.dialogs[0]).toMatchObject({ kind: 'recordCount', rows: expect.arrayContaining([expect.objectContaining({ name: 'A1 / 11', d365Qty: 100 })]) });
  expect(session.alerts.at(-1)).toContain('4 discrepancies count recorded.');
  expect(session.alerts.at(-1)).toContain('A4 / 11: No counted quantity was entered for it.');
  await commands.approve([ids.A1!], grid(session));
  expect(session.alerts.at(-1)).toBe('Your security roles do not allow this command.');
  expect(labelOf((await row(ids.A1!)).ibal_reviewstatus)).toBe('Counted');

  // The approver approves with a reason: the correction is counted − D365; New lines and an unconfirmed large one are refused with why.
  session = signInAs('approver@sandbox.local', (request) => (request.kind === 'approve' ? { kind: 'approve', reasonCode: 'Shrink', comment: '' } : undefined));
  await commands.approve([ids.A1!, ids.A2!, ids.A4!, ids.BIG!], grid(session));
  expect(session.dialogs[0]).toMatchObject({ kind: 'approve', lines: 4, confirmAboveValue: 1000 });
  const approved = session.alerts.at(-1)!;
  expect(approved).toContain('2 discrepancies approved.');
  expect(approved).toContain('A4 / 11: Cannot approve a discrepancy that is New: only from Counted.');
  expect(approved).toContain('BIG / 11: This correction is worth 10000, above 1000: add a comment to confirm it.');
  expect(await row(ids.A1!)).toMatchObject({ ibal_reviewstatus: status('Approved'), ibal_correctionqty: -4, _ibal_decidedby_value: approver.id, ibal_decidedon: expect.any(String) });
  expect((await row(ids.A2!)).ibal_correctionqty).toBe(-2);

  session = signInAs('approver@sandbox.local', (request) => (request.kind === 'reject' ? { kind: 'reject', comment: 'Recount: the bin was being replenished' } : undefined));
  await commands.reject([ids.A3!], grid(session));
  expect(await row(ids.A3!)).toMatchObject({ ibal_reviewstatus: status('Rejected'), ibal_comment: 'Recount: the bin was being replenished' });

  session = signInAs(reviewer, (request) => (request.kind === 'explain' ? { kind: 'explain', reasonCode: 'Timing', comment: 'In transit' } : undefined));
  await commands.markExplained([ids.T1!, ids.A4!], grid(session));
  expect(session.alerts.at(-1)).toContain('1 discrepancy closed as explained.');
  expect(session.alerts.at(-1)).toContain('A4 / 11: Only Timing or Immaterial differences can be closed as explained; this one is Material.');

  // Posting: finance sees the whole impact first; then one batch, each line once in IV.
  session = signInAs('approver@sandbox.local', (request) => (request.kind === 'confirmPost' ? { kind: 'confirmPost', confirmed: true } : undefined));
  await commands.postToInventoryVisibility([ids.A1!, ids.A2!, ids.A3!], grid(session));
  const confirmation = session.dialogs.find((d) => d.kind === 'confirmPost')!;
  expect(confirmation).toMatchObject({ total: { lines: 2, quantity: -6, absoluteValue: 60, netValue: -60 }, byWarehouse: { 11: { lines: 2, netValue: -60 } }, byReason: { Shrink: { lines: 2 } } });
  expect(session.alerts.at(-1)).toContain('2 discrepancies posted.');
  expect(session.alerts.at(-1)).toContain('A3 / 11: It is Rejected: only Approved corrections are posted.');
  const ledger = iv.ledger().lines.filter((l) => ['A1', 'A2'].includes(l.line.productId));
  expect(ledger.map((l) => [l.line.productId, l.line.quantity, l.line.dimensions.locationId]).sort()).toEqual([['A1', -4, '11'], ['A2', -2, '11']]);
  const posted = await row(ids.A1!);
  expect(posted).toMatchObject({ ibal_reviewstatus: status('Posted'), ibal_ivlineid: ledger.find((l) => l.line.productId === 'A1')!.line.id });
  const batch = (await admin.request('GET', `ibal_postingbatches(${String(posted._ibal_postingbatch_value)})`)).body as Record<string, unknown>;
  expect(batch).toMatchObject({ ibal_batchstatus: BATCH_STATUS.find((s) => s.label === 'Posted')!.value, ibal_linecount: 2, ibal_postedcount: 2, ibal_postingcount: 0, ibal_totalnetvalue: -60 });
  expect(String(batch.ibal_responselog)).toContain('200 [');

  // Until IV has posted the journals, refreshing says so; afterwards the lines are Synced and the batch counts them.
  session = signInAs('approver@sandbox.local', () => undefined);
  await commands.refreshIvStatus([ids.A1!, ids.A2!], grid(session));
  expect(session.alerts.at(-1)).toContain('IV has not created and posted their D365 journal yet');
  iv.advance(120);
  await commands.refreshIvStatus([ids.A1!, ids.A2!], grid(session));
  expect(session.alerts.at(-1)).toBe('2 discrepancies updated from IV.');
  expect(labelOf((await row(ids.A2!)).ibal_reviewstatus)).toBe('Synced');
  const synced = (await admin.request('GET', `ibal_postingbatches(${String(posted._ibal_postingbatch_value)})`)).body as Record<string, unknown>;
  expect(synced).toMatchObject({ ibal_syncedcount: 2, ibal_postedcount: 0 });
});

it('posts all Approved lines of the run from the run form, and a cancelled confirmation changes nothing', async () => {
  const { run, ids } = await seed('WF-2', [{ item: 'R1' }, { item: 'R2' }]);
  for (const id of Object.values(ids)) {
    await admin.request('PATCH', `ibal_discrepancies(${id})`, { ibal_reviewstatus: status('Approved'), ibal_correctionqty: 3, ibal_reasoncode: 735800001, ibal_decidedon: '2026-11-23T09:00:00Z' });
  }
  const form = { data: { entity: { getEntityName: () => 'ibal_snapshotrun', getId: () => `{${run.toUpperCase()}}` } } };
  let session = signInAs('approver@sandbox.local', () => undefined);
  await commands.postToInventoryVisibility([], grid(session), form);
  expect(session.dialogs[0]).toMatchObject({ kind: 'confirmPost', total: { lines: 2, quantity: 6 } });
  expect(labelOf((await row(ids.R1!)).ibal_reviewstatus)).toBe('Approved');
  expect(iv.ledger().lines.filter((l) => l.line.productId.startsWith('R'))).toHaveLength(0);

  session = signInAs('approver@sandbox.local', () => ({ kind: 'confirmPost', confirmed: true }));
  await commands.postToInventoryVisibility([], grid(session), form);
  expect(iv.ledger().lines.filter((l) => l.line.productId.startsWith('R')).map((l) => l.line.quantity)).toEqual([3, 3]);
});

it('moves a line whose D365 journal IV could not create to Sync error with the reason, and counts it on the batch', async () => {
  const { ids } = await seed('WF-3', [{ item: 'SYNCFAIL' }, { item: 'SYNCOK' }]);
  for (const id of Object.values(ids)) {
    await admin.request('PATCH', `ibal_discrepancies(${id})`, { ibal_reviewstatus: status('Approved'), ibal_correctionqty: -2, ibal_reasoncode: 735800001, ibal_decidedon: '2026-11-23T10:00:00Z' });
  }
  let session = signInAs('approver@sandbox.local', () => ({ kind: 'confirmPost', confirmed: true }));
  await commands.postToInventoryVisibility(Object.values(ids), grid(session));
  expect(session.alerts.at(-1)).toContain('2 discrepancies posted.');
  iv.advance(120);
  session = signInAs('approver@sandbox.local', () => undefined);
  await commands.refreshIvStatus(Object.values(ids), grid(session));
  expect(session.alerts.at(-1)).toBe('2 discrepancies updated from IV.');
  const failed = await row(ids.SYNCFAIL!);
  expect(failed).toMatchObject({ ibal_reviewstatus: status('Sync error'), ibal_ivstatus: 'FnOTransCreateError' });
  expect(String(failed.ibal_lasterror)).toContain('SYNCFAIL');
  expect(labelOf((await row(ids.SYNCOK!)).ibal_reviewstatus)).toBe('Synced');
  const batch = (await admin.request('GET', `ibal_postingbatches(${String(failed._ibal_postingbatch_value)})`)).body as Record<string, unknown>;
  expect(batch).toMatchObject({ ibal_syncedcount: 1, ibal_syncerrorcount: 1, ibal_postedcount: 0 });
});
