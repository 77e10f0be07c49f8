/**
 * Approved corrections → D365 journals (DOMAIN.md §7, issue 16), for companies that post without Inventory
 * Visibility: which journal each line goes to, its stable line id, and the text of the data management package
 * (entity CSVs, Manifest.xml, PackageHeader.xml) that D365 imports. Pure: the job zips and sends it.
 *
 * An inventory adjustment journal adds a signed delta, so it stays right when other transactions post between the
 * count and the posting. A counting journal sets on-hand to the counted quantity: anything that moved after the
 * count is silently overwritten, so only lines counted after the snapshot may go that way (README, "Posting as a
 * D365 journal").
 */
import { stringify } from 'csv-stringify/sync';
import { XMLBuilder } from 'fast-xml-parser';
import { roundQuantity } from './classification.js';
import { batchImpact, type ApprovedCorrection, type Impact } from './corrections.js';
import { JOURNAL_ENTITIES, type JournalType } from './d365.js';
import type { ReasonCode } from './workflow.js';

/** What a journal line needs beyond an IV line: the count and when it was taken, and the run's D365 snapshot time. */
export interface JournalCorrection extends ApprovedCorrection {
  d365Qty: number;
  countedQty: number | null;
  /** When the count was recorded (ISO 8601); without it the approval time stands in, the latest the count can be. */
  countedOn?: string | undefined;
  /** The D365 as-of of the run the discrepancy came from. */
  snapshotAsOf: string;
}

export interface JournalSettings {
  type: JournalType;
  /** The D365 journal name (InventJournalNameId) of the journal type. */
  journalNameId: string;
  /** Lines per journal before the batch is split into parts (every part carries the batch's name). */
  maxLinesPerJournal: number;
  /** Counting journals: the D365 counting reason code per reason. */
  countingReasonCodes?: Partial<Record<ReasonCode, string>> | undefined;
  /** Adjustment journals: the financial dimension display value per reason, where finance tracks reasons as a dimension. */
  reasonLedgerDimensions?: Partial<Record<ReasonCode, string>> | undefined;
}

export interface PlannedLine {
  /** Stable across retries: the batch, the journal part and the line number. */
  lineId: string;
  lineNumber: number;
  correction: JournalCorrection;
}

export interface PlannedJournal {
  /** The journal's description in D365, which is how the poster finds it again (unique per batch and part). */
  reference: string;
  /** The journal number in the package file (≤ 10 characters); D365 may number the journal itself. */
  fileJournalNumber: string;
  company: string;
  part: number;
  parts: number;
  lines: PlannedLine[];
  impact: Impact;
}

export interface JournalPlan {
  batchId: string;
  type: JournalType;
  journals: PlannedJournal[];
  /** Corrections that cannot go into this journal type, each with the reason. */
  refused: Array<{ discrepancyId: string; reason: string }>;
  /** The whole batch, whatever the split: what finance confirmed. */
  total: Impact;
}

export interface PostingBatchRef {
  /** The posting batch's id (a GUID in Dataverse). */
  batchId: string;
  /** Its number as people see it (e.g. PB-2026-11-20-01). */
  batchName: string;
}

const shortId = (batchId: string) => batchId.replace(/[^0-9a-z]/gi, '').slice(0, 6).toUpperCase().padEnd(6, '0');

/** Why a correction cannot go into a counting journal, or undefined when it can. */
export function countingRefusal(c: JournalCorrection): string | undefined {
  if (c.countedQty === null) return 'it was never counted: a counting journal sets on-hand to a count, so post it in an adjustment journal';
  const countedOn = c.countedOn ?? c.approvedOn;
  if (!(Date.parse(countedOn) > Date.parse(c.snapshotAsOf))) {
    return `it was counted (${countedOn}) before the snapshot it corrects (${c.snapshotAsOf}); post it in an adjustment journal`;
  }
  return undefined;
}

/**
 * One journal per company and posting batch, split into parts of at most `maxLinesPerJournal` lines. Lines are
 * ordered by warehouse, item and discrepancy, so the same batch always gives the same parts, line numbers and ids.
 */
