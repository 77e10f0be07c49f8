import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { batchImpact } from '../../core/corrections';
import { toDiscrepancyRow, DISCREPANCY_SELECT } from '../../core/dataverse/rows';
import { SANDBOX_REVIEW_SERVICE_APP } from '../../sandbox/dataverse/emulator';
import { ADMIN, APPROVER, ReviewLoop, requestLabel } from '../helpers/review';

/**
 * Exactly once, for real: 500 approved corrections posted by the review service as a separate process (`ibal
 * review-service`), with Inventory Visibility failing 30% of its calls (some after keeping the lines), Dataverse
 * refusing some of the service's requests, the service killed twice in the middle of the batch (once the moment IV
 * has kept a call's lines and before the service hears back) and started again, and one line changed after approval.
 */
const bin = join(__dirname, '..', '..', 'dist', 'job', 'bin.js');
let loop: ReviewLoop;
let service: ChildProcess | undefined;
let serviceUrl = '';
const kills: number[] = [];
let bulkCalls = 0;

async function startService(): Promise<void> {
  const child = spawn(process.execPath, [bin, 'review-service'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env,
    IBAL_DATAVERSE_URL: loop.api, IBAL_CLIENT_ID: SANDBOX_REVIEW_SERVICE_APP.clientId, IBAL_CLIENT_SECRET: SANDBOX_REVIEW_SERVICE_APP.clientSecret,
    IBAL_TENANT_ID: loop.iv.tenantId, IBAL_LOGIN_URL: loop.ivBase, IBAL_IV_SECURITY_SERVICE_URL: `${loop.ivBase}/securityservice/token`,
    IBAL_WEBHOOK_KEY: loop.webhookKey, IBAL_SEAL_KEY: loop.sealKey, IBAL_LEASE_SECONDS: '2', IBAL_FOLLOW_UP_MINUTES: '0.05', PORT: '0' } });
  service = child;
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}/dataverse`);
    });
    child.once('exit', (code) => reject(new Error(`the review service exited ${String(code)}: ${err}`)));
  });
  if (url !== serviceUrl) { serviceUrl = url; await loop.pointWebhookAt(url); }
}

beforeAll(async () => {
  // The service's one app registration is known to IV's Entra too (IV trusts the same app).
  loop = await ReviewLoop.start({ service: false, iv: { tenantId: '00000000-0000-0000-0000-00000000e17b', clientId: SANDBOX_REVIEW_SERVICE_APP.clientId,
    clientSecret: SANDBOX_REVIEW_SERVICE_APP.clientSecret } });
  await startService();
});
afterAll(async () => { service?.kill('SIGKILL'); await loop.close(); });

async function waitForRequest(id: string, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const row = (await loop.call(ADMIN, 'GET', `ibal_reviewrequests(${id})?$select=ibal_requeststatus`)).json;
    const status = requestLabel(row?.ibal_requeststatus);
    if (status && !['Submitted', 'In progress'].includes(status)) return status;
    if (Date.now() > until) throw new Error(`request ${id} still ${status ?? 'unknown'}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

