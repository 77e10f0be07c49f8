import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLASSIFICATION, REVIEW_STATUS, RUN_STATUS } from '../../core/dataverse/tables';
import { DataverseEmulator } from '../../sandbox/dataverse/emulator';

/** The Dataverse Web API emulator over real HTTP on 127.0.0.1, against the wire shapes of offline.md §5. */
let emulator: DataverseEmulator;
let api: string;
const dbPath = join(mkdtempSync(join(tmpdir(), 'ibal-dv-')), 'dataverse.duckdb');

beforeAll(async () => {
  emulator = await DataverseEmulator.open({ database: dbPath });
  api = await emulator.listen();
});
afterAll(async () => { await emulator.close(); });

interface Reply { status: number; headers: Headers; json: any } // eslint-disable-line @typescript-eslint/no-explicit-any
/** The caller's Authorization header: a sandbox user's bearer token (the administrator unless another is named). */
const as = (user: string) => ({ Authorization: `Bearer ${emulator.issueToken(user)}` });
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(`${api}${path}`, {
    method, headers: { Accept: 'application/json', 'OData-Version': '4.0', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...('Authorization' in headers ? {} : as('admin@sandbox.local')), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text === '' ? undefined : JSON.parse(text) };
}
const material = CLASSIFICATION.find((c) => c.label === 'Material')!.value;
const timing = CLASSIFICATION.find((c) => c.label === 'Timing')!.value;
let runNumber = 0;
async function createRun(): Promise<{ id: string; name: string }> {
  runNumber += 1;
  const name = `RUN-${runNumber}`;
  const created = await call('POST', 'ibal_snapshotruns', { ibal_name: name, ibal_company: 'usmf', ibal_d365asof: '2026-11-20T02:00:00Z', ibal_wmsasof: '2026-11-20T02:05:00Z' },
    { Prefer: 'return=representation' });
  return { id: created.json.ibal_snapshotrunid, name };
}
const discrepancy = (run: string, item: string, extra: Record<string, unknown> = {}) => ({
  '@odata.type': 'Microsoft.Dynamics.CRM.ibal_discrepancy', ibal_name: `${item} / 11`, ibal_company: 'usmf', ibal_item: item,
  ibal_keyhash: `hash-${item}`, ibal_classification: material, 'ibal_run@odata.bind': `/ibal_snapshotruns(${run})`, ...extra,
});

describe('Dataverse emulator: reads and writes', () => {
  it('answers WhoAmI with the user the token was issued to', async () => {
    const me = await call('GET', 'WhoAmI');
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ UserId: emulator.users[0]!.id, BusinessUnitId: expect.any(String), OrganizationId: expect.any(String) });
    expect((await call('GET', 'WhoAmI', undefined, as('approver@sandbox.local'))).json.UserId)
      .toBe(emulator.users.find((u) => u.domainname === 'approver@sandbox.local')!.id);
  });

  it('creates with 204 and OData-EntityId, or 201 and the row with return=representation', async () => {
    const plain = await call('POST', 'ibal_thresholdrules', { ibal_name: 'default', ibal_quantitylimit: 5 });
    expect(plain.status).toBe(204);
    expect(plain.headers.get('OData-EntityId')).toMatch(/\/api\/data\/v9\.2\/ibal_thresholdrules\([0-9a-f-]{36}\)$/);
    const represented = await call('POST', 'ibal_thresholdrules', { ibal_name: 'dc 11', ibal_scopewarehouse: '11', ibal_valuelimit: 50 }, { Prefer: 'return=representation' });
    expect(represented.status).toBe(201);
    expect(represented.headers.get('Preference-Applied')).toBe('return=representation');
    expect(represented.json).toMatchObject({ '@odata.context': expect.stringContaining('$metadata#ibal_thresholdrules/$entity'),
      '@odata.etag': expect.stringMatching(/^W\/"\d+"$/), ibal_name: 'dc 11', ibal_valuelimit: 50, ibal_active: true, statecode: 0 }); // the yes/no default is filled on create
  });

  it('retrieves by id and by alternate key, and says 404 with the error envelope when the row is missing', async () => {
    const run = await createRun();
    expect((await call('GET', `ibal_snapshotruns(${run.id})`)).json.ibal_name).toBe(run.name);
    expect((await call('GET', `ibal_snapshotruns(ibal_name='${run.name}')`)).json.ibal_snapshotrunid).toBe(run.id);
    const missing = await call('GET', 'ibal_snapshotruns(00000000-0000-0000-0000-000000000999)');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: { code: '0x80040217', message: expect.stringContaining('Does Not Exist') } });
  });

  it('validates what is written, with the Web API\'s codes and messages', async () => {
    const tooLong = await call('POST', 'ibal_thresholdrules', { ibal_name: 'x'.repeat(101) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.error).toEqual({ code: '0x80044331', message: "The length of the 'ibal_name' attribute of the 'ibal_thresholdrule' entity exceeded the maximum allowed length of '100'." });
    expect((await call('POST', 'ibal_thresholdrules', { ibal_name: 'x', ibal_nosuchcolumn: 1 })).json.error.message).toContain("The property 'ibal_nosuchcolumn' does not exist");
    expect((await call('POST', 'ibal_snapshotruns', { ibal_name: 'x', ibal_runstatus: 42 })).json.error.message).toContain('42 is not a valid value');
    expect((await call('POST', 'ibal_discrepancies', { ibal_name: 'x', _ibal_run_value: '00000000-0000-0000-0000-000000000001' })).status).toBe(400);
  });

  it('links lookups with @odata.bind and returns them as _x_value, with formatted values on request', async () => {
    const run = await createRun();
    await call('POST', 'ibal_discrepancies', { ...discrepancy(run.id, 'BIND1'), 'ibal_run@odata.bind': `/ibal_snapshotruns(ibal_name='${run.name}')` });
    const result = await call('GET', `ibal_discrepancies?$filter=ibal_item eq 'bind1'&$select=ibal_item,ibal_classification,_ibal_run_value`, undefined,
      { Prefer: 'odata.include-annotations="*"' });
    expect(result.headers.get('Preference-Applied')).toBe('odata.include-annotations="*"');
    expect(result.json.value).toEqual([expect.objectContaining({
      ibal_item: 'BIND1', ibal_classification: material, 'ibal_classification@OData.Community.Display.V1.FormattedValue': 'Material',
      _ibal_run_value: run.id, '_ibal_run_value@OData.Community.Display.V1.FormattedValue': run.name,
      '_ibal_run_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'ibal_snapshotrun', ibal_discrepancyid: expect.any(String),
    })]);
    expect(Object.keys(result.json.value[0]).filter((k) => !k.includes('@'))).toEqual(['ibal_discrepancyid', 'ibal_item', 'ibal_classification', '_ibal_run_value']);
    const dangling = await call('POST', 'ibal_discrepancies', discrepancy('00000000-0000-0000-0000-000000000404', 'X'));
    expect(dangling.status).toBe(404);
  });
});