export function planJournals(batch: PostingBatchRef, corrections: readonly JournalCorrection[], settings: JournalSettings): JournalPlan {
  if (!Number.isInteger(settings.maxLinesPerJournal) || settings.maxLinesPerJournal < 1) {
    throw new Error(`lines per journal must be a whole number of 1 or more, not ${settings.maxLinesPerJournal}`);
  }
  const refused: JournalPlan['refused'] = [];
  const accepted: JournalCorrection[] = [];
  for (const c of corrections) {
    const reason = settings.type === 'counting' ? countingRefusal(c)
      : c.owner !== '' ? `it has inventory owner ${c.owner}, which the adjustment journal entity does not carry` : undefined;
    if (reason) refused.push({ discrepancyId: c.discrepancyId, reason: `Not in the ${settings.type} journal: ${reason}.` });
    else if (roundQuantity(c.correctionQty) === 0 && settings.type === 'adjustment') refused.push({ discrepancyId: c.discrepancyId, reason: 'Not in the adjustment journal: its correction is 0.' });
    else accepted.push(c);
  }
  const byCompany = new Map<string, JournalCorrection[]>();
  for (const c of [...accepted].sort((a, b) => a.company.localeCompare(b.company) || a.warehouse.localeCompare(b.warehouse)
    || a.item.localeCompare(b.item) || a.discrepancyId.localeCompare(b.discrepancyId))) {
    byCompany.set(c.company, [...(byCompany.get(c.company) ?? []), c]);
  }
  const journals: PlannedJournal[] = [];
  let companyIndex = 0;
  for (const [company, lines] of byCompany) {
    companyIndex += 1;
    const parts = Math.ceil(lines.length / settings.maxLinesPerJournal);
    for (let part = 1; part <= parts; part += 1) {
      const slice = lines.slice((part - 1) * settings.maxLinesPerJournal, part * settings.maxLinesPerJournal);
      const companyTag = byCompany.size > 1 ? ` ${company}` : '';
      const reference = `IBAL ${shortId(batch.batchId)} ${batch.batchName.slice(0, 30)}${companyTag} ${part}/${parts}`;
      journals.push({
        reference, company, part, parts,
        fileJournalNumber: `IB${shortId(batch.batchId)}${String(companyIndex * 100 + part).slice(-2).padStart(2, '0')}`,
        lines: slice.map((correction, i) => ({ lineId: `${batch.batchId}:${company}:${part}:${i + 1}`, lineNumber: i + 1, correction })),
        impact: batchImpact(slice).total,
      });
    }
  }
  return { batchId: batch.batchId, type: settings.type, journals, refused, total: batchImpact(accepted).total };
}

/** The entity file columns: the entities' field names, upper-case as data management writes them. */
export const JOURNAL_COLUMNS = {
  adjustment: {
    header: ['JOURNALNUMBER', 'JOURNALNAMEID', 'DESCRIPTION'],
    lines: ['JOURNALNUMBER', 'LINENUMBER', 'JOURNALNAMEID', 'ITEMNUMBER', 'PRODUCTCOLORID', 'PRODUCTCONFIGURATIONID', 'PRODUCTSIZEID', 'PRODUCTSTYLEID',
      'PRODUCTVERSIONID', 'INVENTORYSITEID', 'INVENTORYWAREHOUSEID', 'WAREHOUSELOCATIONID', 'ITEMBATCHNUMBER', 'ITEMSERIALNUMBER', 'INVENTORYSTATUSID',
      'LICENSEPLATENUMBER', 'INVENTORYQUANTITY', 'UNITCOST', 'TRANSACTIONDATE', 'DEFAULTLEDGERDIMENSIONDISPLAYVALUE'],
  },
  counting: {
    header: ['JOURNALNUMBER', 'JOURNALNAMEID', 'DESCRIPTION'],
    lines: ['JOURNALNUMBER', 'LINENUMBER', 'ITEMNUMBER', 'PRODUCTCOLORID', 'PRODUCTCONFIGURATIONID', 'PRODUCTSIZEID', 'PRODUCTSTYLEID', 'PRODUCTVERSIONID',
      'INVENTORYSITEID', 'WAREHOUSEID', 'WAREHOUSELOCATIONID', 'ITEMBATCHNUMBER', 'ITEMSERIALNUMBER', 'INVENTORYSTATUSID', 'INVENTORYOWNERID',
      'LICENSEPLATENUMBER', 'COUNTEDQUANTITY', 'ONHANDQUANTITY', 'COUNTINGDATE', 'COUNTINGREASONCODE'],
  },
} as const satisfies Record<JournalType, { header: readonly string[]; lines: readonly string[] }>;