it('posts every correction once through IV and Dataverse faults and two kills, refuses the line changed after approval, and leaves nothing in Posting', async () => {
  const lines = Array.from({ length: 500 }, (_, i) => ({ item: `K${String(i).padStart(3, '0')}`, d365Qty: 20, wmsQty: 20 - (1 + (i % 7)), unitCost: 2 + (i % 5) }));
  const { runId, ids } = await loop.seed(lines);
  const all = Object.values(ids);
  for (const [name, value] of Object.entries({ ibal_IVMaxLinesPerCall: '50' })) {
    const [definition] = (await loop.call(ADMIN, 'GET', `environmentvariabledefinitions?$select=environmentvariabledefinitionid&$filter=schemaname eq '${name}'`)).json.value;
    await loop.call(ADMIN, 'POST', 'environmentvariablevalues', { schemaname: name, value, 'environmentvariabledefinitionid@odata.bind': `/environmentvariabledefinitions(${definition.environmentvariabledefinitionid})` });
  }
  for (const action of ['requestCount', 'recordCount', 'approve'] as const) {
    const asked = await loop.ask(action === 'approve' ? APPROVER : 'reviewer@sandbox.local', { action, discrepancyIds: all,
      ...(action === 'recordCount' ? { counts: Object.fromEntries(lines.map((l) => [ids[l.item]!, l.wmsQty])) } : {}),
      ...(action === 'approve' ? { reasonCode: 'Shrink' as const, comment: 'counted twice' } : {}) });
    expect(asked.status).toBe(204);
    expect(await waitForRequest(asked.id, 60000)).toBe('Completed');
  }
  // Someone with write access changes one approved line's cost.
  const changed = ids.K007!;
  expect((await loop.call(ADMIN, 'PATCH', `ibal_discrepancies(${changed})`, { ibal_unitcost: 0.01 })).status).toBe(204);

  // The confirmation the approver sees: the run's approved lines as they stand.
  const rows = (await loop.call(ADMIN, 'GET', `ibal_discrepancies?$select=${DISCREPANCY_SELECT}&$filter=_ibal_run_value eq ${runId}`)).json.value.map(toDiscrepancyRow);
  const impact = batchImpact(rows.map((r: ReturnType<typeof toDiscrepancyRow>) => ({ ...r.correction, correctionQty: r.correction.correctionQty!, reasonCode: r.correction.reasonCode!, approvedOn: r.correction.approvedOn! })));

  // IV fails 30% of calls; the service is killed the moment IV has kept the lines of its 3rd and its 7th call.
  loop.iv.setFaults({ share: 0.3, kinds: ['429', '500', '500after', 'slow', 'body500'], delayMs: 200, retryAfterSeconds: 0, seed: 5 });
  loop.dataverse.setFaults({ share: 0.05, kinds: ['429', '503'], delayMs: 0, retryAfterSeconds: 0, seed: 9 });
  const before = loop.iv.stats.bulkCalls;
  loop.iv.onLinesKept = () => {
    bulkCalls = loop.iv.stats.bulkCalls - before;
    if ((bulkCalls >= 3 && kills.length === 0) || (bulkCalls >= 7 && kills.length === 1)) {
      kills.push(bulkCalls);
      service!.kill('SIGKILL');
      setTimeout(() => void startService(), 300);
    }
  };
  const posted = await loop.ask(APPROVER, { action: 'post', discrepancyIds: [], runId, confirmed: { lines: impact.total.lines, absoluteValue: impact.total.absoluteValue } });
  expect(posted.status).toBe(204);
  const status = await waitForRequest(posted.id, 180000);
  loop.iv.setFaults(undefined);
  loop.dataverse.setFaults(undefined);

  loop.iv.onLinesKept = undefined;
  expect(kills).toHaveLength(2);
  expect(status).toBe('Completed with refusals');
  const outcome = await loop.requestOutcome(posted.id);
  expect(outcome.changed).toBe(499);
  expect(outcome.outcome).toMatch(/^499 discrepancies posted to Inventory Visibility\./);
  expect(outcome.refusals).toEqual([{ id: changed, name: 'K007 / 11', reason: 'Its figures changed after it was approved, so it was not posted; it is back to Counted for a new approval.' }]);
  // Every other correction is in IV exactly once, with its approved quantity; the changed one is not there at all.
  const ledger = loop.iv.ledger().lines;
  const byReference = new Map<string, number[]>();
  for (const l of ledger) byReference.set(l.line.externalReferenceId!, [...(byReference.get(l.line.externalReferenceId!) ?? []), l.line.quantity]);
  expect(byReference.has(changed)).toBe(false);
  for (const line of lines.filter((l) => ids[l.item] !== changed)) expect([line.item, byReference.get(ids[line.item]!)]).toEqual([line.item, [line.wmsQty - line.d365Qty]]);
  expect(ledger).toHaveLength(499);
  // Nothing is left in Posting; one batch holds the 499 lines and its totals are theirs.
  const after = (await loop.call(ADMIN, 'GET', `ibal_discrepancies?$select=${DISCREPANCY_SELECT}&$filter=_ibal_run_value eq ${runId}`)).json.value.map(toDiscrepancyRow);
  expect(after.filter((r: ReturnType<typeof toDiscrepancyRow>) => r.subject.status === 'Posting')).toEqual([]);
  expect(after.filter((r: ReturnType<typeof toDiscrepancyRow>) => r.subject.status === 'Posted')).toHaveLength(499);
  const batches = (await loop.call(ADMIN, 'GET', 'ibal_postingbatches')).json.value;
  expect(batches).toHaveLength(1);
  const heldBy = after.filter((r: ReturnType<typeof toDiscrepancyRow>) => r.postingBatchId === batches[0].ibal_postingbatchid);
  const held = batchImpact(heldBy.map((r: ReturnType<typeof toDiscrepancyRow>) => ({ ...r.correction, correctionQty: r.correction.correctionQty!, reasonCode: r.correction.reasonCode!, approvedOn: r.correction.approvedOn! })));
  expect(batches[0]).toMatchObject({ ibal_linecount: 499, ibal_postedcount: 499, ibal_postingcount: 0, ibal_totalquantity: held.total.quantity,
    ibal_totalabsolutevalue: held.total.absoluteValue, ibal_totalnetvalue: held.total.netValue });
}, 300000);
