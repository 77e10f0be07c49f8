import { tokenProviderFor } from '../../job/dataverse/auth';
import { REASON_CODE, REVIEW_STATUS } from '../../core/dataverse/tables';
import type { ReviewStatus } from '../../core/workflow';
import { DataverseEmulator } from '../../sandbox/dataverse/emulator';
import { InventoryVisibilityEmulator } from '../../sandbox/iv/emulator';
import { DataverseClient } from '../../job/dataverse/client';
import { InventoryVisibilityClient } from '../../webresources/iv-client';
import { postApprovedCorrections, type CorrectionStore, type PostableCorrection } from '../../webresources/posting';

/** Exactly-once posting with both emulators over HTTP: IV failing 30% of calls and the process dying once mid-batch. */
let dataverse: DataverseEmulator;
let iv: InventoryVisibilityEmulator;
let dv: DataverseClient;
let ivBase: string;
beforeAll(async () => {
  dataverse = await DataverseEmulator.open({ database: ':memory:' });
  const dvApi = await dataverse.listen();
  dv = new DataverseClient({ apiUrl: dvApi, token: tokenProviderFor(dvApi) });
  iv = new InventoryVisibilityEmulator();
  ivBase = await iv.listen();
});
afterAll(async () => { await dataverse.close(); await iv.close(); });

const status = (label: ReviewStatus) => REVIEW_STATUS.find((s) => s.label === label)!.value;
const labelOf = (value: number) => REVIEW_STATUS.find((s) => s.value === value)!.label as ReviewStatus;

/** The store the web resource will have over Xrm.WebApi, here over the Dataverse emulator. */
function store(log: string[]): CorrectionStore {
  const update = (targets: Array<Record<string, unknown>>) => dv.request('POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.UpdateMultiple',
    { Targets: targets.map((t) => ({ '@odata.type': 'Microsoft.Dynamics.CRM.ibal_discrepancy', ...t })) });
  return {
    markPosting: async (items) => { await update(items.map((i) => ({ ibal_discrepancyid: i.discrepancyId, ibal_reviewstatus: status('Posting'), ibal_ivlineid: i.lineId }))); },
    markPosted: async (ids) => { await update(ids.map((id) => ({ ibal_discrepancyid: id, ibal_reviewstatus: status('Posted'), ibal_lasterror: null }))); },
    markPostError: async (failures) => { await update(failures.map((f) => ({ ibal_discrepancyid: f.discrepancyId, ibal_reviewstatus: status('Post error'), ibal_lasterror: f.message.slice(0, 4000) }))); },
    logResponse: async (raw) => { log.push(raw); },
  };
}

async function postable(runId: string): Promise<PostableCorrection[]> {
  const rows = await dv.retrieveAll(`ibal_discrepancies?$filter=_ibal_run_value eq ${runId} and (ibal_reviewstatus eq ${status('Approved')} or ibal_reviewstatus eq ${status('Posting')} or ibal_reviewstatus eq ${status('Post error')})`);
  return rows.map((r) => ({
    discrepancyId: String(r.ibal_discrepancyid), approvedOn: String(r.ibal_decidedon), company: String(r.ibal_company), item: String(r.ibal_item),
    color: '', size: '', style: '', config: '', version: '', site: String(r.ibal_site), warehouse: String(r.ibal_warehouse), location: '', batch: '',
    serial: '', inventoryStatus: String(r.ibal_inventorystatus ?? ''), owner: '', correctionQty: Number(r.ibal_correctionqty), unitCost: Number(r.ibal_unitcost),
    reasonCode: 'Shrink', reviewStatus: labelOf(Number(r.ibal_reviewstatus)),
  } as PostableCorrection));
}

it('posts 500 corrections exactly once through faults and a crash, leaving none in Posting', async () => {
  const run = (await dv.request('POST', 'ibal_snapshotruns', { ibal_name: 'POST-1', ibal_company: 'usmf', ibal_d365asof: '2026-11-20T02:00:00Z',
    ibal_wmsasof: '2026-11-20T02:00:00Z' }, { Prefer: 'return=representation' })).body as { ibal_snapshotrunid: string };
  for (let start = 0; start < 500; start += 250) {
    await dv.request('POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: Array.from({ length: 250 }, (_, k) => {
      const i = start + k;
      return { '@odata.type': 'Microsoft.Dynamics.CRM.ibal_discrepancy', 'ibal_run@odata.bind': `/ibal_snapshotruns(${run.ibal_snapshotrunid})`,
        ibal_name: `C${i}`, ibal_company: 'usmf', ibal_item: `A${i}`, ibal_site: '1', ibal_warehouse: '11', ibal_keyhash: `h${i}`,
        ibal_classification: 735800000, ibal_reviewstatus: status('Approved'), ibal_correctionqty: -1 - (i % 7), ibal_unitcost: 3,
        ibal_reasoncode: REASON_CODE[1]!.value, ibal_decidedon: '2026-11-23T09:00:00Z' };
    }) });
  }
  const ivClient = new InventoryVisibilityClient({ endpoint: ivBase, environmentId: iv.environmentId, backoffBaseMs: 1, timeoutMs: 400, maxAttempts: 10,
    tokens: iv.tokenProvider(ivBase) });
  iv.setFaults({ share: 0.3, kinds: ['429', '500', 'slow', 'body500'], delayMs: 700, retryAfterSeconds: 0, seed: 5 });
  const log: string[] = [];
  const settings = { quantityDataSource: 'ibal', physicalMeasure: 'adjustment', maxLinesPerCall: 50 };

  // The process dies once: IV has taken the fourth call, Dataverse has not heard back.
  let calls = 0;
  const crashing = { postAdjustments: async (lines: Parameters<InventoryVisibilityClient['postAdjustments']>[0]) => {
    const outcome = await ivClient.postAdjustments(lines);
    calls += 1;
    if (calls === 4) throw new Error('the process died');
    return outcome;
  } };
  await expect(postApprovedCorrections(await postable(run.ibal_snapshotrunid), store(log), crashing, settings)).rejects.toThrow('the process died');
  const afterCrash = await postable(run.ibal_snapshotrunid);
  expect(afterCrash.filter((c) => c.reviewStatus === 'Posting')).toHaveLength(50);

  // Resumed: whatever is still Approved, Posting or Post error goes (again) with the same ids.
  for (let pass = 0; pass < 3 && (await postable(run.ibal_snapshotrunid)).length > 0; pass += 1) {
    await postApprovedCorrections(await postable(run.ibal_snapshotrunid), store(log), ivClient, settings);
  }
  iv.setFaults(undefined);

  const ledger = iv.ledger().lines;
  expect(ledger).toHaveLength(500);
  expect(new Set(ledger.map((l) => l.line.externalReferenceId)).size).toBe(500);
  const rows = await dv.retrieveAll(`ibal_discrepancies?$select=ibal_reviewstatus,ibal_ivlineid&$filter=_ibal_run_value eq ${run.ibal_snapshotrunid}`);
  expect(rows.filter((r) => r.ibal_reviewstatus !== status('Posted'))).toEqual([]);
  expect(new Set(rows.map((r) => r.ibal_ivlineid))).toEqual(new Set(ledger.map((l) => l.id)));
  expect(log.length).toBeGreaterThan(10); // every IV answer, kept for the posting batch
}, 120000);
