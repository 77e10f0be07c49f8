/**
 * `npm run bench`, posting: 10,000 approved corrections of one run posted to the Inventory Visibility emulator by the
 * review service, as an approver asks for it through a review request in the Dataverse emulator (the loop of
 * test/helpers/review.ts, on 127.0.0.1). Prints (as JSON) the IV calls, the lines IV received, the Dataverse
 * requests the posting made and its time. Run as its own process from the project folder.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { tokenProviderFor } from '../job/dataverse/auth.js';
import { DataverseClient } from '../job/dataverse/client.js';
import { reviewServiceServer } from '../job/review-service/server.js';
import { ReviewService } from '../job/review-service/service.js';
import { approvalSeal } from '../job/review-service/seal.js';
import { batchImpact, type ApprovedCorrection } from '../core/corrections.js';
import { DISCREPANCY_SELECT, reasonValue, reviewStatusValue, toDiscrepancyRow } from '../core/dataverse/rows.js';
import { CLASSIFICATION, REQUEST_STATUS, RUN_STATUS, discrepancy, reviewRequest } from '../core/dataverse/tables.js';
import { requestColumns } from '../core/review-request.js';
import { DataverseEmulator, SANDBOX_REVIEW_SERVICE_APP } from '../sandbox/dataverse/emulator.js';
import { AUTH_TYPES } from '../sandbox/dataverse/webhooks.js';
import { InventoryVisibilityEmulator } from '../sandbox/iv/emulator.js';
import { ivTablesIn } from '../sandbox/iv/mirror.js';

const LINES = Number(process.argv[2] ?? 10000);
const webhookKey = randomBytes(32).toString('base64url');
const sealKey = randomBytes(32).toString('base64url');
const dataverse = await DataverseEmulator.open({ database: ':memory:' });
const iv = new InventoryVisibilityEmulator({ mirror: ivTablesIn(dataverse) });
const api = await dataverse.listen();
const ivBase = await iv.listen();

async function call(user: string, method: string, path: string, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${api}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `Bearer ${dataverse.issueToken(user)}` } });
  const text = await response.text();
  if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return text === '' ? undefined : JSON.parse(text);
}
const ADMIN = 'admin@sandbox.local';

// What an admin does after import: IV's endpoint and environment, and the webhook pointed at the hosted service.
for (const [schemaname, value] of Object.entries({ ibal_IVEndpoint: ivBase, ibal_IVEnvironmentId: iv.environmentId })) {
  const [definition] = (await call(ADMIN, 'GET', `environmentvariabledefinitions?$select=environmentvariabledefinitionid&$filter=schemaname eq '${schemaname}'`)).value;
  await call(ADMIN, 'POST', 'environmentvariablevalues', { schemaname, value, 'environmentvariabledefinitionid@odata.bind': `/environmentvariabledefinitions(${definition.environmentvariabledefinitionid})` });
}
const serviceClient = new DataverseClient({ apiUrl: api,
  token: tokenProviderFor(api, { IBAL_CLIENT_ID: SANDBOX_REVIEW_SERVICE_APP.clientId, IBAL_CLIENT_SECRET: SANDBOX_REVIEW_SERVICE_APP.clientSecret }) });
const service = new ReviewService({ dataverse: serviceClient, ivTokens: iv.tokenProvider(ivBase), webhookKey, sealKey, organizationHost: new URL(api).host });
const server = reviewServiceServer((request) => service.handle(request), 1024 * 1024);
await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
for (const endpoint of (await call(ADMIN, 'GET', 'serviceendpoints?$select=serviceendpointid')).value) {
  await call(ADMIN, 'PATCH', `serviceendpoints(${endpoint.serviceendpointid})`, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dataverse`,
    authtype: AUTH_TYPES.httpHeader, authvalue: `<settings><setting name="x-ibal-webhook-key" value="${webhookKey}" /></settings>` });
}

// A run of LINES counted and approved corrections (approved earlier, sealed with the service's key).
const runId = randomUUID();
await call(ADMIN, 'POST', 'ibal_snapshotruns', { ibal_snapshotrunid: runId, ibal_name: `BENCH-${runId.slice(0, 8)}`, ibal_company: 'usmf',
  ibal_d365asof: '2026-11-20T02:00:00Z', ibal_wmsasof: '2026-11-20T02:05:00Z', ibal_runstatus: RUN_STATUS.find((r) => r.label === 'Completed')!.value });
const approvedOn = '2026-11-21T09:00:00Z';
const targets = Array.from({ length: LINES }, (_, i) => ({
  '@odata.type': `Microsoft.Dynamics.CRM.${discrepancy.logicalName}`, ibal_discrepancyid: randomUUID(), ibal_name: `IT${i} / 11`,
  ibal_company: 'usmf', ibal_item: `IT${String(i).padStart(6, '0')}`, ibal_site: '1', ibal_warehouse: '11', ibal_location: `B${i % 40}`,
  ibal_keyhash: `bench-${i}`, ibal_d365qty: 100, ibal_wmsqty: 100 - (1 + (i % 9)), ibal_qtyvariance: -(1 + (i % 9)), ibal_residual: -(1 + (i % 9)),
  ibal_unitcost: 10, ibal_valuevariance: -10 * (1 + (i % 9)), ibal_absolutevalue: 10 * (1 + (i % 9)),
  ibal_classification: CLASSIFICATION.find((c) => c.label === 'Material')!.value, ibal_countedqty: 100 - (1 + (i % 9)),
  ibal_correctionqty: -(1 + (i % 9)), ibal_reasoncode: reasonValue('Shrink'), ibal_decidedon: approvedOn,
  ibal_reviewstatus: reviewStatusValue('Approved'), 'ibal_run@odata.bind': `/ibal_snapshotruns(${runId})`,
}));
for (let i = 0; i < targets.length; i += 1000) await call(ADMIN, 'POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: targets.slice(i, i + 1000) });
const rows: unknown[] = [];
let next: string | undefined = `ibal_discrepancies?$select=${DISCREPANCY_SELECT}&$filter=_ibal_run_value eq ${runId}`;
while (next) {
  const page = await call(ADMIN, 'GET', next.replace(api, ''));
  rows.push(...page.value);
  next = page['@odata.nextLink'];
}
const approved = rows.map(toDiscrepancyRow);
const sealed = approved.map((row) => ({ '@odata.type': `Microsoft.Dynamics.CRM.${discrepancy.logicalName}`, ibal_discrepancyid: row.id,
  ibal_approvalseal: approvalSeal(sealKey, row, row.correction.correctionQty!, row.correction.approvedOn!, row.correction.reasonCode!) }));
for (let i = 0; i < sealed.length; i += 1000) await call(ADMIN, 'POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.UpdateMultiple', { Targets: sealed.slice(i, i + 1000) });

// The approver confirms the whole run's impact and asks for the posting.
const impact = batchImpact(approved.map((r) => ({ ...r.correction, correctionQty: r.correction.correctionQty!, reasonCode: r.correction.reasonCode!,
  approvedOn: r.correction.approvedOn! }) as ApprovedCorrection));
dataverse.resetStats();
iv.stats = { bulkCalls: 0, linesReceived: 0, tokensIssued: 0 };
const started = performance.now();
const requestId = randomUUID();
await call('approver@sandbox.local', 'POST', reviewRequest.entitySetName, { [reviewRequest.primaryId]: requestId,
  ...requestColumns({ action: 'post', discrepancyIds: [], runId, confirmed: { lines: impact.total.lines, absoluteValue: impact.total.absoluteValue } }, 'bench post') });
for (let i = 0; i < 3; i += 1) { await dataverse.webhooksSettled(); await service.idle(); }
const seconds = (performance.now() - started) / 1000;
const request = await call(ADMIN, 'GET', `${reviewRequest.entitySetName}(${requestId})`);
const posted = (await call(ADMIN, 'GET', `ibal_discrepancies?$filter=_ibal_run_value eq ${runId} and ibal_reviewstatus eq ${reviewStatusValue('Posted')}&$count=true&$top=1`))['@odata.count'];
process.stdout.write(`${JSON.stringify({ lines: LINES, posted, ivCalls: iv.stats.bulkCalls, ivLines: iv.stats.linesReceived, dataverseRequests: dataverse.stats.requests,
  byRoute: dataverse.stats.byRoute, seconds, requestStatus: REQUEST_STATUS.find((s) => s.value === request.ibal_requeststatus)?.label, outcome: request.ibal_outcome })}\n`);
await new Promise<void>((done) => server.close(() => done()));
await iv.close();
await dataverse.close();
