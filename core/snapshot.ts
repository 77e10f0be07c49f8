/**
 * The coordinated snapshot (issue 16, reference architecture "coordinate the snapshot"): how `ibal snapshot` asks
 * D365 and the WMS for their on-hand at the same as-of time, where it collects the files, and the manifest it writes.
 * The settings live in the job's config under `snapshot`; zod names every wrong key.
 */
import { z } from 'zod';

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });

const d365PackageSchema = z.strictObject({
  mode: z.literal('package'),
  dataProject: nonEmpty.describe('The export data project (definition group) holding the on-hand entity and, optionally, the valuation entity'),
  onHandEntity: nonEmpty.describe('The on-hand entity name as the package lists it in Manifest.xml, e.g. "Warehouses on-hand V2"'),
  valuationEntity: nonEmpty.optional().describe('The valuation entity in the same package (d365.valuation reads it from there)'),
});

const d365ODataSchema = z.strictObject({
  mode: z.literal('odata'),
  entitySet: z.enum(['WarehousesOnHandV2', 'WarehouseInventoryOnhandReportLines']).default('WarehousesOnHandV2')
    .describe('The OData entity set read page by page; its field names are d365.onHand.format'),
  crossCompany: z.boolean().default(true).describe('Read with cross-company=true and filter on the company (dataAreaId)'),
  pageSize: z.number().int().min(1).max(10000).default(10000).describe("Prefer: odata.maxpagesize (F&O's maximum is 10,000)"),
});

const collectSchema = z.discriminatedUnion('from', [
  z.strictObject({
    from: z.literal('folder'),
    path: nonEmpty.describe('A folder the WMS drops its files into (relative to the config)'),
    file: nonEmpty.describe('The file name to wait for; {date} is the as-of date (yyyy-mm-dd), {asOf} the as-of time without punctuation'),
  }),
  z.strictObject({
    from: z.literal('url'),
    url: httpUrl.describe('An HTTPS URL or an Azure Blob SAS URL; {date} and {asOf} as for a folder. Answers 404 until the file is there'),
    headers: z.record(z.string(), z.string()).optional().describe('Extra request headers (an Azure Blob SAS URL needs none)'),
  }),
]);

export const snapshotConfigSchema = z.strictObject({
  d365: z.strictObject({
    url: httpUrl.describe('The environment, e.g. https://contoso.operations.dynamics.com (tokens are requested for <url>/.default)'),
    legalEntity: nonEmpty.optional().describe('The legal entity of the export; the config\'s company when absent'),
    source: z.discriminatedUnion('mode', [d365PackageSchema, d365ODataSchema]),
  }),
  wms: z.strictObject({
    request: z.strictObject({
      url: httpUrl,
      method: z.enum(['GET', 'POST']).default('POST'),
      headers: z.record(z.string(), z.string()).optional(),
      body: z.string().optional().describe('Request body; {asOf} is replaced by the as-of time (ISO 8601)'),
      asOfField: nonEmpty.optional().describe('A field of the JSON answer that holds the WMS\'s own as-of time'),
    }).optional().describe('Ask the WMS for a snapshot; leave out for a WMS that drops files on a schedule'),
    onHand: collectSchema,
    inFlight: collectSchema.optional(),
    asOf: z.enum(['response', 'file-time', 'requested']).default('file-time')
      .describe("Where the WMS's as-of comes from: the request's answer (asOfField), the file's time (Last-Modified or the file's modification time), or the requested time"),
  }),
  deadlineMinutes: z.number().positive().default(60).describe('Both sides must have arrived within this time'),
  pollSeconds: z.number().positive().default(15).describe('How often D365 and the WMS location are asked again'),
});

export type SnapshotConfig = z.infer<typeof snapshotConfigSchema>;
export type CollectConfig = z.infer<typeof collectSchema>;

/** One downloaded file, as the manifest records it. */
export interface SnapshotFile { role: 'd365' | 'wms.onHand' | 'wms.inFlight'; file: string; bytes: number; sha256: string; source: string }

/** `snapshot.json` in the run folder. */
export interface SnapshotManifest {
  requestedAsOf: string;
  d365: { asOf: string; mode: 'package' | 'odata'; executionId?: string | undefined; records?: number | undefined };
  wms: { asOf: string; asOfFrom: 'response' | 'file-time' | 'requested' };
  skewMinutes: number;
  warnings: string[];
  files: SnapshotFile[];
  startedOn: string;
  finishedOn: string;
}

/** `{date}` and `{asOf}` in a file name or URL. */
export function expandAsOf(template: string, asOf: string): string {
  return template.replace(/\{date\}/g, asOf.slice(0, 10)).replace(/\{asOf\}/g, asOf.replace(/[-:]/g, '').replace(/\.\d+/, ''));
}
