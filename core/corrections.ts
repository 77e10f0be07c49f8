/**
 * Approved corrections → Inventory Visibility adjustment lines (DOMAIN.md §6). A line's id comes from the
 * discrepancy and its approval, so a retry or a resumed run sends the same ids and IV cannot count one twice.
 */
import { roundQuantity, roundValue } from './classification.js';
import { adjustmentLineSchema, type AdjustmentLine } from './iv.js';
import type { ReasonCode } from './workflow.js';

/** What posting needs of an approved discrepancy. */
export interface ApprovedCorrection {
  discrepancyId: string;
  /** When it was approved (ISO 8601): part of the line id, so a later re-approval would be a new line. */
  approvedOn: string;
  company: string;
  item: string;
  color: string; size: string; style: string; config: string; version: string;
  site: string;
  warehouse: string;
  location: string; batch: string; serial: string;
  /** The D365 inventory status dimension (not the review status). */
  inventoryStatus: string;
  owner: string;
  correctionQty: number;
  unitCost: number;
  reasonCode: ReasonCode;
}

/** The environment variables posting reads (core/dataverse/environment.ts). */
export interface PostingSettings {
  quantityDataSource: string;
  physicalMeasure: string;
  fnoJournalNameId?: string | undefined;
}

export const EXTERNAL_REFERENCE_CATEGORY = 'Inventory Balance discrepancy';

export function adjustmentLineId(correction: Pick<ApprovedCorrection, 'discrepancyId' | 'approvedOn'>): string {
  return `ibal-${correction.discrepancyId.toLowerCase()}-${correction.approvedOn.replace(/[^0-9]/g, '').slice(0, 14)}`;
}

/** IV's dimension names for the key fields (IV `locationId` is the D365 warehouse; the bin is WMSLocationId). */
const DIMENSIONS: Array<[keyof ApprovedCorrection, string]> = [
  ['color', 'ColorId'], ['size', 'SizeId'], ['style', 'StyleId'], ['config', 'ConfigId'], ['version', 'VersionId'],
  ['location', 'WMSLocationId'], ['batch', 'BatchId'], ['serial', 'SerialId'], ['inventoryStatus', 'StatusId'], ['owner', 'OwnerId'],
];

/** The IV line for one approved correction, checked against IV's shape (so `fno` or a missing warehouse never leaves). */
export function adjustmentLine(correction: ApprovedCorrection, settings: PostingSettings): AdjustmentLine {
  const dimensions: Record<string, string> = { siteId: correction.site, locationId: correction.warehouse };
  for (const [field, name] of DIMENSIONS) {
    const value = String(correction[field] ?? '');
    if (value !== '') dimensions[name] = value;
  }
  return adjustmentLineSchema.parse({
    id: adjustmentLineId(correction),
    organizationId: correction.company,
    productId: correction.item,
    quantityDataSource: settings.quantityDataSource,
    physicalMeasure: settings.physicalMeasure,
    dimensions,
    quantity: roundQuantity(correction.correctionQty),
    externalReferenceCategory: EXTERNAL_REFERENCE_CATEGORY,
    externalReferenceId: correction.discrepancyId,
    ...(settings.fnoJournalNameId ? { fnoJournalNameId: settings.fnoJournalNameId } : {}),
    ...(correction.unitCost > 0 ? { costPrice: correction.unitCost } : {}),
    transDate: correction.approvedOn.slice(0, 10),
  });
}

/** Lines in calls of at most `maxLines` (IV documents no limit; the sibling bulk APIs take 512). */
export function inCalls<T>(lines: readonly T[], maxLines: number): T[][] {
  if (!Number.isInteger(maxLines) || maxLines < 1) throw new Error(`max lines per IV call must be a whole number of 1 or more, not ${maxLines}`);
  const calls: T[][] = [];
  for (let i = 0; i < lines.length; i += maxLines) calls.push(lines.slice(i, i + maxLines));
  return calls;
}

export interface Impact { lines: number; quantity: number; absoluteValue: number; netValue: number }

/** The whole impact of a posting batch, by warehouse and by reason: what finance confirms before anything moves. */
export function batchImpact(corrections: readonly ApprovedCorrection[]): { total: Impact; byWarehouse: Record<string, Impact>; byReason: Record<string, Impact> } {
  const empty = (): Impact => ({ lines: 0, quantity: 0, absoluteValue: 0, netValue: 0 });
  const add = (impact: Impact, c: ApprovedCorrection) => {
    const value = c.correctionQty * c.unitCost;
    impact.lines += 1;
    impact.quantity = roundQuantity(impact.quantity + c.correctionQty);
    impact.absoluteValue = roundValue(impact.absoluteValue + Math.abs(value));
    impact.netValue = roundValue(impact.netValue + value);
  };
  const total = empty();
  const byWarehouse: Record<string, Impact> = {};
  const byReason: Record<string, Impact> = {};
  for (const c of corrections) {
    add(total, c);
    add(byWarehouse[c.warehouse] ??= empty(), c);
    add(byReason[c.reasonCode] ??= empty(), c);
  }
  return { total, byWarehouse, byReason };
}

/**
 * Where a posted line stands in D365, from IV's aggregated status (DOMAIN.md §6): journal posted → Synced; a
 * journal that could not be created or posted → Sync error; netted to zero (DoNotSync) needs no journal → Synced;
 * anything else is still on its way.
 */
export function syncOutcomeOf(aggregatedStatus: string | null): 'Synced' | 'Sync error' | undefined {
  switch ((aggregatedStatus ?? '').toLowerCase()) {
    case 'fnotransposted': case 'donotsync': return 'Synced';
    case 'fnotranscreateerror': case 'fnotransposterror': return 'Sync error';
    default: return undefined;
  }
}
