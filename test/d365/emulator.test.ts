import { unzipSync, zipSync, strToU8 } from 'fflate';
import { D365RequestError } from '../../job/d365/client';
import { journalPackageFiles, planJournals, type JournalCorrection } from '../../core/d365-journal';
import { startD365, onHandRow, EXPORT_PROJECT, IMPORT_PROJECT, type D365Fixture } from './fixture';

/** The D365 finance and operations emulator over HTTP on 127.0.0.1, driven by the job's client (MSAL tokens, zod answers). */
let f: D365Fixture;
beforeEach(async () => {
  f = await startD365();
  f.d365.load('WarehousesOnHandV2', [
    ...Array.from({ length: 25 }, (_, i) => onHandRow('usmf', `A${String(i).padStart(4, '0')}`, '11', i)),
    onHandRow('ussi', 'A0000', '21', 7),
  ]);
});
afterEach(async () => { await f.close(); });

const correction = (id: string, item: string, qty: number): JournalCorrection => ({
  discrepancyId: id, approvedOn: '2026-11-21T10:00:00Z', company: 'usmf', item, color: '', size: '', style: '', config: '', version: '', site: '1',
  warehouse: '11', location: '', batch: '', serial: '', inventoryStatus: '', owner: '', correctionQty: qty, unitCost: 2, reasonCode: 'Shrink',
  d365Qty: 10, countedQty: 10 + qty, countedOn: '2026-11-21T09:00:00Z', snapshotAsOf: '2026-11-20T02:00:00Z',
});
const toZip = (files: Array<{ name: string; text: string }>) => zipSync(Object.fromEntries(files.map((file) => [file.name, strToU8(file.text)])));

async function upload(bytes: Uint8Array): Promise<string> {
  const { BlobUrl } = await f.client.azureWriteUrl(`test-${Math.random()}.zip`);
  await f.client.upload(BlobUrl, bytes);
  return BlobUrl;
}

describe('D365 emulator: sign-in and OData', () => {
  it('refuses a request without a bearer token, and MSAL client credentials get one for <environment>/.default', async () => {
    const anonymous = await fetch(`${f.origin}/data/WarehousesOnHandV2`);
    expect(anonymous.status).toBe(401);
    const rows = await f.client.readAll('WarehousesOnHandV2?cross-company=true');
    expect(rows).toHaveLength(26);
    expect(f.d365.stats.tokensIssued).toBe(1);
  });

  it('answers only the default company without cross-company=true, and pages at the size the client prefers', async () => {
    expect(await f.client.readAll('WarehousesOnHandV2')).toHaveLength(25);
    const pages: number[] = [];
    const ussi = await f.client.readAll("WarehousesOnHandV2?cross-company=true&$filter=dataAreaId eq 'ussi'", 10, (n) => pages.push(n));
    expect(ussi.map((r) => r.OnHandQuantity)).toEqual([7]);
    await f.client.readAll('WarehousesOnHandV2?cross-company=true', 10, (n) => pages.push(n));
    // 26 rows at 10 a page: 10, 10, 6 (after the one-page ussi read).
    expect(pages).toEqual([1, 10, 10, 6]);
  });

  it('answers 501 naming a query it does not emulate, instead of guessing', async () => {
    const error = await f.client.readAll('WarehousesOnHandV2?$orderby=ItemNumber').catch((e: D365RequestError) => e);
    expect(error).toBeInstanceOf(D365RequestError);
    expect((error as D365RequestError).status).toBe(501);
    expect((error as Error).message).toContain('$orderby');
  });

  it('throttles with 429 and Retry-After, fails with 5xx, and the client retries through both', async () => {
    f.d365.setFaults({ share: 0.5, kinds: ['429', '503'], retryAfterSeconds: 2, seed: 7 });
    const rows = await f.client.readAll('WarehousesOnHandV2?cross-company=true', 5);
    expect(rows).toHaveLength(26);
    expect(f.d365.stats.faultsInjected).toBeGreaterThan(0);
    expect(f.client.retries).toBe(f.d365.stats.faultsInjected);
  });
});

describe('D365 emulator: export to package', () => {
  it('runs an export for a few emulator seconds, then hands out a SAS URL to a package with the entity files', async () => {
    const id = await f.client.exportToPackage({ definitionGroupId: EXPORT_PROJECT, packageName: 'onhand.zip', executionId: 'exp-1', reExecute: false, legalEntityId: 'usmf' });
    expect(id).toBe('exp-1');
    expect(await f.client.executionStatus(id)).toBe('Executing');
    expect(await f.client.exportedPackageUrl(id)).toBe('');
    f.d365.advance(5);
    expect(await f.client.executionStatus(id)).toBe('Succeeded');
    const { bytes } = await f.client.download(await f.client.exportedPackageUrl(id));
    const files = unzipSync(bytes);
    expect(Object.keys(files).sort()).toEqual(['Inventory value report storage.csv', 'Manifest.xml', 'PackageHeader.xml', 'Warehouses on-hand V2.csv']);
    const csv = new TextDecoder('utf-16le').decode(files['Warehouses on-hand V2.csv']!.subarray(2));
    // 25 usmf rows and the header; the ussi row is another legal entity.
    expect(csv.trim().split('\r\n')).toHaveLength(26);
  });

  it('ends an execution in error when told to, and says so in GetExecutionErrors', async () => {
    f.d365.failNextExecutions('The query for entity Warehouses on-hand V2 timed out.');
    const id = await f.client.exportToPackage({ definitionGroupId: EXPORT_PROJECT, packageName: 'p.zip', executionId: '', reExecute: false, legalEntityId: 'usmf' });
    f.d365.advance(5);
    expect(await f.client.executionStatus(id)).toBe('Failed');
    expect(JSON.stringify(await f.client.executionErrors(id))).toContain('timed out');
  });

  it('refuses an unknown data project and an unknown execution id with F&O error bodies', async () => {
    await expect(f.client.exportToPackage({ definitionGroupId: 'nope', packageName: 'p.zip', executionId: '', reExecute: false, legalEntityId: 'usmf' }))
      .rejects.toThrow("Data project 'nope' was not found");
    await expect(f.client.executionStatus('never')).rejects.toThrow('Execution details were not found for execution id: never');
  });
});