describe('Dataverse emulator: queries', () => {
  let run: { id: string; name: string };
  beforeAll(async () => {
    run = await createRun();
    const rows = [['Q-A1', 10, material, 'Crate; fragile'], ['Q-B2', 250, timing, null], ['q-c3', 40, material, 'Pallet'], ['Q-D4', 5, timing, null], ['Q-E5', 99, material, null]];
    const targets = rows.map(([item, value, classification, comment]) => ({ ...discrepancy(run.id, String(item), { ibal_absolutevalue: value, ibal_classification: classification, ibal_comment: comment }) }));
    expect((await call('POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: targets })).status).toBe(200);
  });
  const items = (r: { json: { value: Array<{ ibal_item: string }> } }) => r.json.value.map((v) => v.ibal_item);
  const scoped = (filter: string) => `ibal_discrepancies?$select=ibal_item&$filter=_ibal_run_value eq ${run.id} and (${filter})&$orderby=ibal_item`;

  it('filters with comparisons, and/or/not, functions, null and GUIDs, strings case-insensitively', async () => {
    expect(items(await call('GET', scoped(`ibal_classification eq ${material}`)))).toEqual(['Q-A1', 'q-c3', 'Q-E5']);
    expect(items(await call('GET', scoped('ibal_absolutevalue ge 40 and not (ibal_absolutevalue gt 100)')))).toEqual(['q-c3', 'Q-E5']);
    expect(items(await call('GET', scoped("startswith(ibal_item,'q-c') or endswith(ibal_item,'D4')")))).toEqual(['q-c3', 'Q-D4']);
    expect(items(await call('GET', scoped("contains(ibal_comment,'FRAGILE')")))).toEqual(['Q-A1']);
    expect(items(await call('GET', scoped('ibal_comment eq null')))).toEqual(['Q-B2', 'Q-D4', 'Q-E5']);
    expect(items(await call('GET', scoped("ibal_comment ne 'Pallet'")))).toEqual(['Q-A1', 'Q-B2', 'Q-D4', 'Q-E5']);
    expect(items(await call('GET', scoped("contains(ibal_item,'_') or contains(ibal_item,'%')")))).toEqual([]);
  });

  it('orders, limits and counts', async () => {
    const r = await call('GET', `ibal_discrepancies?$select=ibal_item&$filter=_ibal_run_value eq ${run.id}&$orderby=ibal_absolutevalue desc&$top=2&$count=true`);
    expect(items(r)).toEqual(['Q-B2', 'Q-E5']);
    expect(r.json['@odata.count']).toBe(5);
  });

  it('pages with odata.maxpagesize and an opaque @odata.nextLink until every row came once', async () => {
    const seen: string[] = [];
    let next: string | undefined = `ibal_discrepancies?$select=ibal_item&$filter=_ibal_run_value eq ${run.id}&$orderby=ibal_item&$top=1`;
    let pages = 0;
    while (next) {
      const r = await call('GET', next.replace(api, ''), undefined, { Prefer: 'odata.maxpagesize=2' });
      expect(r.headers.get('Preference-Applied')).toBe('odata.maxpagesize=2');
      seen.push(...items(r));
      next = r.json['@odata.nextLink'];
      if (next) expect(next).toContain('$skiptoken=');
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['Q-A1', 'Q-B2', 'q-c3', 'Q-D4', 'Q-E5']); // $top is ignored with maxpagesize, as documented
  });

  it('refuses what Dataverse refuses and what the emulator does not implement, naming it', async () => {
    expect((await call('GET', 'ibal_discrepancies?$skip=2')).status).toBe(400);
    const expand = await call('GET', 'ibal_discrepancies?$expand=ibal_run');
    expect([expand.status, expand.json.error.message]).toEqual([501, 'The Dataverse emulator does not support the query option $expand']);
    expect((await call('GET', "ibal_discrepancies?$filter=ibal_run/ibal_name eq 'x'")).status).toBe(501);
    expect((await call('GET', 'ibal_discrepancies?$filter=ibal_item eq')).status).toBe(400);
    expect((await call('GET', 'ibal_discrepancies?$skiptoken=forged')).status).toBe(400);
    expect((await call('GET', 'ibal_nothings')).status).toBe(404);
  });
});

describe('Dataverse emulator: upsert and bulk', () => {
  it('upserts by alternate key with PATCH: 204 both times, one row', async () => {
    const run = await createRun();
    const path = `ibal_discrepancies(ibal_run=${run.id},ibal_keyhash='K1')`;
    const body = { ibal_name: 'K1', ibal_company: 'usmf', ibal_item: 'K1', ibal_classification: material, ibal_residual: -3 };
    expect((await call('PATCH', path, body)).status).toBe(204);
    expect((await call('PATCH', path, { ...body, ibal_residual: -4 })).status).toBe(204);
    const rows = await call('GET', `ibal_discrepancies?$filter=_ibal_run_value eq ${run.id}&$select=ibal_residual,ibal_keyhash`);
    expect(rows.json.value).toEqual([expect.objectContaining({ ibal_keyhash: 'K1', ibal_residual: -4 })]);
  });

  it('honours If-Match and If-None-Match', async () => {
    const run = await createRun();
    const path = `ibal_snapshotruns(ibal_name='${run.name}')`;
    expect((await call('PATCH', "ibal_snapshotruns(ibal_name='NO-SUCH')", { ibal_company: 'usmf' }, { 'If-Match': '*' })).status).toBe(404);
    const duplicate = await call('PATCH', path, { ibal_company: 'usmf' }, { 'If-None-Match': '*' });
    expect([duplicate.status, duplicate.json.error.code]).toEqual([412, '0x80040237']);
    const current = (await call('GET', path)).json['@odata.etag'];
    expect((await call('PATCH', path, { ibal_skewminutes: 5 }, { 'If-Match': current })).status).toBe(204);
    expect((await call('PATCH', path, { ibal_skewminutes: 6 }, { 'If-Match': current })).status).toBe(412);
  });

  it('UpsertMultiple keyed by @odata.id updates on a second load instead of duplicating', async () => {
    const run = await createRun();
    const load = (residual: number) => ({ Targets: ['U1', 'U2', 'U3'].map((item) => ({
      '@odata.type': 'Microsoft.Dynamics.CRM.ibal_discrepancy', '@odata.id': `ibal_discrepancies(ibal_run=${run.id},ibal_keyhash='${item}')`,
      ibal_name: item, ibal_company: 'usmf', ibal_item: item, ibal_classification: material, ibal_residual: residual,
      ibal_reviewstatus: REVIEW_STATUS[0]!.value })) });
    expect((await call('POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.UpsertMultiple', load(1))).status).toBe(204);
    expect((await call('POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.UpsertMultiple', load(2))).status).toBe(204);
    const rows = await call('GET', `ibal_discrepancies?$filter=_ibal_run_value eq ${run.id}&$select=ibal_residual&$count=true`);
    expect(rows.json['@odata.count']).toBe(3);
    expect(rows.json.value.every((r: { ibal_residual: number }) => r.ibal_residual === 2)).toBe(true);
  });

  it('rolls a bulk request back whole when one target is wrong, and refuses more than 1,000 targets', async () => {
    const run = await createRun();
    const targets = [discrepancy(run.id, 'OK1'), { ...discrepancy(run.id, 'BAD'), ibal_item: 'x'.repeat(41) }];
    const failed = await call('POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: targets });
    expect([failed.status, failed.json.error.code]).toEqual([400, '0x80044331']);
    expect((await call('GET', `ibal_discrepancies?$filter=_ibal_run_value eq ${run.id}&$count=true`)).json['@odata.count']).toBe(0);
    const untyped = await call('POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: [{ ibal_name: 'x' }] });
    expect(untyped.json.error.message).toContain('@odata.type');
    const tooMany = await call('POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: Array.from({ length: 1001 }, (_, i) => discrepancy(run.id, `M${i}`)) });
    expect(tooMany.status).toBe(400);
  });

  it('returns the new ids from CreateMultiple and updates by id with UpdateMultiple', async () => {
    const run = await createRun();
    const created = await call('POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: [discrepancy(run.id, 'C1'), discrepancy(run.id, 'C2')] });
    expect(created.json).toEqual({ '@odata.context': expect.stringContaining('CreateMultipleResponse'), Ids: [expect.any(String), expect.any(String)] });
    const update = await call('POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.UpdateMultiple', { Targets: created.json.Ids.map((id: string) => ({
      '@odata.type': 'Microsoft.Dynamics.CRM.ibal_discrepancy', ibal_discrepancyid: id, ibal_countedqty: 7 })) });
    expect(update.status).toBe(204);
    expect((await call('GET', `ibal_discrepancies(${created.json.Ids[0]})?$select=ibal_countedqty`)).json.ibal_countedqty).toBe(7);
  });
});

describe('Dataverse emulator: $batch', () => {
  const http = (method: string, path: string, body?: unknown, contentId?: string) => [
    'Content-Type: application/http', 'Content-Transfer-Encoding: binary', ...(contentId ? [`Content-ID: ${contentId}`] : []), '',
    `${method} /api/data/v9.2/${path} HTTP/1.1`, ...(body === undefined ? [] : ['Content-Type: application/json; type=entry']), '',
    body === undefined ? '' : JSON.stringify(body)].join('\r\n');
  const changeset = (parts: string[]) => ['Content-Type: multipart/mixed; boundary="changeset_1"', '',
    ...parts.map((p) => `--changeset_1\r\n${p}`), '--changeset_1--'].join('\r\n');
  async function batch(sections: string[], prefer?: string): Promise<{ status: number; type: string; text: string }> {
    const response = await fetch(`${api}$batch`, { method: 'POST', headers: { ...as('admin@sandbox.local'), 'Content-Type': 'multipart/mixed; boundary="batch_1"', 'OData-Version': '4.0',
      ...(prefer ? { Prefer: prefer } : {}) }, body: `${sections.map((s) => `--batch_1\r\n${s}`).join('\r\n')}\r\n--batch_1--\r\n` });
    return { status: response.status, type: response.headers.get('Content-Type') ?? '', text: await response.text() };
  }
  const runName = (n: string) => ({ ibal_name: n, ibal_company: 'usmf', ibal_d365asof: '2026-11-20T02:00:00Z', ibal_wmsasof: '2026-11-20T02:00:00Z' });

  it('runs a change set atomically with Content-ID references, then a GET, answering in multipart', async () => {
    const result = await batch([
      changeset([http('POST', 'ibal_snapshotruns', runName('BATCH-1'), '1'),
        http('POST', 'ibal_discrepancies', { ...discrepancy('00000000-0000-0000-0000-000000000000', 'BT1'), 'ibal_run@odata.bind': '$1' }, '2')]),
      http('GET', `ibal_snapshotruns?$select=ibal_name&$filter=${encodeURIComponent("ibal_name eq 'BATCH-1'")}`),
    ]);
    expect(result.status).toBe(200);
    expect(result.type).toMatch(/^multipart\/mixed; boundary=batchresponse_/);
    expect(result.text).toMatch(/Content-Type: multipart\/mixed; boundary=changesetresponse_/);
    expect(result.text.match(/HTTP\/1\.1 204 No Content/g)).toHaveLength(2);
    expect(result.text).toMatch(/Content-ID: 1\r\n\r\nHTTP\/1\.1 204 No Content\r\n.*OData-EntityId: http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/ibal_snapshotruns\(/s);
    expect(result.text).toContain('"ibal_name":"BATCH-1"');
    const run = await call('GET', "ibal_snapshotruns(ibal_name='BATCH-1')");
    expect((await call('GET', `ibal_discrepancies?$filter=_ibal_run_value eq ${run.json.ibal_snapshotrunid}&$count=true`)).json['@odata.count']).toBe(1);
  });

  it('rolls the whole change set back when one of its requests fails, and the batch answers with that failure', async () => {
    const result = await batch([changeset([http('POST', 'ibal_snapshotruns', runName('BATCH-2'), '1'),
      http('POST', 'ibal_snapshotruns', { ...runName('BATCH-2b'), ibal_company: 'x'.repeat(11) }, '2')])]);
    expect(result.status).toBe(400);
    expect(result.text).toContain('"code":"0x80044331"');
    expect(result.text).not.toContain('204 No Content');
    expect((await call('GET', "ibal_snapshotruns(ibal_name='BATCH-2')")).status).toBe(404);
  });

  it('goes on past a failure with odata.continue-on-error', async () => {
    const result = await batch([http('GET', 'ibal_nothings'), http('POST', 'ibal_snapshotruns', runName('BATCH-3'))], 'odata.continue-on-error');
    expect(result.status).toBe(200);
    expect(result.text).toMatch(/HTTP\/1\.1 404 Not Found[\s\S]*HTTP\/1\.1 204 No Content/);
  });

  it('refuses undeclared Content-ID references and GETs inside a change set', async () => {
    const undeclared = await batch([changeset([http('POST', 'ibal_discrepancies', { ...discrepancy('00000000-0000-0000-0000-000000000000', 'BT9'), 'ibal_run@odata.bind': '$7' }, '1'),
      http('PATCH', '$7', { ibal_company: 'usmf' }, '2')])]);
    expect([undeclared.status, undeclared.text]).toEqual([400, expect.stringContaining("'$7' is not a reference to ibal_snapshotruns")]);
    const reference = await batch([changeset([http('PATCH', '$7', { ibal_company: 'usmf' }, '1')])]);
    expect([reference.status, reference.text]).toEqual([400, expect.stringContaining("Content-ID Reference: '$7' does not exist in the batch context.")]);
    const get = await fetch(`${api}$batch`, { method: 'POST', headers: { ...as('admin@sandbox.local'), 'Content-Type': 'multipart/mixed; boundary="batch_1"' },
      body: `--batch_1\r\n${changeset([http('GET', 'ibal_snapshotruns')])}\r\n--batch_1--\r\n` });
    expect(get.status).toBe(400);
  });
});

describe('Dataverse emulator: relationships, environment variables and persistence', () => {
  it('deletes a run with its discrepancies, and refuses to delete a posting batch still referenced', async () => {
    const run = await createRun();
    const batch = await call('POST', 'ibal_postingbatches', { ibal_name: 'PB-1' }, { Prefer: 'return=representation' });
    await call('POST', 'ibal_discrepancies', { ...discrepancy(run.id, 'DEL1'), 'ibal_postingbatch@odata.bind': `/ibal_postingbatches(${batch.json.ibal_postingbatchid})` });
    const refused = await call('DELETE', `ibal_postingbatches(${batch.json.ibal_postingbatchid})`);
    expect(refused.status).toBe(400);
    expect((await call('DELETE', `ibal_snapshotruns(${run.id})`)).status).toBe(204);
    expect((await call('GET', `ibal_discrepancies?$filter=_ibal_run_value eq ${run.id}&$count=true`)).json['@odata.count']).toBe(0);
    expect((await call('DELETE', `ibal_postingbatches(${batch.json.ibal_postingbatchid})`)).status).toBe(204);
  });

  it('holds the solution\'s environment variable definitions with their defaults', async () => {
    const r = await call('GET', "environmentvariabledefinitions?$filter=schemaname eq 'ibal_IVMaxLinesPerCall'&$select=schemaname,defaultvalue,type");
    expect(r.json.value).toEqual([expect.objectContaining({ schemaname: 'ibal_IVMaxLinesPerCall', defaultvalue: '512', type: 100000001 })]);
  });

  it('keeps its rows on disk across restarts', async () => {
    const run = await createRun();
    await emulator.close();
    emulator = await DataverseEmulator.open({ database: dbPath });
    api = await emulator.listen();
    expect((await call('GET', `ibal_snapshotruns(${run.id})`)).json.ibal_name).toBe(run.name);
  });
});

describe('Dataverse emulator: who may do what', () => {
  const reviewer = () => emulator.users.find((u) => u.domainname === 'reviewer@sandbox.local')!;

  it('knows the caller by the bearer token and refuses an unknown one with 401', async () => {
    const token = emulator.issueToken('approver@sandbox.local');
    expect((await call('GET', 'WhoAmI', undefined, { Authorization: `Bearer ${token}` })).json.UserId)
      .toBe(emulator.users.find((u) => u.domainname === 'approver@sandbox.local')!.id);
    const refused = await call('GET', 'WhoAmI', undefined, { Authorization: 'Bearer forged' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('WWW-Authenticate')).toBe('Bearer');
    // No token at all is no caller at all: Dataverse answers 401, whatever the request.
    for (const [method, path] of [['GET', 'WhoAmI'], ['GET', 'ibal_discrepancies'], ['POST', 'ibal_thresholdrules']] as const) {
      expect((await call(method, path, method === 'POST' ? { ibal_name: 'x' } : undefined, { Authorization: '' })).status).toBe(401);
    }
  });

  it("lists a user's security roles, held directly or through a team, with the solution's role ids", async () => {
    const approver = emulator.users.find((u) => u.domainname === 'approver@sandbox.local')!;
    const held = await call('GET', `systemuserrolescollection?$select=roleid&$filter=systemuserid eq ${approver.id}`);
    const names = await call('GET', `roles?$select=name&$filter=${held.json.value.map((r: { roleid: string }) => `roleid eq ${r.roleid}`).join(' or ')}`);
    expect(names.json.value.map((r: { name: string }) => r.name).sort()).toEqual(['Basic User', 'Inventory Balance Approver']);
    // The reviewer holds no role directly: their team does.
    expect((await call('GET', `systemuserrolescollection?$filter=systemuserid eq ${reviewer().id}`)).json.value).toEqual([]);
    const teams = await call('GET', `teammemberships?$select=teamid&$filter=systemuserid eq ${reviewer().id}`);
    const teamRoles = await call('GET', `teamrolescollection?$select=roleid&$filter=teamid eq ${teams.json.value[0].teamid}`);
    const reviewerRole = /id="\{([0-9a-f-]+)\}"/.exec(readFileSync(join(__dirname, '..', '..', 'solution', 'src', 'Roles', 'Inventory Balance Reviewer.xml'), 'utf8'))![1];
    expect(teamRoles.json.value.map((r: { roleid: string }) => r.roleid)).toContain(reviewerRole);
    expect((await call('POST', 'roles', { name: 'Made up' })).status).toBe(400);
  });

  it("enforces the solution's column security on writes and reads: only the review service's profile sets the approval", async () => {
    const run = await createRun();
    const created = await call('POST', 'ibal_discrepancies', discrepancy(run.id, 'SEC-1'), { Prefer: 'return=representation' });
    const id = created.json.ibal_discrepancyid as string;
    // The job's application user may write discrepancies, but holds no column security profile.
    const asJob = await call('PATCH', `ibal_discrepancies(${id})`, { ibal_correctionqty: 4 }, as('ibal-job@sandbox.local'));
    expect(asJob.status).toBe(403);
    expect(asJob.json.error).toMatchObject({ code: '0x8004f507', message: expect.stringContaining('ibal_correctionqty') });
    expect((await call('PATCH', `ibal_discrepancies(${id})`, { ibal_countedqty: 7 }, as('ibal-job@sandbox.local'))).status).toBe(204);
    // A reviewer cannot write discrepancies at all; the review service's user sets the correction.
    expect((await call('PATCH', `ibal_discrepancies(${id})`, { ibal_countedqty: 8 }, as('reviewer@sandbox.local'))).json.error.code).toBe('0x80040220');
    expect((await call('PATCH', `ibal_discrepancies(${id})`, { ibal_correctionqty: 4 }, as('ibal-review@sandbox.local'))).status).toBe(204);
    // Reading: the reviewer's profile reads the correction; the job's user, without a profile, gets null.
    const select = `ibal_discrepancies(${id})?$select=ibal_correctionqty,ibal_countedqty`;
    expect((await call('GET', select, undefined, as('reviewer@sandbox.local'))).json).toMatchObject({ ibal_correctionqty: 4, ibal_countedqty: 7 });
    expect((await call('GET', select, undefined, as('ibal-job@sandbox.local'))).json).toMatchObject({ ibal_correctionqty: null, ibal_countedqty: 7 });
    const createdByApprover = await call('POST', 'ibal_thresholdrules', { ibal_name: 'mine' }, as('approver@sandbox.local'));
    expect(createdByApprover.status).toBe(403);
    expect(createdByApprover.json.error).toMatchObject({ code: '0x80040220', message: expect.stringContaining('is missing prvCreateibal_ThresholdRule privilege') });
  });

});

describe('Dataverse emulator: FetchXML', () => {
  const fetchXml = (xml: string) => call('GET', `ibal_discrepancies?fetchXml=${encodeURIComponent(xml)}`);
  const viewFetch = (name: string): string => {
    const dir = join(__dirname, '..', '..', 'solution', 'src', 'Entities', 'ibal_Discrepancy', 'SavedQueries');
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8');
      if (text.includes(`<LocalizedName description="${name}"`)) return /<fetch [\s\S]*<\/fetch>/.exec(text)![0];
    }
    throw new Error(`no view ${name}`);
  };

  it("runs a saved view's query: the link to the latest run, the filter and the order", async () => {
    const older = await createRun();
    const latest = await createRun();
    await call('PATCH', `ibal_snapshotruns(${latest.id})`, { ibal_islatest: true, ibal_runstatus: RUN_STATUS.find((s) => s.label === 'Completed')!.value });
    await call('POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: [
      discrepancy(older.id, 'FX-OLD', { ibal_absolutevalue: 900 }),
      discrepancy(latest.id, 'FX-SMALL', { ibal_absolutevalue: 10 }),
      discrepancy(latest.id, 'FX-BIG', { ibal_absolutevalue: 500 }),
      discrepancy(latest.id, 'FX-TIMING', { ibal_absolutevalue: 700, ibal_classification: timing }),
    ] });
    const material = await fetchXml(viewFetch('Material (latest run)'));
    expect(material.status).toBe(200);
    const items = material.json.value.map((r: { ibal_item: string }) => r.ibal_item).filter((i: string) => i.startsWith('FX-'));
    expect(items).toEqual(['FX-BIG', 'FX-SMALL']);
    expect(material.json.value[0]).not.toHaveProperty('ibal_comment'); // only the view's attributes
  });

  it('pages by page and count with the more-records flag and the total', async () => {
    const run = await createRun();
    await call('POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: Array.from({ length: 5 }, (_, i) => discrepancy(run.id, `PG-${i}`)) });
    const page = (n: number) => fetchXml(`<fetch count="2" page="${n}" returntotalrecordcount="true"><entity name="ibal_discrepancy"><attribute name="ibal_item"/>`
      + `<order attribute="ibal_item"/><filter><condition attribute="ibal_run" operator="eq" value="{${run.id.toUpperCase()}}"/></filter></entity></fetch>`);
    const pages = await Promise.all([1, 2, 3].map(page));
    expect(pages.map((p) => p.json.value.map((r: { ibal_item: string }) => r.ibal_item))).toEqual([['PG-0', 'PG-1'], ['PG-2', 'PG-3'], ['PG-4']]);
    expect(pages.map((p) => p.json['@Microsoft.Dynamics.CRM.morerecords'])).toEqual([true, true, false]);
    expect(pages[0]!.json['@Microsoft.Dynamics.CRM.totalrecordcount']).toBe(5);
  });

  it('aggregates as "Aggregate data using FetchXml" documents: count, countcolumn, sum, avg, min, max, groups by choice and lookup, ordered by alias', async () => {
    const run = await createRun();
    const lines = [
      { item: 'AG-1', warehouse: '11', value: -120.5, classification: material },
      { item: 'AG-2', warehouse: '11', value: 80, classification: material },
      { item: 'AG-3', warehouse: '12', value: 40.25, classification: material },
      { item: 'AG-4', warehouse: '12', value: null, classification: timing },
    ];
    await call('POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: lines.map((l) => discrepancy(run.id, l.item,
      { ibal_warehouse: l.warehouse, ibal_valuevariance: l.value, ibal_absolutevalue: l.value === null ? null : Math.abs(l.value), ibal_classification: l.classification })) });
    const ofRun = `<filter><condition attribute="ibal_run" operator="eq" value="${run.id}"/></filter>`;
    const whole = await call('GET', `ibal_discrepancies?fetchXml=${encodeURIComponent(`<fetch aggregate="true"><entity name="ibal_discrepancy">`
      + '<attribute name="ibal_discrepancyid" alias="lines" aggregate="count"/><attribute name="ibal_valuevariance" alias="valued" aggregate="countcolumn"/>'
      + '<attribute name="ibal_valuevariance" alias="net" aggregate="sum"/><attribute name="ibal_absolutevalue" alias="absolute" aggregate="sum"/>'
      + '<attribute name="ibal_valuevariance" alias="average" aggregate="avg"/><attribute name="ibal_valuevariance" alias="lowest" aggregate="min"/>'
      + `<attribute name="ibal_warehouse" alias="warehouses" aggregate="countcolumn" distinct="true"/>${ofRun}</entity></fetch>`)}`,
    undefined, { Prefer: 'odata.include-annotations="*"' });
    expect(whole.status).toBe(200);
    const values = lines.map((l) => l.value).filter((v): v is number => v !== null);
    const net = values.reduce((s, v) => s + v, 0);
    expect(whole.json.value).toHaveLength(1);
    expect(whole.json.value[0]).toMatchObject({ lines: 4, valued: 3, net, absolute: values.reduce((s, v) => s + Math.abs(v), 0),
      average: net / 3, lowest: Math.min(...values), warehouses: 2, 'lines@OData.Community.Display.V1.FormattedValue': '4' });

    const grouped = await fetchXml(`<fetch aggregate="true"><entity name="ibal_discrepancy"><attribute name="ibal_absolutevalue" alias="value" aggregate="sum"/>`
      + '<attribute name="ibal_discrepancyid" alias="lines" aggregate="count"/><attribute name="ibal_classification" alias="classification" groupby="true"/>'
      + `<attribute name="ibal_run" alias="run" groupby="true"/><order alias="value" descending="true"/>${ofRun}</entity></fetch>`);
    expect(grouped.json.value.map((g: Record<string, unknown>) => [g.classification, g.run, g.lines, g.value]))
      .toEqual([[material, run.id, 3, 240.75], [timing, run.id, 1, 0]]);
    const annotated = await call('GET', `ibal_discrepancies?fetchXml=${encodeURIComponent(`<fetch aggregate="true"><entity name="ibal_discrepancy">`
      + '<attribute name="ibal_discrepancyid" alias="lines" aggregate="count"/><attribute name="ibal_classification" alias="classification" groupby="true"/>'
      + `<attribute name="ibal_run" alias="run" groupby="true"/><order alias="classification"/>${ofRun}</entity></fetch>`)}`, undefined, { Prefer: 'odata.include-annotations="*"' });
    expect(annotated.json.value[0]).toMatchObject({ 'classification@OData.Community.Display.V1.FormattedValue': 'Material',
      'run@OData.Community.Display.V1.FormattedValue': run.name, 'run@Microsoft.Dynamics.CRM.lookuplogicalname': 'ibal_snapshotrun' });
  });

  it('groups by parts of a date and refuses an aggregate query over more rows than its limit', async () => {
    const run = await createRun();
    await call('POST', 'ibal_discrepancies/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: Array.from({ length: 3 }, (_, i) => discrepancy(run.id, `DG-${i}`)) });
    const ofRun = `<filter><condition attribute="ibal_run" operator="eq" value="${run.id}"/></filter>`;
    const year = new Date().getUTCFullYear();
    const byYear = await fetchXml(`<fetch aggregate="true"><entity name="ibal_discrepancy"><attribute name="ibal_discrepancyid" alias="lines" aggregate="count"/>`
      + `<attribute name="createdon" alias="year" groupby="true" dategrouping="year"/>${ofRun}</entity></fetch>`);
    expect(byYear.json.value).toEqual([{ lines: 3, year }]);
    const limited = await fetchXml(`<fetch aggregate="true" aggregatelimit="2"><entity name="ibal_discrepancy"><attribute name="ibal_discrepancyid" alias="lines" aggregate="count"/>${ofRun}</entity></fetch>`);
    expect(limited.status).toBe(400);
    expect(limited.json.error).toEqual({ code: '0x8004e023', message: 'AggregateQueryRecordLimit exceeded. Cannot perform this operation.' });
    expect((await fetchXml('<fetch aggregate="true"><entity name="ibal_discrepancy"><attribute name="ibal_item" aggregate="sum" alias="x"/></entity></fetch>')).status).toBe(400);
    expect((await fetchXml('<fetch aggregate="true"><entity name="ibal_discrepancy"><attribute name="ibal_item" aggregate="count"/></entity></fetch>')).json.error.message).toContain('alias');
    expect((await fetchXml('<fetch aggregate="true"><entity name="ibal_discrepancy"><attribute name="createdon" alias="q" groupby="true" dategrouping="fiscal-period"/></entity></fetch>')).status).toBe(501);
  });

  it('refuses what it does not run, naming it', async () => {
    expect((await fetchXml(viewFetch('Quick Find Discrepancies'))).json.error.message).toContain('{0}');
    expect((await fetchXml('<fetch><entity name="ibal_discrepancy"><attribute name="nope"/></entity></fetch>')).status).toBe(400);
    expect((await fetchXml('<fetch><entity name="ibal_snapshotrun"/></fetch>')).status).toBe(400);
    expect((await fetchXml('<fetch><entity name="ibal_discrepancy"><link-entity name="ibal_snapshotrun" from="ibal_snapshotrunid" to="ibal_run" link-type="outer"/></entity></fetch>')).status).toBe(501);
    expect((await call('GET', `ibal_discrepancies?$top=1&fetchXml=${encodeURIComponent('<fetch><entity name="ibal_discrepancy"/></fetch>')}`)).status).toBe(400);
  });
});
