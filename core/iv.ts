/**
 * Inventory Visibility's external shapes (DOMAIN.md §6, iv_api.md §1 and §3), as zod schemas: the client that posts
 * corrections and the sandbox's emulator validate with the same ones.
 */
import * as z from 'zod/mini';

/** The app id F&O add-in services use; the Entra token for IV is requested for it. */
export const IV_ENTRA_SCOPE = '0cdb527f-a8d1-4bf8-9436-b352c68682b2/.default';
export const IV_SERVICE_SCOPE = 'https://inventoryservice.operations365.dynamics.com/.default';

export const entraTokenResponseSchema = z.object({
  token_type: z.string(),
  expires_in: z.union([z.string(), z.number()]),
  access_token: z.string().check(z.minLength(1)),
});

export const securityTokenRequestSchema = z.object({
  grant_type: z.literal('client_credentials'),
  client_assertion_type: z.literal('aad_app'),
  client_assertion: z.string().check(z.minLength(1)),
  scope: z.literal(IV_SERVICE_SCOPE),
  context: z.string().check(z.minLength(1)),
  context_type: z.literal('finops-env'),
});

export const securityTokenResponseSchema = z.object({
  access_token: z.string().check(z.minLength(1)),
  token_type: z.string(),
  expires_in: z.number().check(z.positive()),
});

/** One line of POST /api/environment/{environmentId}/transaction/adjustment/bulk. `quantity` is a signed delta. */
export const adjustmentLineSchema = z.strictObject({
  id: z.string().check(z.minLength(1), z.maxLength(200)),
  organizationId: z.string().check(z.minLength(1)),
  productId: z.string().check(z.minLength(1)),
  quantityDataSource: z.string().check(z.minLength(1), z.refine((s) => s.toLowerCase() !== 'fno', {
    message: "the fno data source cannot be written through the API; post to a custom data source",
  })),
  physicalMeasure: z.string().check(z.minLength(1)),
  dimensions: z.catchall(z.object({ siteId: z.string().check(z.minLength(1)), locationId: z.string().check(z.minLength(1)) }), z.string()),
  quantity: z.number(),
  externalReferenceCategory: z.optional(z.string()),
  externalReferenceId: z.optional(z.string()),
  fnoJournalNameId: z.optional(z.string()),
  costPrice: z.optional(z.number()),
  transDate: z.optional(z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}(T.*)?$/, 'a date, YYYY-MM-DD'))),
});
export type AdjustmentLine = z.infer<typeof adjustmentLineSchema>;

export const adjustmentBulkSchema = z.array(adjustmentLineSchema).check(z.minLength(1, 'at least one line'));

/**
 * The bulk response body is undocumented; other IV endpoints answer per element with processingStatus and a body
 * statusCode that can differ from the HTTP status, so a client reads both.
 */
export const adjustmentResultSchema = z.object({
  id: z.string(),
  lineId: z.optional(z.string()),
  processingStatus: z.string(),
  statusCode: z.number(),
  message: z.optional(z.string()),
});
export const adjustmentBulkResponseSchema = z.union([z.array(adjustmentResultSchema), z.looseObject({ statusCode: z.number(), message: z.string() })]);

export const LINE_STATUSES = ['Created', 'IVPosted', 'Aggregated'] as const;
export const AGGREGATED_STATUSES = ['Created', 'DoNotSync', 'FnOSyncEnqueued', 'FnOTransCreated', 'FnOTransCreateError', 'FnOTransPosted', 'FnOTransPostError'] as const;
export type LineStatus = (typeof LINE_STATUSES)[number];
export type AggregatedStatus = (typeof AGGREGATED_STATUSES)[number];

/** IV's status strings vary in case between versions (iv_api.md §3.4): compare them case-insensitively. */
export function aggregatedStatusOf(text: string): AggregatedStatus | undefined {
  return AGGREGATED_STATUSES.find((s) => s.toLowerCase() === text.toLowerCase());
}