describe('D365 emulator: import from package', () => {
  const plan = () => planJournals({ batchId: 'b7c1d2e3', batchName: 'PB-1' },
    [correction('d1', 'A0001', -2), correction('d2', 'A0002', 3), correction('d3', 'ZZZZ', 1)], { type: 'adjustment', journalNameId: 'IAdj', maxLinesPerJournal: 10 });

  it('imports a journal package: the journal gets its own number, its lines are readable through OData, and a bad line fails alone', async () => {
    const journal = plan().journals[0]!;
    const url = await upload(toZip(journalPackageFiles('adjustment', journal, journal.lines, { type: 'adjustment', journalNameId: 'IAdj', maxLinesPerJournal: 10 }, IMPORT_PROJECT)));
    const id = await f.client.importFromPackage({ packageUrl: url, definitionGroupId: IMPORT_PROJECT, executionId: 'imp-1', execute: true, overwrite: true, legalEntityId: 'usmf' });
    f.d365.advance(5);
    expect(await f.client.executionStatus(id)).toBe('PartiallySucceeded');
    const headers = await f.client.readAll(`InventoryAdjustmentJournalHeaders?$filter=Description eq '${journal.reference}'`);
    expect(headers).toHaveLength(1);
    const lines = await f.client.readAll(`InventoryAdjustmentJournalEntriesV2?$filter=JournalNumber eq '${String(headers[0]!.JournalNumber)}'`);
    expect(lines.map((l) => [l.ItemNumber, l.InventoryQuantity])).toEqual([['A0001', -2], ['A0002', 3]]);
    expect(await f.client.generateTargetErrorKeys(id, 'Inventory adjustment journal headers and lines V2')).toBe(true);
    expect(await f.client.targetErrorKeysUrl(id, 'Inventory adjustment journal headers and lines V2')).not.toBe('');
    expect(JSON.stringify(await f.client.executionErrors(id))).toContain('Item number ZZZZ does not exist');
  });

  it('refuses a package without PackageHeader.xml, with an unknown entity, or that is no zip, and starts nothing', async () => {
    const journal = plan().journals[0]!;
    const files = journalPackageFiles('adjustment', journal, journal.lines, { type: 'adjustment', journalNameId: 'IAdj', maxLinesPerJournal: 10 }, IMPORT_PROJECT);
    const cases: Array<[Uint8Array, string]> = [
      [toZip(files.filter((x) => x.name !== 'PackageHeader.xml')), 'no PackageHeader.xml'],
      [toZip(files.map((x) => (x.name === 'Manifest.xml' ? { ...x, text: x.text.replace(/Inventory adjustment journal header</g, 'Customers V3<') } : x))), "Entity 'Customers V3'"],
      [strToU8('not a zip'), 'not a valid zip'],
    ];
    for (const [bytes, message] of cases) {
      const url = await upload(bytes);
      await expect(f.client.importFromPackage({ packageUrl: url, definitionGroupId: IMPORT_PROJECT, executionId: '', execute: true, overwrite: true, legalEntityId: 'usmf' }))
        .rejects.toThrow(message);
    }
    expect(f.d365.journalList()).toEqual([]);
  });

  it('fails the whole entity when a column is not a field of it, and refuses a second import under the same execution id', async () => {
    const journal = plan().journals[0]!;
    const files = journalPackageFiles('adjustment', journal, journal.lines, { type: 'adjustment', journalNameId: 'IAdj', maxLinesPerJournal: 10 }, IMPORT_PROJECT)
      .map((x) => (x.name.endsWith('V2.csv') ? { ...x, text: x.text.replace('INVENTORYQUANTITY', 'QTY') } : x));
    const url = await upload(toZip(files));
    await f.client.importFromPackage({ packageUrl: url, definitionGroupId: IMPORT_PROJECT, executionId: 'imp-x', execute: true, overwrite: true, legalEntityId: 'usmf' });
    f.d365.advance(5);
    expect(await f.client.executionStatus('imp-x')).toBe('Failed');
    expect(JSON.stringify(await f.client.executionErrors('imp-x'))).toContain("'QTY' is not a field of the entity");
    await expect(f.client.importFromPackage({ packageUrl: url, definitionGroupId: IMPORT_PROJECT, executionId: 'imp-x', execute: true, overwrite: true, legalEntityId: 'usmf' }))
      .rejects.toThrow('Execution ID imp-x already exists');
  });

  it('refuses an upload without x-ms-blob-type and a download past the signature', async () => {
    const { BlobUrl } = await f.client.azureWriteUrl('raw.zip');
    const put = await fetch(BlobUrl, { method: 'PUT', body: 'x' });
    expect([put.status, put.headers.get('x-ms-error-code')]).toEqual([400, 'MissingRequiredHeader']);
    f.d365.advance(7200);
    const late = await fetch(BlobUrl, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'x' });
    expect(late.status).toBe(403);
  });
});