const day = (iso: string) => iso.slice(0, 10);

function lineRow(type: JournalType, journalNumber: string, line: PlannedLine, settings: JournalSettings): string[] {
  const c = line.correction;
  const dims = [c.item, c.color, c.config, c.size, c.style, c.version, c.site];
  if (type === 'adjustment') {
    return [journalNumber, String(line.lineNumber), settings.journalNameId, ...dims, c.warehouse, c.location, c.batch, c.serial, c.inventoryStatus, '',
      String(roundQuantity(c.correctionQty)), String(c.unitCost), day(c.approvedOn), settings.reasonLedgerDimensions?.[c.reasonCode] ?? ''];
  }
  return [journalNumber, String(line.lineNumber), ...dims, c.warehouse, c.location, c.batch, c.serial, c.inventoryStatus, c.owner, '',
    String(roundQuantity(c.countedQty ?? 0)), String(roundQuantity(c.d365Qty)), day(c.countedOn ?? c.approvedOn), settings.countingReasonCodes?.[c.reasonCode] ?? ''];
}

export interface PackageFile { name: string; text: string }

/** CSV-Unicode as D365 writes it: CRLF line ends (the job encodes it as UTF-16 LE with a byte-order mark). */
const csvText = (rows: string[][]) => stringify(rows, { record_delimiter: '\r\n', quoted_match: /[",\r\n]/ });

const xml = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', format: true, suppressEmptyNode: true });
const NS = { '@xmlns:i': 'http://www.w3.org/2001/XMLSchema-instance', '@xmlns': 'http://schemas.microsoft.com/dynamics/2015/01/DataManagement' };

/**
 * The package for some lines of one journal: the header entity (level 1, so D365 creates the journal first), the
 * lines entity (level 2), Manifest.xml naming both with their field maps, and PackageHeader.xml. `journalNumber` is
 * the journal's number in D365 when lines are added to a journal D365 already has, else the planned file number.
 */
export function journalPackageFiles(type: JournalType, journal: PlannedJournal, lines: readonly PlannedLine[], settings: JournalSettings,
  definitionGroup: string, journalNumber = journal.fileJournalNumber): PackageFile[] {
  const entities = JOURNAL_ENTITIES[type];
  const columns = JOURNAL_COLUMNS[type];
  const headerFile = `${entities.headerEntity}.csv`;
  const linesFile = `${entities.lineEntity}.csv`;
  const entity = (name: string, file: string, fields: readonly string[], level: number) => ({
    DefaultRefreshType: 'FullPush', Disable: 'false',
    EntityMapList: { EntityMap: fields.map((f) => ({ ArrayIndex: 0, EntityField: f, IsAutoDefault: 'false', IsAutoGenerated: 'false', XMLField: f })) },
    EntityName: name, ExecutionUnit: 1, InputFilePath: file, LevelInExecutionUnit: level, SequenceInLevel: 1, SkipStaging: 'false', SourceFormat: 'CSV-Unicode',
  });
  const manifest = xml.build({ '?xml': { '@version': '1.0', '@encoding': 'utf-8' }, DataManagementPackageManifest: { ...NS,
    DefinitionGroupName: definitionGroup, Description: journal.reference,
    PackageEntityList: { DataManagementPackageEntityData: [
      entity(entities.headerEntity, headerFile, columns.header, 1), entity(entities.lineEntity, linesFile, columns.lines, 2)] } } }) as string;
  const header = xml.build({ '?xml': { '@version': '1.0', '@encoding': 'utf-8' }, DataManagementPackageHeader: { ...NS,
    Description: journal.reference,
    ManifestType: 'Microsoft.Dynamics.AX.Framework.Tools.DataManagement.Serialization.DataManagementPackageManifest',
    PackageType: 'DefinitionGroup', PackageVersion: 2 } }) as string;
  return [
    { name: 'Manifest.xml', text: manifest },
    { name: 'PackageHeader.xml', text: header },
    { name: headerFile, text: csvText([[...columns.header], [journalNumber, settings.journalNameId, journal.reference]]) },
    { name: linesFile, text: csvText([[...columns.lines], ...lines.map((l) => lineRow(type, journalNumber, l, settings))]) },
  ];
}
