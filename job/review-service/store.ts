/**
 * What the review service reads and writes in Dataverse, as its own application user: discrepancies, posting batches,
 * review requests, the caller's security roles and the environment variables. Writes go in bulk (UpdateMultiple)
 * where many rows change; the client retries what Dataverse says to retry.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ENVIRONMENT_VARIABLES } from '../../core/dataverse/environment.js';
import { PRODUCT_ROLES } from '../../core/dataverse/roles.js';
import { DISCREPANCY_SELECT, bareId, idFilters, reviewStatusValue, toDiscrepancyRow, type DiscrepancyRow } from '../../core/dataverse/rows.js';
import { lookupValueName, type ColumnDefinition } from '../../core/dataverse/schema.js';
import { BATCH_STATUS, RUN_STATUS, discrepancy, postingBatch, reviewRequest, snapshotRun } from '../../core/dataverse/tables.js';
import type { ReviewStatus } from '../../core/workflow.js';
import type { DataverseClient } from '../dataverse/client.js';

const D = discrepancy.columns;
const B = postingBatch.columns;
const R = reviewRequest.columns;
const n = (c: ColumnDefinition) => c.logicalName;

export type Settings = { -readonly [K in keyof typeof ENVIRONMENT_VARIABLES]: string };

/** A request row as the service reads it back. */
export interface RequestRow { id: string; etag: string; createdBy: string; columns: Record<string, unknown> }

