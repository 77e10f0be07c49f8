/**
 * Xrm.WebApi over a Dataverse Web API endpoint (the sandbox emulator): what the real client API does for a web
 * resource or a PCF control, so the product's handlers run unchanged in tests and in the sandbox app. Runs in Node
 * and in the browser (fetch only). Errors reject with Xrm's `{ errorCode, message }` shape.
 */

export interface WebApiOptions {
  /** The Web API root, ending in /api/data/v9.2/. */
  apiUrl: string;
  /** Headers naming the caller: their bearer token. */
  identity: () => Record<string, string> | Promise<Record<string, string>>;
  fetch?: typeof fetch;
}

type Attributes = Record<string, unknown>;

export class XrmWebApiError extends Error implements Xrm.ErrorResponse {
  constructor(readonly errorCode: number, message: string, readonly status: number) {
    super(message);
  }
}

export class EmulatorWebApi {
  private readonly sets = new Map<string, string>();
  private readonly fetch: typeof fetch;

  constructor(private readonly options: WebApiOptions) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async createRecord(entityLogicalName: string, data: Attributes): Promise<Xrm.CreateResponse> {
    const response = await this.send('POST', await this.setOf(entityLogicalName), data);
    return { entityType: entityLogicalName, id: idFromEntityId(response.headers.get('OData-EntityId')) };
  }

  async updateRecord(entityLogicalName: string, id: string, data: Attributes): Promise<Xrm.CreateResponse> {
    // Xrm.WebApi.updateRecord never creates: If-Match: * makes a missing row a 404 instead of an upsert.
    await this.send('PATCH', `${await this.setOf(entityLogicalName)}(${bare(id)})`, data, { 'If-Match': '*' });
    return { entityType: entityLogicalName, id: bare(id) };
  }

  async deleteRecord(entityLogicalName: string, id: string): Promise<{ entityType: string; id: string; name?: string }> {
    await this.send('DELETE', `${await this.setOf(entityLogicalName)}(${bare(id)})`);
    return { entityType: entityLogicalName, id: bare(id) };
  }

  async retrieveRecord(entityLogicalName: string, id: string, options = ''): Promise<Attributes> {
    const response = await this.send('GET', `${await this.setOf(entityLogicalName)}(${bare(id)})${options}`);
    return (await response.json()) as Attributes;
  }

  async retrieveMultipleRecords(entityLogicalName: string, options = '', maxPageSize?: number): Promise<Xrm.RetrieveMultipleResult> {
    // A nextLink from an earlier page is passed back as the options (its query part).
    const query = options.startsWith('http') ? new URL(options).search : options;
    const response = await this.send('GET', `${await this.setOf(entityLogicalName)}${query}`, undefined,
      maxPageSize === undefined ? {} : { Prefer: `odata.maxpagesize=${maxPageSize},odata.include-annotations="*"` });
    const body = (await response.json()) as { value: Attributes[]; '@odata.nextLink'?: string; '@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'?: string };
    // Like the client API: the next page's link, or for FetchXML the paging cookie when there are more records.
    const cookie = body['@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'];
    return { entities: body.value, ...(body['@odata.nextLink'] ? { nextLink: body['@odata.nextLink'] } : {}), ...(cookie ? { fetchXmlPagingCookie: cookie } : {}) } as Xrm.RetrieveMultipleResult;
  }

  /** The entity set of a table, from its EntityDefinition, as the client API looks it up. */
  private async setOf(logicalName: string): Promise<string> {
    let set = this.sets.get(logicalName);
    if (set === undefined) {
      const response = await this.send('GET', `EntityDefinitions(LogicalName='${logicalName}')?$select=EntitySetName`);
      set = ((await response.json()) as { EntitySetName: string }).EntitySetName;
      this.sets.set(logicalName, set);
    }
    return set;
  }

  private async send(method: string, path: string, body?: Attributes, headers: Record<string, string> = {}): Promise<Response> {
    const response = await this.fetch(`${this.options.apiUrl}${path}`, {
      method,
      headers: { Accept: 'application/json', 'OData-Version': '4.0', 'OData-MaxVersion': '4.0', Prefer: 'odata.include-annotations="*"',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }), ...(await this.options.identity()), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.ok) return response;
    const text = await response.text();
    let error: { code?: string; message?: string } = {};
    try { error = (JSON.parse(text) as { error?: typeof error }).error ?? {}; } catch { /* not JSON: the text is the message */ }
    const code = error.code ? Number.parseInt(error.code, 16) : response.status;
    throw new XrmWebApiError(Number.isFinite(code) ? code : response.status, error.message ?? (text || `${method} ${path} answered ${response.status}`), response.status);
  }
}

const bare = (id: string): string => id.replace(/[{}]/g, '').toLowerCase();

function idFromEntityId(entityId: string | null): string {
  const id = /\(([0-9a-f-]{36})\)$/i.exec(entityId ?? '')?.[1];
  if (!id) throw new XrmWebApiError(0, `The create answered without an OData-EntityId (${entityId ?? 'none'})`, 204);
  return id;
}
