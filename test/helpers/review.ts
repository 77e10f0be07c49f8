/**
 * The whole review loop on 127.0.0.1, as an environment runs it: the Dataverse emulator with the solution's roles,
 * column security and webhook registration; the review service behind its own HTTP server (the webhook's URL and
 * key set as an admin would); Inventory Visibility keeping its lines in the emulator's IV tables. Users act through
 * the Web API with their own tokens; nothing is called in-process that the product calls over HTTP.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tokenProviderFor } from '../../job/dataverse/auth';
import { DataverseClient } from '../../job/dataverse/client';
import { reviewServiceServer } from '../../job/review-service/server';
import { ReviewService } from '../../job/review-service/service';
import { CLASSIFICATION, REQUEST_STATUS, REVIEW_STATUS, RUN_STATUS, discrepancy, reviewRequest } from '../../core/dataverse/tables';
import { requestColumns, type ReviewRequestInput } from '../../core/review-request';
import { DataverseEmulator, SANDBOX_REVIEW_SERVICE_APP, type EmulatorOptions } from '../../sandbox/dataverse/emulator';
import { AUTH_TYPES } from '../../sandbox/dataverse/webhooks';
import { InventoryVisibilityEmulator, type IvEmulatorOptions } from '../../sandbox/iv/emulator';
import { ivTablesIn } from '../../sandbox/iv/mirror';

export const REVIEWER = 'reviewer@sandbox.local';
export const APPROVER = 'approver@sandbox.local';
export const ADMIN = 'admin@sandbox.local';

export const reviewStatus = (label: string) => REVIEW_STATUS.find((s) => s.label === label)!.value;
export const reviewLabel = (value: unknown) => REVIEW_STATUS.find((s) => s.value === value)?.label;
export const requestLabel = (value: unknown) => REQUEST_STATUS.find((s) => s.value === value)?.label;

export interface Reply { status: number; json: any } // eslint-disable-line @typescript-eslint/no-explicit-any

export class ReviewLoop {
  api = '';
  ivBase = '';
  serviceUrl = '';
  readonly webhookKey = randomBytes(32).toString('base64url');
  readonly sealKey = randomBytes(32).toString('base64url');
  service!: ReviewService;
  private server!: Server;
  private constructor(readonly dataverse: DataverseEmulator, readonly iv: InventoryVisibilityEmulator) {}

  static async start(options: { emulator?: Partial<EmulatorOptions>; iv?: IvEmulatorOptions; service?: boolean } = {}): Promise<ReviewLoop> {
    const dataverse = await DataverseEmulator.open({ database: ':memory:', ...options.emulator });
    const iv = new InventoryVisibilityEmulator({ ...options.iv, mirror: ivTablesIn(dataverse) });
    const loop = new ReviewLoop(dataverse, iv);
    loop.api = await dataverse.listen();
    loop.ivBase = await iv.listen();
    await loop.configure();
    if (options.service !== false) await loop.startService();
    return loop;
  }

  /** The service's Dataverse client, as its application user. */
  serviceDataverse(): DataverseClient {
    return new DataverseClient({ apiUrl: this.api, backoffBaseMs: 5,
      token: tokenProviderFor(this.api, { IBAL_CLIENT_ID: SANDBOX_REVIEW_SERVICE_APP.clientId, IBAL_CLIENT_SECRET: SANDBOX_REVIEW_SERVICE_APP.clientSecret }) });
  }

  async startService(extra: Partial<ConstructorParameters<typeof ReviewService>[0]> = {}): Promise<void> {
    if (this.server) throw new Error('the review service is already running');
    this.service = new ReviewService({ dataverse: this.serviceDataverse(), ivTokens: this.iv.tokenProvider(this.ivBase), webhookKey: this.webhookKey, sealKey: this.sealKey,
      organizationHost: new URL(this.api).host, ivBackoffBaseMs: 5, leaseMs: 2000, ...extra });
    this.server = reviewServiceServer((request) => this.service.handle(request), 1024 * 1024);
    await new Promise<void>((ready) => this.server.listen(0, '127.0.0.1', ready));
    this.serviceUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/dataverse`;
    await this.pointWebhookAt(this.serviceUrl);
  }

  /** What an admin does after import: environment variables, and the webhook's URL and key. */
  private async configure(): Promise<void> {
    for (const [schemaname, value] of Object.entries({ ibal_IVEndpoint: this.ivBase, ibal_IVEnvironmentId: this.iv.environmentId })) {
      const [definition] = (await this.call(ADMIN, 'GET', `environmentvariabledefinitions?$select=environmentvariabledefinitionid&$filter=schemaname eq '${schemaname}'`)).json.value;
      await this.call(ADMIN, 'POST', 'environmentvariablevalues', { schemaname, value, 'environmentvariabledefinitionid@odata.bind': `/environmentvariabledefinitions(${definition.environmentvariabledefinitionid})` });
    }
  }

  /** An environment variable's current value, as an admin sets it. */
  async setEnvironmentVariable(schemaname: string, value: string): Promise<void> {
    const [definition] = (await this.call(ADMIN, 'GET', `environmentvariabledefinitions?$select=environmentvariabledefinitionid&$filter=schemaname eq '${schemaname}'`)).json.value;
    const [existing] = (await this.call(ADMIN, 'GET', `environmentvariablevalues?$select=environmentvariablevalueid&$filter=schemaname eq '${schemaname}'`)).json.value;
    const row = { schemaname, value, 'environmentvariabledefinitionid@odata.bind': `/environmentvariabledefinitions(${definition.environmentvariabledefinitionid})` };
    const written = existing ? await this.call(ADMIN, 'PATCH', `environmentvariablevalues(${existing.environmentvariablevalueid})`, row)
      : await this.call(ADMIN, 'POST', 'environmentvariablevalues', row);
    if (written.status !== 204) throw new Error(`could not set ${schemaname}: ${JSON.stringify(written.json)}`);
  }

  /** As an admin would (in the maker portal, which retries service protection's 429 and a 503): both calls are idempotent. */
  async pointWebhookAt(url: string, key = this.webhookKey): Promise<void> {
    const retried = async (method: string, path: string, body?: unknown): Promise<Reply> => {
      for (let attempt = 1; ; attempt += 1) {
        const reply = await this.call(ADMIN, method, path, body);
        if (![429, 503].includes(reply.status) || attempt === 5) return reply;
      }
    };
    for (const endpoint of (await retried('GET', 'serviceendpoints?$select=serviceendpointid')).json.value) {
      const patched = await retried('PATCH', `serviceendpoints(${endpoint.serviceendpointid})`, { url, authtype: AUTH_TYPES.httpHeader,
        authvalue: `<settings><setting name="x-ibal-webhook-key" value="${key}" /></settings>` });
      if (patched.status !== 204) throw new Error(`could not point the webhook: ${JSON.stringify(patched.json)}`);
    }
  }

  async close(): Promise<void> {
    await this.settled();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
    await this.iv.close();
    await this.dataverse.close();
  }

  /** A Web API call as a sandbox user ('' for no token at all). */
  async call(user: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const response = await fetch(`${this.api}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body),
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', Prefer: 'odata.include-annotations="*"',
        ...(user ? { Authorization: `Bearer ${this.dataverse.issueToken(user)}` } : {}), ...headers } });
    const text = await response.text();
    return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
  }

  /** Waits for Dataverse's asynchronous steps and the service's work to end. */
  async settled(): Promise<void> {
    for (let i = 0; i < 3; i += 1) {
      await this.dataverse.webhooksSettled();
      await this.service?.idle();
    }
  }

  /** A run and its discrepancies, as the reconcile job writes them (as sysadmin here). */
  async seed(lines: Array<{ item: string; d365Qty: number; wmsQty: number; unitCost?: number; classification?: 'Material' | 'Timing' | 'Immaterial'; warehouse?: string }>): Promise<{ runId: string; ids: Record<string, string> }> {
    const runId = randomUUID();
    const run = await this.call(ADMIN, 'POST', 'ibal_snapshotruns', { ibal_snapshotrunid: runId, ibal_name: `RUN-${runId.slice(0, 8)}`, ibal_company: 'usmf',
      ibal_d365asof: '2026-11-20T02:00:00Z', ibal_wmsasof: '2026-11-20T02:05:00Z', ibal_runstatus: RUN_STATUS.find((r) => r.label === 'Completed')!.value });
    if (run.status !== 204) throw new Error(JSON.stringify(run.json));
    const ids: Record<string, string> = {};
    const targets = lines.map((l) => {
      const id = randomUUID();
      ids[l.item] = id;
      const residual = l.wmsQty - l.d365Qty;
      const cost = l.unitCost ?? 10;
      return { '@odata.type': `Microsoft.Dynamics.CRM.${discrepancy.logicalName}`, ibal_discrepancyid: id, ibal_name: `${l.item} / ${l.warehouse ?? '11'}`,
        ibal_company: 'usmf', ibal_item: l.item, ibal_site: '1', ibal_warehouse: l.warehouse ?? '11', ibal_keyhash: `hash-${id}`,
        ibal_d365qty: l.d365Qty, ibal_wmsqty: l.wmsQty, ibal_qtyvariance: residual, ibal_residual: residual, ibal_unitcost: cost,
        ibal_valuevariance: residual * cost, ibal_absolutevalue: Math.abs(residual * cost),
        ibal_classification: CLASSIFICATION.find((c) => c.label === (l.classification ?? 'Material'))!.value, 'ibal_run@odata.bind': `/ibal_snapshotruns(${runId})` };
    });
    for (let i = 0; i < targets.length; i += 1000) {
      const created = await this.call(ADMIN, 'POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: targets.slice(i, i + 1000) });
      if (created.status !== 200) throw new Error(JSON.stringify(created.json));
    }
    return { runId, ids };
  }

  /** A user asks, as the command bar does: a review request created through the Web API. */
  async ask(user: string, input: ReviewRequestInput): Promise<{ status: number; id: string; error?: string }> {
    const id = randomUUID();
    const created = await this.call(user, 'POST', reviewRequest.entitySetName, { [reviewRequest.primaryId]: id, ...requestColumns(input, `${input.action} by ${user}`) });
    return { status: created.status, id, ...(created.status >= 400 ? { error: created.json?.error?.message as string } : {}) };
  }

  /** Asks and waits for the outcome; throws with Dataverse's message when the create itself is refused. */
  async done(user: string, input: ReviewRequestInput): Promise<{ status: string; outcome: string; changed: number; refused: number; refusals: Array<{ id: string; reason: string }> }> {
    const asked = await this.ask(user, input);
    if (asked.status !== 204) throw new Error(`refused (${asked.status}): ${asked.error}`);
    await this.settled();
    return this.requestOutcome(asked.id);
  }

  async requestOutcome(id: string): Promise<{ status: string; outcome: string; changed: number; refused: number; refusals: Array<{ id: string; reason: string }> }> {
    const row = (await this.call(ADMIN, 'GET', `${reviewRequest.entitySetName}(${id})`)).json;
    return { status: requestLabel(row.ibal_requeststatus)!, outcome: row.ibal_outcome ?? '', changed: row.ibal_changedcount ?? 0, refused: row.ibal_refusedcount ?? 0,
      refusals: JSON.parse(row.ibal_refusals ?? '[]') as Array<{ id: string; reason: string }> };
  }

  async discrepancy(id: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    return (await this.call(ADMIN, 'GET', `ibal_discrepancies(${id})`)).json;
  }

  async statusOf(id: string): Promise<string | undefined> {
    return reviewLabel((await this.discrepancy(id)).ibal_reviewstatus);
  }

  /** Counts recorded (by a reviewer) and approved (by the approver) for these lines. */
  async approveAll(ids: readonly string[], counts: Record<string, number>, reasonCode: ReviewRequestInput['reasonCode'] = 'Shrink'): Promise<void> {
    await this.done(REVIEWER, { action: 'requestCount', discrepancyIds: [...ids] });
    await this.done(REVIEWER, { action: 'recordCount', discrepancyIds: [...ids], counts });
    const approved = await this.done(APPROVER, { action: 'approve', discrepancyIds: [...ids], reasonCode, comment: 'counted twice' });
    if (approved.changed !== ids.length) throw new Error(`approved ${approved.changed} of ${ids.length}: ${approved.outcome}`);
  }
}
