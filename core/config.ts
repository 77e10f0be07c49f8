/**
 * The reconcile job's configuration (issue "Reconcile job"): one zod schema gives the type, the error messages
 * with key paths, and the JSON Schema editors use (job/config.schema.json).
 */
import { z } from 'zod';
import { LEVEL_FIELDS, PRODUCT_DIMENSIONS } from './keys.js';
import { D365_FORMATS } from './formats.js';
import { snapshotConfigSchema } from './snapshot.js';
import { KEY_FIELD_LIMITS, RULE_NAME_LENGTH } from './stored-limits.js';

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-11-20T02:00:00Z' });
const limit = z.number().positive('must be greater than 0');
/** A code the discrepancy table stores in a column of this many characters. */
const code = (maxLength: number) => nonEmpty.max(maxLength, `must be at most ${maxLength} characters (what Dataverse stores)`);

/** Where a file comes from. The type follows the extension (.csv/.txt, .zip, .parquet) unless given. */
const fileSource = {
  path: nonEmpty.describe('File path, relative to the config file'),
  type: z.enum(['csv', 'package', 'parquet', 'delta']).optional()
    .describe('csv (header row, any delimiter), package (D365 data-management zip), parquet, or delta (a Delta table\'s folder, read on Spark); default from the extension'),
  entity: nonEmpty.optional()
    .describe('For a data package holding several entities: the entity name in Manifest.xml, or the CSV file name'),
};

const column = nonEmpty.describe('Column name in the file (matched case-insensitively)');
const productDimensionColumns = Object.fromEntries(PRODUCT_DIMENSIONS.map((d) => [d, column.optional()])) as
  Record<(typeof PRODUCT_DIMENSIONS)[number], z.ZodOptional<typeof column>>;

export const d365OnHandColumnsSchema = z.strictObject({
  company: column.optional(),
  item: column,
  ...productDimensionColumns,
  site: column.optional(),
  warehouse: column.optional(),
  location: column.optional(),
  batch: column.optional(),
  serial: column.optional(),
  status: column.optional(),
  owner: column.optional(),
  quantity: column,
  itemGroup: column.optional().describe('The item group, for threshold rules scoped by item group'),
});

const d365OnHandSchema = z.strictObject({
  ...fileSource,
  format: z.enum(Object.keys(D365_FORMATS) as [keyof typeof D365_FORMATS, ...(keyof typeof D365_FORMATS)[]]).optional()
    .describe('A D365 data entity whose field names the file uses'),
  columns: d365OnHandColumnsSchema.optional().describe('Or map any CSV: canonical field → column name'),
  inventDim: z.strictObject({
    path: nonEmpty.describe('The INVENTDIM table: a Delta folder, Parquet or CSV, by path or address (abfss://…)'),
    type: z.enum(['csv', 'parquet', 'delta']).optional(),
  }).optional().describe('With format InventSumInventDim (path is then the INVENTSUM table): D365\'s tables as Synapse Link or Link to Fabric export them, joined on inventdimid (Spark only)'),
}).refine((s) => (s.format === undefined) !== (s.columns === undefined), {
  message: 'give either "format" or "columns", not both and not neither',
}).refine((s) => (s.format === 'InventSumInventDim') === (s.inventDim !== undefined), {
  message: 'format InventSumInventDim and inventDim go together: path is the INVENTSUM table, inventDim.path the INVENTDIM table',
  path: ['inventDim'],
});

const valuationSchema = z.strictObject({
  ...fileSource,
  columns: z.strictObject({
    item: column,
    site: column.optional(),
    warehouse: column.optional(),
    quantity: column,
    amount: column,
  }),
});

const wmsOnHandSchema = z.strictObject({
  ...fileSource,
  columns: z.strictObject({
    item: column.describe('The WMS SKU'),
    facility: column,
    ...productDimensionColumns,
    location: column.optional(),
    batch: column.optional(),
    serial: column.optional(),
    status: column.optional(),
    owner: column.optional(),
    quantity: column,
    unit: column.optional().describe('Without it every line is in the default unit'),
  }),
});

