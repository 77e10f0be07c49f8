/**
 * Wire shapes of Dynamics 365 finance and operations (DOMAIN.md §2, §7a): the data management package actions
 * (Microsoft's "Data management package REST API" article), the OData entities the product reads, and the error body.
 * The job's client parses every answer with these; the sandbox emulator answers in the same shapes.
 */
import { z } from 'zod';

/** The OData actions are bound to the data projects' entity set. */
export const DMF_ACTION_PREFIX = '/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.';
export const DMF_ACTIONS = ['ExportToPackage', 'GetExecutionSummaryStatus', 'GetExportedPackageUrl', 'GetAzureWriteUrl', 'ImportFromPackage',
  'GetExecutionErrors', 'GenerateImportTargetErrorKeysFile', 'GetImportTargetErrorKeysFileUrl'] as const;
export type DmfAction = (typeof DMF_ACTIONS)[number];

/** DMFExecutionSummaryStatus, as the article lists it. */
export const EXECUTION_STATUSES = ['Unknown', 'NotRun', 'Executing', 'Succeeded', 'PartiallySucceeded', 'Failed', 'Canceled'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
export const TERMINAL_STATUSES: readonly ExecutionStatus[] = ['Succeeded', 'PartiallySucceeded', 'Failed', 'Canceled'];

/** F&O's service-driven paging: at most 10,000 records a page ("OData", Supported features). */
export const ODATA_MAX_PAGE_SIZE = 10000;

/** Action bodies, as the article gives them. */
export const exportToPackageBodySchema = z.strictObject({
  definitionGroupId: z.string().min(1), packageName: z.string().min(1), executionId: z.string(), reExecute: z.boolean(), legalEntityId: z.string(),
});
export const importFromPackageBodySchema = z.strictObject({
  packageUrl: z.string().min(1), definitionGroupId: z.string().min(1), executionId: z.string(), execute: z.boolean(), overwrite: z.boolean(),
  legalEntityId: z.string(),
});
export const executionIdBodySchema = z.strictObject({ executionId: z.string().min(1) });
export const executionEntityBodySchema = z.strictObject({ executionId: z.string().min(1), entityName: z.string().min(1) });
export const writeUrlBodySchema = z.strictObject({ uniqueFileName: z.string().min(1) });

/**
 * `{"@odata.context": "…#Edm.String", "value": "<text>"}`. The article shows ExportToPackage and GetExportedPackageUrl
 * answering `"value": {"value": "…"}`; Microsoft's Logic Apps walkthrough reads `body.value` as the string itself.
 * Both are accepted.
 */
export const stringResultSchema = z.object({ value: z.union([z.string(), z.object({ value: z.string() })]) })
  .transform((r) => (typeof r.value === 'string' ? r.value : r.value.value));
export const booleanResultSchema = z.object({ value: z.boolean() }).transform((r) => r.value);
export const executionStatusResultSchema = z.object({ value: z.enum(EXECUTION_STATUSES) }).transform((r) => r.value);

/** GetAzureWriteUrl's value is itself JSON: `{"BlobId":"{guid}","BlobUrl":"https://…?<SAS>"}`. */
export const writeUrlResultSchema = stringResultSchema.pipe(z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'GetAzureWriteUrl value is not JSON' });
    return z.NEVER;
  }
}).pipe(z.object({ BlobId: z.string(), BlobUrl: z.string().url() })));

/** GetExecutionErrors' value is a JSON list in a string ("[]" when there are none); its items are not documented. */
export const executionErrorsResultSchema = stringResultSchema.pipe(z.string().transform((text, ctx) => {
  try {
    const list = JSON.parse(text) as unknown;
    if (Array.isArray(list)) return list as unknown[];
  } catch { /* reported below */ }
  ctx.addIssue({ code: 'custom', message: 'GetExecutionErrors value is not a JSON list' });
  return z.NEVER;
}));

/** F&O's error body (the `innererror` carries the useful message). */
export const fnoErrorSchema = z.object({
  error: z.object({ code: z.string().optional(), message: z.string(), innererror: z.object({ message: z.string().optional(), type: z.string().optional() }).optional() }),
});

export const odataPageSchema = z.object({
  value: z.array(z.record(z.string(), z.unknown())),
  '@odata.nextLink': z.string().optional(),
});

/** A row of WarehousesOnHandV2 (InventWarehouseOnHandV2Entity), the fields the product reads (DOMAIN.md §2). */
export const WAREHOUSE_ON_HAND_FIELDS = ['dataAreaId', 'ItemNumber', 'ProductColorId', 'ProductConfigurationId', 'ProductSizeId', 'ProductStyleId',
  'ProductVersionId', 'InventorySiteId', 'InventoryWarehouseId', 'OnHandQuantity', 'AvailableOnHandQuantity', 'ReservedOnHandQuantity',
  'OrderedQuantity', 'OnOrderQuantity', 'TotalAvailableQuantity'] as const;
export const warehouseOnHandRowSchema = z.object({
  dataAreaId: z.string(), ItemNumber: z.string(), ProductColorId: z.string(), ProductConfigurationId: z.string(), ProductSizeId: z.string(),
  ProductStyleId: z.string(), ProductVersionId: z.string(), InventorySiteId: z.string(), InventoryWarehouseId: z.string(), OnHandQuantity: z.number(),
}).passthrough();

/** Journal headers as OData serves them (InventoryAdjustmentJournalHeaders, InventoryCountingJournalHeaders). */
export const journalHeaderRowSchema = z.object({
  dataAreaId: z.string(), JournalNumber: z.string(), Description: z.string().nullable(), JournalNameId: z.string().nullable(),
  IsPosted: z.enum(['Yes', 'No']),
}).passthrough();
export type JournalHeaderRow = z.infer<typeof journalHeaderRowSchema>;

/** Journal lines as OData serves them (InventoryAdjustmentJournalEntriesV2, InventoryCountingJournalLines). */
export const journalLineRowSchema = z.object({ dataAreaId: z.string(), JournalNumber: z.string(), LineNumber: z.number(), ItemNumber: z.string() }).passthrough();
export type JournalLineRow = z.infer<typeof journalLineRowSchema>;

/** Microsoft Entra's token answer for client credentials. */
export const entraTokenSchema = z.object({ access_token: z.string(), token_type: z.string(), expires_in: z.union([z.number(), z.string()]) });

/** The OData entity sets of the journal types the product writes, and the data management entity names in a package. */
export const JOURNAL_ENTITIES = {
  adjustment: {
    headerSet: 'InventoryAdjustmentJournalHeaders', lineSet: 'InventoryAdjustmentJournalEntriesV2',
    headerEntity: 'Inventory adjustment journal header', lineEntity: 'Inventory adjustment journal headers and lines V2',
    headerDataEntity: 'InventInventoryAdjustmentJournalHeaderEntity', lineDataEntity: 'InventInventoryAdjustmentJournalEntryV2Entity',
  },
  counting: {
    headerSet: 'InventoryCountingJournalHeaders', lineSet: 'InventoryCountingJournalLines',
    headerEntity: 'Inventory counting journal header', lineEntity: 'Inventory counting journal lines',
    headerDataEntity: 'InventInventoryCountingJournalHeaderEntity', lineDataEntity: 'InventInventoryCountingJournalLineEntity',
  },
} as const;
export type JournalType = keyof typeof JOURNAL_ENTITIES;

/** An OData string literal. */
export const odataLiteral = (value: string): string => `'${value.replace(/'/g, "''")}'`;