/** A stable id derived from a name (UUID version 5 layout), so a retried create finds what the first one made. */
export function derivedId(name: string): string {
  const hash = createHash('sha1').update(`inventorybalance/${name}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export const isYes = (value: string): boolean => ['yes', 'true'].includes(value.toLowerCase());

export class ReviewStore {
  constructor(readonly dataverse: DataverseClient) {}

  /** The discrepancies with these ids (those that exist), in the order given. */
  async discrepancies(ids: readonly string[]): Promise<DiscrepancyRow[]> {
    const rows: DiscrepancyRow[] = [];
    for (const filter of idFilters(ids)) {
      rows.push(...(await this.dataverse.retrieveAll(`${discrepancy.entitySetName}?$select=${DISCREPANCY_SELECT}&$filter=${encodeURIComponent(filter)}`)).map(toDiscrepancyRow));
    }
    const order = new Map(ids.map((id, i) => [bareId(id), i]));
    return rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  }

  /** The status of each run (by id), as its choice label (Running, Completed, Failed, Replaced), and its D365 as-of. */
  async runStatuses(runIds: readonly string[]): Promise<Map<string, string>> {
    return new Map([...(await this.runs(runIds))].map(([id, r]) => [id, r.status]));
  }

  async runs(runIds: readonly string[]): Promise<Map<string, { status: string; d365AsOf: string }>> {
    const runs = new Map<string, { status: string; d365AsOf: string }>();
    const ids = [...new Set(runIds.map(bareId))];
    const R = snapshotRun.columns;
    for (let i = 0; i < ids.length; i += 50) {
      const filter = ids.slice(i, i + 50).map((id) => `${snapshotRun.primaryId} eq ${id}`).join(' or ');
      for (const row of await this.dataverse.retrieveAll(`${snapshotRun.entitySetName}?$select=${R.runStatus.logicalName},${R.d365AsOf.logicalName}&$filter=${encodeURIComponent(filter)}`)) {
        const value = row[R.runStatus.logicalName];
        runs.set(String(row[snapshotRun.primaryId]), { status: RUN_STATUS.find((r) => r.value === value)?.label ?? String(value), d365AsOf: String(row[R.d365AsOf.logicalName] ?? '') });
      }
    }
    return runs;
  }

  /** A run's discrepancies in the given review statuses. */
  async runDiscrepancies(runId: string, statuses: readonly ReviewStatus[]): Promise<DiscrepancyRow[]> {
    const status = statuses.map((s) => `${n(D.reviewStatus)} eq ${reviewStatusValue(s)}`).join(' or ');
    return (await this.dataverse.retrieveAll(`${discrepancy.entitySetName}?$select=${DISCREPANCY_SELECT}`
      + `&$filter=${encodeURIComponent(`${lookupValueName(n(D.run))} eq ${bareId(runId)} and (${status})`)}`)).map(toDiscrepancyRow);
  }

  /** Discrepancies someone should look at (the follow-up marked them). */
  async discrepanciesNeedingAttention(): Promise<DiscrepancyRow[]> {
    return (await this.dataverse.retrieveAll(`${discrepancy.entitySetName}?$select=${DISCREPANCY_SELECT}&$filter=${encodeURIComponent(`${n(D.needsAttention)} ne null`)}`))
      .map(toDiscrepancyRow);
  }

  /** Every discrepancy in these review statuses, with when it last changed (the follow-up's sweep). */
  async discrepanciesIn(statuses: readonly ReviewStatus[]): Promise<Array<DiscrepancyRow & { modifiedOn: string }>> {
    const status = statuses.map((s) => `${n(D.reviewStatus)} eq ${reviewStatusValue(s)}`).join(' or ');
    return (await this.dataverse.retrieveAll(`${discrepancy.entitySetName}?$select=${DISCREPANCY_SELECT},modifiedon&$filter=${encodeURIComponent(status)}`))
      .map((raw) => Object.assign(toDiscrepancyRow(raw), { modifiedOn: String(raw.modifiedon ?? '') }));
  }

  /**
   * Changes many discrepancies: UpdateMultiple, 500 rows a request; `atomic`: all in one request (at most 1,000 rows,
   * all or none, as an imported count sheet must be).
   */
  async updateDiscrepancies(changes: ReadonlyArray<{ id: string; columns: Record<string, unknown> }>, options: { atomic?: boolean } = {}): Promise<void> {
    if (options.atomic && changes.length > 1000) throw new Error(`${changes.length} lines cannot be changed all at once (at most 1,000): split the sheet`);
    const size = options.atomic ? 1000 : 500;
    for (let i = 0; i < changes.length; i += size) {
      const targets = changes.slice(i, i + size).map((c) => ({ '@odata.type': `Microsoft.Dynamics.CRM.${discrepancy.logicalName}`, [discrepancy.primaryId]: bareId(c.id), ...c.columns }));
      await this.dataverse.request('POST', `${discrepancy.entitySetName}/Microsoft.Dynamics.CRM.UpdateMultiple`, { Targets: targets });
    }
  }

  /** The request, with its ETag and who created it; undefined when it does not exist. */
  async request(id: string): Promise<RequestRow | undefined> {
    try {
      const response = await this.dataverse.request('GET', `${reviewRequest.entitySetName}(${bareId(id)})`);
      const row = z.record(z.string(), z.unknown()).parse(response.body);
      return { id: bareId(id), etag: String(row['@odata.etag']), createdBy: String(row._createdby_value ?? ''), columns: row };
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }

  /** Requests not yet finished (a webhook lost, or a service stopped while it worked on them). */
  async unfinishedRequests(): Promise<Array<{ id: string }>> {
    const open = ['Submitted', 'In progress'].map((label) => `${n(R.requestStatus)} eq ${statusValue(label)}`).join(' or ');
    return (await this.dataverse.retrieveAll(`${reviewRequest.entitySetName}?$select=${reviewRequest.primaryId}&$filter=${encodeURIComponent(open)}&$orderby=createdon`))
      .map((r) => ({ id: String(r[reviewRequest.primaryId]) }));
  }

  /** Updates a request; with `etag`, only if nobody changed it since (false when somebody did). */
  async updateRequest(id: string, columns: Record<string, unknown>, etag?: string): Promise<boolean> {
    try {
      await this.dataverse.request('PATCH', `${reviewRequest.entitySetName}(${bareId(id)})`, columns, { 'If-Match': etag ?? '*' });
      return true;
    } catch (error) {
      if (etag !== undefined && (error as { status?: number }).status === 412) return false;
      throw error;
    }
  }

  /**
   * The product roles a user holds, by id: directly and through their teams, a copy of a role in a child business
   * unit counting as the root role it was made from (parentrootroleid). Names are never compared.
   */
  async productRolesOf(userId: string): Promise<string[]> {
    const user = bareId(userId);
    const direct = await this.dataverse.retrieveAll(`systemuserrolescollection?$select=roleid&$filter=systemuserid eq ${user}`);
    const teams = await this.dataverse.retrieveAll(`teammemberships?$select=teamid&$filter=systemuserid eq ${user}`);
    const viaTeams = teams.length === 0 ? [] : await this.dataverse.retrieveAll(`teamrolescollection?$select=roleid&$filter=${encodeURIComponent(teams.map((t) => `teamid eq ${String(t.teamid)}`).join(' or '))}`);
    const roleIds = [...new Set([...direct, ...viaTeams].map((r) => String(r.roleid)))];
    if (roleIds.length === 0) return [];
    const roles = await this.dataverse.retrieveAll(`roles?$select=roleid,_parentrootroleid_value&$filter=${encodeURIComponent(roleIds.map((id) => `roleid eq ${id}`).join(' or '))}`);
    const product = new Set<string>(Object.values(PRODUCT_ROLES).map((r) => r.id));
    return [...new Set(roles.map((r) => String(r._parentrootroleid_value ?? r.roleid)).filter((id) => product.has(id)))];
  }

  /** The solution's environment variables: the current value where an admin set one, else the default. */
  async settings(): Promise<Settings> {
    const definitions = z.array(z.object({ schemaname: z.string(), defaultvalue: z.string().nullish() }))
      .parse(await this.dataverse.retrieveAll('environmentvariabledefinitions?$select=schemaname,defaultvalue'));
    const values = z.array(z.object({ schemaname: z.string(), value: z.string().nullish() }))
      .parse(await this.dataverse.retrieveAll('environmentvariablevalues?$select=schemaname,value'));
    const settings = {} as Settings;
    for (const [key, variable] of Object.entries(ENVIRONMENT_VARIABLES) as Array<[keyof Settings, { schemaName: string }]>) {
      const value = values.find((v) => v.schemaname === variable.schemaName)?.value;
      settings[key] = value ?? definitions.find((d) => d.schemaname === variable.schemaName)?.defaultvalue ?? '';
    }
    return settings;
  }

  /** Creates the batch with this id, or finds it made by an earlier attempt at the same request. */
  async ensureBatch(id: string, columns: Record<string, unknown>): Promise<void> {
    try {
      await this.dataverse.request('PATCH', `${postingBatch.entitySetName}(${id})`, columns, { 'If-None-Match': '*' });
    } catch (error) {
      if ((error as { status?: number }).status !== 412) throw error;
    }
  }

  /** A batch's totals and counts from the lines it holds now, and its status from theirs. */
  async recountBatch(batchId: string, extra: { responseLog?: string; errors?: string } = {}): Promise<BatchCounts> {
    const rows = (await this.dataverse.retrieveAll(`${discrepancy.entitySetName}?$select=${DISCREPANCY_SELECT}&$filter=${lookupValueName(n(D.postingBatch))} eq ${bareId(batchId)}`))
      .map(toDiscrepancyRow);
    const count = (status: ReviewStatus) => rows.filter((r) => r.subject.status === status).length;
    const counts: BatchCounts = { posting: count('Posting'), posted: count('Posted'), postError: count('Post error'), synced: count('Synced'), syncError: count('Sync error') };
    const lines = rows.length;
    const done = counts.posted + counts.synced + counts.syncError;
    const status = batchStatusOf(counts, lines, done);
    let quantity = 0; let absolute = 0; let net = 0;
    for (const r of rows) {
      const q = r.correction.correctionQty ?? 0;
      quantity += q; absolute += Math.abs(q * r.correction.unitCost); net += q * r.correction.unitCost;
    }
    await this.dataverse.request('PATCH', `${postingBatch.entitySetName}(${bareId(batchId)})`, {
      [n(B.batchStatus)]: BATCH_STATUS.find((s) => s.label === status)!.value, [n(B.lineCount)]: lines,
      [n(B.totalQuantity)]: Math.round(quantity * 1e6) / 1e6, [n(B.totalAbsoluteValue)]: Math.round(absolute * 100) / 100, [n(B.totalNetValue)]: Math.round(net * 100) / 100,
      [n(B.postingCount)]: counts.posting, [n(B.postedCount)]: counts.posted, [n(B.postErrorCount)]: counts.postError,
      [n(B.syncedCount)]: counts.synced, [n(B.syncErrorCount)]: counts.syncError,
      ...(extra.responseLog !== undefined ? { [n(B.responseLog)]: extra.responseLog.slice(-1048576) } : {}),
      ...(extra.errors !== undefined ? { [n(B.errors)]: extra.errors.slice(0, 100000) } : {}),
    }, { 'If-Match': '*' });
    return counts;
  }

  /** The batch's raw response log, to append to. */
  async batchLog(batchId: string): Promise<string> {
    const response = await this.dataverse.request('GET', `${postingBatch.entitySetName}(${bareId(batchId)})?$select=${n(B.responseLog)}`);
    return String((response.body as Record<string, unknown>)[n(B.responseLog)] ?? '');
  }
}

export interface BatchCounts { posting: number; posted: number; postError: number; synced: number; syncError: number }

/** A batch's status follows its lines: still posting, failed or partly, waiting for D365, synced, or with sync errors. */
function batchStatusOf(counts: BatchCounts, lines: number, done: number): string {
  if (counts.posting > 0) return 'Posting';
  if (lines === 0) return 'Draft';
  if (counts.postError > 0) return done === 0 ? 'Failed' : 'Partially posted';
  if (counts.synced === lines) return 'Synced';
  if (counts.posted === 0 && counts.syncError > 0) return 'Sync errors';
  return 'Posted';
}

export const statusValue = (label: string): number => {
  const found = R.requestStatus.type.kind === 'choice' ? R.requestStatus.type.choices.find((c) => c.label === label) : undefined;
  if (!found) throw new Error(`No request status ${label}`);
  return found.value;
};