const wmsInFlightSchema = wmsOnHandSchema;

const d365ItemsSchema = z.strictObject({
  ...fileSource,
  columns: z.strictObject({
    item: column.describe('D365 item number (ItemNumber in Released products V2)'),
    itemGroup: column.describe('Item group (ItemGroupId)'),
  }),
});

const itemMappingTarget = z.strictObject({
  item: nonEmpty,
  ...Object.fromEntries(PRODUCT_DIMENSIONS.map((d) => [d, z.string().optional()])) as
    Record<(typeof PRODUCT_DIMENSIONS)[number], z.ZodOptional<z.ZodString>>,
});

const itemMappingFile = z.strictObject({
  ...fileSource,
  columns: z.strictObject({
    sku: column,
    item: column,
    ...productDimensionColumns,
  }),
});

export const unitConversionSchema = z.strictObject({
  item: nonEmpty.describe('D365 item number, or * for any item; the item\'s own conversion wins'),
  from: nonEmpty.describe('WMS unit (matched case-insensitively)'),
  factor: limit.describe('D365 inventory units per one WMS unit'),
});

export const thresholdRuleSchema = z.strictObject({
  name: code(RULE_NAME_LENGTH),
  scope: z.strictObject({ item: nonEmpty.optional(), itemGroup: nonEmpty.optional(), site: nonEmpty.optional(), warehouse: nonEmpty.optional() }).optional()
    .describe('Fields the key must match; the most specific matching rule wins (item > item group > warehouse > site > none), ties go to the first listed'),
  quantity: limit.optional().describe('Material when |residual| ≥ quantity'),
  percent: limit.optional().describe('Material when |residual| / |D365 qty| × 100 ≥ percent'),
  value: limit.optional().describe('Material when |value variance| ≥ value'),
});

