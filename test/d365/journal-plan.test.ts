import { XMLParser } from 'fast-xml-parser';
import { parse } from 'csv-parse/sync';
import { countingRefusal, journalPackageFiles, planJournals, type JournalCorrection, type JournalSettings } from '../../core/d365-journal';

/** Corrections → journals and package content (core, no I/O). */
const correction = (n: number, extra: Partial<JournalCorrection> = {}): JournalCorrection => ({
  discrepancyId: `d${String(n).padStart(2, '0')}`, approvedOn: '2026-11-21T10:00:00Z', company: 'usmf', item: `A${n}`, color: '', size: '', style: '', config: '',
  version: '', site: '1', warehouse: n % 2 === 0 ? '12' : '11', location: 'B-1', batch: '', serial: '', inventoryStatus: 'Available', owner: '',
  correctionQty: n % 3 === 0 ? -n : n, unitCost: 2.5, reasonCode: 'Shrink', d365Qty: 100, countedQty: 100 + n, countedOn: '2026-11-21T09:00:00Z',
  snapshotAsOf: '2026-11-20T02:00:00Z', ...extra,
});
const batch = { batchId: 'a1b2c3d4-0000-4000-8000-000000000009', batchName: 'PB-9' };
const adjustment: JournalSettings = { type: 'adjustment', journalNameId: 'IAdj', maxLinesPerJournal: 4, reasonLedgerDimensions: { Shrink: '-SHRINK' } };

describe('planJournals', () => {
  it('splits a batch into parts of the line limit, ordered by warehouse and item, and keeps the whole batch total', () => {
    const corrections = Array.from({ length: 10 }, (_, i) => correction(i + 1));
    const plan = planJournals(batch, corrections, adjustment);
    expect(plan.journals.map((j) => [j.reference, j.lines.length])).toEqual([
      ['IBAL A1B2C3 PB-9 1/3', 4], ['IBAL A1B2C3 PB-9 2/3', 4], ['IBAL A1B2C3 PB-9 3/3', 2]]);
    expect(plan.journals[0]!.lines.map((l) => `${l.correction.warehouse}/${l.correction.item}`)).toEqual(['11/A1', '11/A3', '11/A5', '11/A7']);
    // Quantities 1, 2, -3, 4, 5, -6, 7, 8, -9, 10 at 2.5 each.
    const quantity = 1 + 2 - 3 + 4 + 5 - 6 + 7 + 8 - 9 + 10;
    expect(plan.total).toEqual({ lines: 10, quantity, netValue: quantity * 2.5, absoluteValue: 55 * 2.5 });
    expect(plan.journals.reduce((sum, j) => sum + j.impact.quantity, 0)).toBe(quantity);
  });

  it('gives the same line ids and numbers for the same batch whatever the order the corrections come in', () => {
    const corrections = Array.from({ length: 6 }, (_, i) => correction(i + 1));
    const ids = (list: JournalCorrection[]) => planJournals(batch, list, adjustment).journals.flatMap((j) => j.lines.map((l) => `${l.correction.discrepancyId}=${l.lineId}`));
    expect(ids([...corrections].reverse())).toEqual(ids(corrections));
    expect(new Set(ids(corrections)).size).toBe(6);
  });

  it('keeps a line out of a counting journal unless it was counted after the snapshot, and says why', () => {
    expect(countingRefusal(correction(1))).toBeUndefined();
    expect(countingRefusal(correction(1, { countedQty: null }))).toMatch(/never counted/);
    expect(countingRefusal(correction(1, { countedOn: '2026-11-19T23:00:00Z' }))).toMatch(/before the snapshot it corrects/);
    const plan = planJournals(batch, [correction(1), correction(2, { countedQty: null })], { type: 'counting', journalNameId: 'ICnt', maxLinesPerJournal: 10 });
    expect(plan.refused).toEqual([{ discrepancyId: 'd02', reason: expect.stringContaining('Not in the counting journal: it was never counted') }]);
    expect(plan.total.lines).toBe(1);
  });

  it('keeps an owner-dimension line and a zero correction out of an adjustment journal', () => {
    const plan = planJournals(batch, [correction(1, { owner: 'VEND-1' }), correction(2, { correctionQty: 0 }), correction(4)], adjustment);
    expect(plan.refused.map((r) => r.discrepancyId)).toEqual(['d01', 'd02']);
    expect(plan.journals[0]!.lines.map((l) => l.correction.discrepancyId)).toEqual(['d04']);
  });
});

describe('journalPackageFiles', () => {
  it('writes the header and lines entity files and a manifest that lists both with their field maps, header first', () => {
    const plan = planJournals(batch, [correction(1), correction(3)], adjustment);
    const journal = plan.journals[0]!;
    const files = Object.fromEntries(journalPackageFiles('adjustment', journal, journal.lines, adjustment, 'IBAL journal import').map((f) => [f.name, f.text]));
    const manifest = new XMLParser({ removeNSPrefix: true }).parse(files['Manifest.xml']!) as {
      DataManagementPackageManifest: { DefinitionGroupName: string; PackageEntityList: { DataManagementPackageEntityData: Array<{ EntityName: string; LevelInExecutionUnit: number; InputFilePath: string; EntityMapList: { EntityMap: Array<{ XMLField: string }> } }> } } };
    const entities = manifest.DataManagementPackageManifest.PackageEntityList.DataManagementPackageEntityData;
    expect(entities.map((e) => [e.EntityName, e.LevelInExecutionUnit])).toEqual([['Inventory adjustment journal header', 1], ['Inventory adjustment journal headers and lines V2', 2]]);
    const lines = parse(files[entities[1]!.InputFilePath]!, { columns: true }) as Array<Record<string, string>>;
    expect(entities[1]!.EntityMapList.EntityMap.map((m) => m.XMLField)).toEqual(Object.keys(lines[0]!));
    expect(lines.map((l) => [l.LINENUMBER, l.ITEMNUMBER, l.INVENTORYWAREHOUSEID, l.INVENTORYQUANTITY, l.UNITCOST, l.JOURNALNAMEID, l.DEFAULTLEDGERDIMENSIONDISPLAYVALUE, l.TRANSACTIONDATE]))
      .toEqual([['1', 'A1', '11', '1', '2.5', 'IAdj', '-SHRINK', '2026-11-21'], ['2', 'A3', '11', '-3', '2.5', 'IAdj', '-SHRINK', '2026-11-21']]);
    const header = parse(files['Inventory adjustment journal header.csv']!, { columns: true }) as Array<Record<string, string>>;
    expect(header).toEqual([{ JOURNALNUMBER: journal.fileJournalNumber, JOURNALNAMEID: 'IAdj', DESCRIPTION: 'IBAL A1B2C3 PB-9 1/1' }]);
    expect(files['PackageHeader.xml']).toContain('<PackageType>DefinitionGroup</PackageType>');
    expect(files[entities[1]!.InputFilePath]).toContain('\r\n');
  });
});
