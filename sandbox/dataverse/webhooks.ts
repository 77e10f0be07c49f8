/**
 * Webhooks as Dataverse runs them (use-webhooks.md, register-web-hook.md): the solution's service endpoints
 * (contract 8, a URL and HttpHeader keys the admin sets after import) and the SDK message processing steps that call
 * them. A synchronous step runs before the row is saved, and a refusal (anything but 2xx) stops the save with the
 * service's message; an asynchronous step runs after the save, as a system job. The POST carries the
 * RemoteExecutionContext as JSON with the x-ms-dynamics-* headers. 502/503/504 get one more attempt, as documented.
 * The sandbox sends only to 127.0.0.1; the documented port restriction (80/443) is not applied there.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { ColumnMeta, EntityMeta } from './metadata.js';
import type { Row, Value } from './store.js';

/** The Create message's id, the same in every environment. */
export const CREATE_MESSAGE_ID = '9ebdbb1b-ea3e-db11-86a7-000a3a5473e8';
/** serviceendpoint.contract for a webhook, and its authtype values. */
const WEBHOOK_CONTRACT = 8;
export const AUTH_TYPES = { webhookKey: 4, httpHeader: 5, httpQueryString: 6 } as const;

export interface ServiceEndpointDefinition { id: string; name: string; url: string; authType: number; contract: number }
export interface StepDefinition { id: string; name: string; primaryEntity: string; messageId: string; stage: number; mode: 0 | 1; rank: number; eventHandler: string }

const bare = (id: string) => id.replace(/[{}]/g, '').toLowerCase();

/** The service endpoints and steps of a solution source (ServiceEndpoints/, SdkMessageProcessingSteps/). */
export function solutionWebhooks(solutionSourceDir: string): { endpoints: ServiceEndpointDefinition[]; steps: StepDefinition[] } {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });
  const read = (folder: string) => {
    const dir = join(solutionSourceDir, folder);
    return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.xml')).sort().map((f) => parser.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, Record<string, string>>) : [];
  };
  const endpoints = read('ServiceEndpoints').map((x) => x.ServiceEndpoint!).map((e) => ({
    id: bare(e['@ServiceEndpointId']!), name: e['@Name'] ?? '', url: e.Url ?? '', authType: Number(e.AuthType), contract: Number(e.Contract),
  }));
  const steps = read('SdkMessageProcessingSteps').map((x) => x.SdkMessageProcessingStep!).map((s) => ({
    id: bare(s['@SdkMessageProcessingStepId']!), name: s['@Name'] ?? '', primaryEntity: s.PrimaryEntity ?? '', messageId: bare(s.SdkMessageId ?? ''),
    stage: Number(s.Stage), mode: Number(s.Mode) === 1 ? 1 as const : 0 as const, rank: Number(s.Rank ?? 1), eventHandler: bare(s.EventHandler ?? ''),
  }));
  return { endpoints, steps };
}

export interface SavedQueryDefinition { id: string; name: string; returnedTypeCode: string; queryType: number; isDefault: boolean; fetchXml: string; layoutXml: string }

/** The views of a solution source (Entities/<table>/SavedQueries/), as import creates their savedquery rows. */
export function solutionViews(solutionSourceDir: string): SavedQueryDefinition[] {
  const entities = join(solutionSourceDir, 'Entities');
  if (!existsSync(entities)) return [];
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: (name) => name === 'LocalizedName' });
  return readdirSync(entities).flatMap((table) => {
    const dir = join(entities, table, 'SavedQueries');
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((f) => f.endsWith('.xml')).sort().map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const query = (parser.parse(text) as { savedqueries: { savedquery: Record<string, unknown> } }).savedqueries.savedquery;
      const names = ((query.LocalizedNames as { LocalizedName: Array<Record<string, string>> }).LocalizedName);
      return { id: bare(String(query.savedqueryid)), name: names.find((n) => n['@languagecode'] === '1033')?.['@description'] ?? file,
        returnedTypeCode: String(query.returnedtypecode ?? table.toLowerCase()), queryType: Number(query.querytype), isDefault: String(query.isdefault) === '1',
        // The raw elements as written (the XML parser would reorder them).
        fetchXml: /<fetch [\s\S]*?<\/fetch>/.exec(text)?.[0] ?? '', layoutXml: /<grid [\s\S]*?<\/grid>/.exec(text)?.[0] ?? '' };
    });
  });
}

/** One call made to a webhook, for tests and the sandbox's log. */
export interface Delivery { step: string; mode: 0 | 1; entityId: string; status: number | 'unreachable' | 'not sent'; attempts: number; error?: string }

/** Header keys from an HttpHeader endpoint's authvalue: <settings><setting name="…" value="…"/></settings>. */
export function headerSettings(authValue: string | null | undefined): Record<string, string> {
  if (!authValue) return {};
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => name === 'setting' })
    .parse(authValue) as { settings?: { setting?: Array<{ '@name': string; '@value': string }> } };
  return Object.fromEntries((parsed.settings?.setting ?? []).map((s) => [s['@name'], s['@value']]));
}