export const reconcileConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  company: code(KEY_FIELD_LIMITS.company.maxLength).describe('D365 legal entity (dataAreaId), matched case-insensitively'),
  compareLevel: z.array(z.enum(LEVEL_FIELDS))
    .refine((level) => new Set(level).size === level.length, { message: 'lists a field twice' })
    .describe('Storage and tracking dimensions compared beyond item and product dimensions'),
  d365: z.strictObject({
    asOf: instant,
    onHand: d365OnHandSchema,
    valuation: valuationSchema.optional(),
    items: d365ItemsSchema.optional().describe('Item groups of the items (e.g. a Released products V2 export), for threshold rules scoped by item group'),
  }),
  wms: z.strictObject({
    asOf: instant,
    onHand: wmsOnHandSchema,
    inFlight: wmsInFlightSchema.optional(),
  }),
  mappings: z.strictObject({
    facilities: z.record(nonEmpty, z.strictObject({ site: code(KEY_FIELD_LIMITS.site.maxLength), warehouse: code(KEY_FIELD_LIMITS.warehouse.maxLength) }))
      .describe('WMS facility → D365 site and warehouse; only these warehouses are compared unless scope.warehouses widens it'),
    items: z.union([itemMappingFile, z.record(nonEmpty, itemMappingTarget)]).optional()
      .describe('WMS SKU → D365 item and product dimensions (a file or inline); an SKU not listed is the item number'),
    statuses: z.record(nonEmpty, nonEmpty).optional().describe('WMS status word → D365 inventory status'),
    units: z.strictObject({
      default: nonEmpty.describe('The D365 inventory unit that needs no conversion'),
      conversions: z.array(unitConversionSchema).default([]),
    }),
  }),
  scope: z.strictObject({
    warehouses: z.union([z.enum(['mapped', 'all']), z.array(nonEmpty)]).default('mapped')
      .describe('D365 warehouses compared: "mapped" (those mappings.facilities names), "all", or a list compared in addition to the mapped ones; other D365 lines are counted as out of scope'),
  }).default({ warehouses: 'mapped' }),
  rejects: z.strictObject({
    warnShare: z.number().min(0).max(1).describe('Warn when more than this share (0–1) of a file\'s lines is rejected'),
  }).default({ warnShare: 0.05 }),
  packages: z.strictObject({
    maxEntryMB: z.number().positive().describe('Largest entity file to extract from a data package, in MB'),
    maxCompressionRatio: z.number().min(1).describe('Largest inflated-to-compressed ratio of an entity file (a zip bomb is refused)'),
  }).default({ maxEntryMB: 4096, maxCompressionRatio: 200 }),
  thresholds: z.array(thresholdRuleSchema).min(1, 'needs at least one rule').optional()
    .describe('Finance\'s threshold rules. With --target they live in Dataverse: the first run seeds them from here; later, leave them out (rules in both places that differ are refused)'),
  timing: z.strictObject({ maxSkewMinutes: z.number().nonnegative() }).default({ maxSkewMinutes: 30 }),
  audit: z.strictObject({ afterRuns: z.number().int().min(1) }).default({ afterRuns: 3 }),
  engine: z.enum(['duckdb', 'spark']).default('duckdb')
    .describe('Where the compare\'s set work runs: DuckDB on this machine, or Apache Spark past one machine (README, "Past one machine")'),
  spark: z.strictObject({
    master: nonEmpty.default('local[*]').describe('The Spark master: local[*], spark://host:7077, yarn, k8s://https://host:443'),
    submit: nonEmpty.optional().describe('spark-submit to run; default SPARK_HOME\'s, else the project\'s environment (npm test makes it), else the one on PATH'),
    conf: z.record(nonEmpty, z.string()).default({}).describe('Spark properties passed as --conf (spark.executor.instances, spark.jars.packages …)'),
    exchange: z.union([nonEmpty, z.strictObject({
      spark: nonEmpty.describe('The folder as Spark names it (abfss://…)'),
      local: nonEmpty.describe('The same folder as this machine reads it (a mount of that storage)'),
    })]).optional().describe('A folder this machine and Spark both see, for the Parquet that crosses between them; default a private temp folder (enough for local and one-machine masters)'),
    livy: z.strictObject({
      url: z.url().describe('The Livy root sessions are created under: https://<workspace>.dev.azuresynapse.net/livyApi/versions/2019-11-01-preview/sparkPools/<pool>, or another Livy server'),
      scope: nonEmpty.default('https://dev.azuresynapse.net/.default').describe('The Microsoft Entra scope of its tokens (client credentials from IBAL_TENANT_ID, IBAL_CLIENT_ID, IBAL_CLIENT_SECRET)'),
      loginUrl: z.url().optional().describe('A stand-in for Microsoft Entra on 127.0.0.1 (the sandbox, tests)'),
    }).optional().describe('Run the driver in a Livy session (a Synapse Spark pool, Fabric, any Livy) instead of starting it with spark-submit; master and submit are then not used'),
    startSeconds: z.number().int().positive().default(180).describe('How long Spark may take to start'),
  }).default({ master: 'local[*]', conf: {}, startSeconds: 180 }),
  snapshot: snapshotConfigSchema.optional().describe('How `ibal snapshot` asks D365 and the WMS for their on-hand at the same time (README, "Coordinated snapshots")'),
});

export type ReconcileConfig = z.infer<typeof reconcileConfigSchema>;
export type ThresholdRule = z.infer<typeof thresholdRuleSchema>;
export type UnitConversion = z.infer<typeof unitConversionSchema>;
export type D365OnHandColumns = z.infer<typeof d365OnHandColumnsSchema>;
export type ItemMappingTarget = z.infer<typeof itemMappingTarget>;
export type PackageLimits = ReconcileConfig['packages'];

/** "d365.onHand.columns.quantity: Invalid input" style lines, one per problem, each naming its key path. */
export function describeConfigIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${path === '(root)' ? '' : `${path}.`}${key}: unknown key`).join('\n');
    }
    return `${path}: ${issue.message}`;
  });
}
