/**
 * The webhook's body: the RemoteExecutionContext Dataverse posts (use-webhooks.md), parsed with zod to the parts the
 * review service uses, and the Target's attributes as plain column values (an option set's value, a reference's id).
 */
import { z } from 'zod';

const keyValue = z.object({ key: z.string(), value: z.unknown() });
const entitySchema = z.object({ Attributes: z.array(keyValue), LogicalName: z.string(), Id: z.string() });

const contextSchema = z.object({
  InitiatingUserId: z.guid(),
  UserId: z.guid(),
  MessageName: z.string(),
  Mode: z.union([z.literal(0), z.literal(1)]),
  Stage: z.number().int(),
  PrimaryEntityName: z.string(),
  PrimaryEntityId: z.guid(),
  OrganizationId: z.string(),
  CorrelationId: z.string(),
  InputParameters: z.array(keyValue),
});

export type WebhookContext = z.infer<typeof contextSchema>;

export function parseContext(body: string): WebhookContext {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new Error('The webhook body is not JSON: expected the RemoteExecutionContext Dataverse sends.');
  }
  const parsed = contextSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`The webhook body is not a RemoteExecutionContext: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** A value as the service works with it: an option set's number, a reference's id, a date as ISO text. */
function plain(value: unknown): unknown {
  if (value !== null && typeof value === 'object') {
    const v = value as { Value?: unknown; Id?: unknown; __type?: unknown };
    if (typeof v.__type === 'string' && v.__type.startsWith('OptionSetValue')) return v.Value;
    if (typeof v.__type === 'string' && v.__type.startsWith('EntityReference')) return typeof v.Id === 'string' ? v.Id.toLowerCase() : v.Id;
    if (typeof v.__type === 'string' && v.__type.startsWith('Money')) return v.Value;
  }
  const date = typeof value === 'string' ? /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(value) : null;
  return date ? new Date(Number(date[1])).toISOString() : value;
}

/** The Target row's attributes, by column. */
export function targetColumns(context: WebhookContext): Record<string, unknown> {
  const target = context.InputParameters.find((p) => p.key === 'Target');
  const entity = entitySchema.safeParse(target?.value);
  if (!entity.success) throw new Error('The context has no Target row.');
  return Object.fromEntries(entity.data.Attributes.map((a) => [a.key, plain(a.value)]));
}