/** A column value as the .NET data contract serializes it inside an Entity's Attributes. */
function contractValue(column: ColumnMeta, value: Value): unknown {
  if (value === null) return null;
  const t = column.type;
  if (t.kind === 'choice') return { __type: 'OptionSetValue:http://schemas.microsoft.com/xrm/2011/Contracts', Value: value };
  if (t.kind === 'lookup') return { __type: 'EntityReference:http://schemas.microsoft.com/xrm/2011/Contracts', Id: value, KeyAttributes: [], LogicalName: t.target, Name: null, RowVersion: null };
  if (t.kind === 'datetime') return `/Date(${Date.parse(String(value))})/`;
  return value;
}

export interface ContextInput {
  entity: EntityMeta;
  id: string;
  values: Row;
  step: StepDefinition;
  userId: string;
  organizationId: string;
  organizationName: string;
  businessUnitId: string;
  correlationId: string;
}

/** The RemoteExecutionContext of a Create, as its JSON looks in the documentation's example. */
export function remoteExecutionContext(input: ContextInput): Record<string, unknown> {
  const attributes = Object.entries(input.values).filter(([name]) => input.entity.columns.has(name))
    .map(([key, value]) => ({ key, value: contractValue(input.entity.columns.get(key)!, value) }));
  const target = { __type: 'Entity:http://schemas.microsoft.com/xrm/2011/Contracts', Attributes: [...attributes, { key: input.entity.primaryId, value: input.id }],
    EntityState: null, FormattedValues: [], Id: input.id, KeyAttributes: [], LogicalName: input.entity.logicalName, RelatedEntities: [], RowVersion: null };
  return {
    BusinessUnitId: input.businessUnitId, CorrelationId: input.correlationId, Depth: 1, InitiatingUserId: input.userId,
    InputParameters: [{ key: 'Target', value: target }], IsExecutingOffline: false, IsInTransaction: input.step.mode === 0, IsOfflinePlayback: false,
    IsolationMode: 1, MessageName: 'Create', Mode: input.step.mode, OperationCreatedOn: `/Date(${Date.now()})/`, OperationId: randomUUID(),
    OrganizationId: input.organizationId, OrganizationName: input.organizationName,
    OutputParameters: input.step.stage >= 40 ? [{ key: 'id', value: input.id }] : [],
    OwningExtension: { Id: input.step.id, KeyAttributes: [], LogicalName: 'sdkmessageprocessingstep', Name: input.step.name, RowVersion: null },
    ParentContext: null, PostEntityImages: [], PreEntityImages: [], PrimaryEntityId: input.id, PrimaryEntityName: input.entity.logicalName,
    RequestId: null, SecondaryEntityName: 'none', SharedVariables: [], Stage: input.step.stage, UserId: input.userId,
  };
}

export interface EndpointRow { url: string | null; authtype: number | null; authvalue: string | null; contract: number | null }

/** Sends a context to a webhook endpoint: the answer's status, after one more attempt on 502/503/504 or no answer. */
export async function deliver(endpoint: EndpointRow, context: Record<string, unknown>, headers: Record<string, string>, timeoutMs: number):
  Promise<{ status: number | 'unreachable' | 'not sent'; attempts: number; body: string; error?: string }> {
  if (endpoint.contract !== WEBHOOK_CONTRACT) return { status: 'not sent', attempts: 0, body: '', error: 'the service endpoint is not a webhook (contract 8)' };
  let url: URL;
  try {
    url = new URL(endpoint.url ?? '');
  } catch {
    return { status: 'not sent', attempts: 0, body: '', error: `the webhook URL '${endpoint.url ?? ''}' is not a URL` };
  }
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') {
    return { status: 'not sent', attempts: 0, body: '', error: `the sandbox sends webhooks only to 127.0.0.1, not ${url.host}: set the review service's URL (README)` };
  }
  const auth: Record<string, string> = {};
  if (endpoint.authtype === AUTH_TYPES.httpHeader) Object.assign(auth, headerSettings(endpoint.authvalue));
  if (endpoint.authtype === AUTH_TYPES.webhookKey && endpoint.authvalue) url.searchParams.set('code', endpoint.authvalue);
  if (endpoint.authtype === AUTH_TYPES.httpQueryString) for (const [k, v] of Object.entries(headerSettings(endpoint.authvalue))) url.searchParams.set(k, v);
  let last: { status: number | 'unreachable'; body: string; error?: string } = { status: 'unreachable', body: '' };
  for (let attempt = 1; attempt <= 2; attempt += 1) {
    try {
      const response = await fetch(url, { method: 'POST', body: JSON.stringify(context), signal: AbortSignal.timeout(timeoutMs),
        headers: { 'Content-Type': 'application/json', ...headers, ...auth } });
      last = { status: response.status, body: await response.text() };
      if (![502, 503, 504].includes(response.status)) return { ...last, attempts: attempt };
    } catch (error) {
      last = { status: 'unreachable', body: '', error: (error as Error).message };
    }
  }
  return { ...last, attempts: 2 };
}
