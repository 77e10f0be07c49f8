import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { DataverseEmulator, SANDBOX_REVIEW_SERVICE_APP } from '../../sandbox/dataverse/emulator';
import { DataverseClient } from '../../job/dataverse/client';
import { DataverseTarget } from '../../job/dataverse/target';
import { reconcile } from '../../job/reconcile';
import { REASON_CODE, REVIEW_STATUS } from '../../core/dataverse/tables';
import { Scenario, d365Row, wmsRow } from '../helpers/scenario';
import { startD365, onHandRow, IMPORT_PROJECT, type D365Fixture } from './fixture';

/**
 * `ibal journal` as an admin runs it (the built CLI, a child process): the batch read from Dataverse, packages written
 * to files, and `--post` imported into D365 exactly once even when the process is killed in the middle of an import.
 */
const run = promisify(execFile);
const bin = join(__dirname, '..', '..', 'dist', 'job', 'bin.js');
let dataverse: DataverseEmulator;
let api: string;
let f: D365Fixture;
let batchId: string;

const approved = REVIEW_STATUS.find((s) => s.label === 'Approved')!.value;
const shrink = REASON_CODE.find((r) => r.label === 'Shrink')!.value;

beforeAll(async () => {
  dataverse = await DataverseEmulator.open({ database: ':memory:' });
  api = await dataverse.listen();
  // A week with three material differences, all approved into one posting batch.
  const s = new Scenario().costs({ A: 10, B: 10, C: 10 });
  s.config.company = 'usmf';
  s.d365(['A', 'B', 'C'].map((item) => d365Row(item, '11', 100)));
  s.wms([wmsRow('A', 'DAL1', 90), wmsRow('B', 'DAL1', 120), wmsRow('C', 'DAL1', 93)]);
  const client = new DataverseClient({ apiUrl: api, token: async () => dataverse.issueToken('admin@sandbox.local') });
  await reconcile({ configPath: s.writeConfig(), outDir: join(s.dir, 'out'), target: new DataverseTarget(client, api) });
  const created = await client.request('POST', 'ibal_postingbatches', { ibal_name: 'PB-2026-11-21-01' }, { Prefer: 'return=representation' });
  batchId = (created.body as { ibal_postingbatchid: string }).ibal_postingbatchid;
  for (const row of await client.retrieveAll('ibal_discrepancies?$select=ibal_discrepancyid,ibal_residual')) {
    await client.request('PATCH', `ibal_discrepancies(${String(row.ibal_discrepancyid)})`, {
      ibal_reviewstatus: approved, ibal_correctionqty: row.ibal_residual, ibal_reasoncode: shrink, ibal_decidedon: '2026-11-21T10:00:00Z',
      'ibal_postingbatch@odata.bind': `/ibal_postingbatches(${batchId})` });
  }
});
afterAll(async () => { await dataverse.close(); });
beforeEach(async () => {
  f = await startD365({ executionSeconds: 0 });
  f.d365.load('WarehousesOnHandV2', ['A', 'B', 'C'].map((item) => onHandRow('usmf', item, '11', 100)));
});
afterEach(async () => { await f.close(); });

// The journal is read as the review service's application user: only it (and the business roles' profiles) reads the
// approved corrections, which are secured columns.
const env = () => ({ ...process.env, IBAL_CLIENT_ID: SANDBOX_REVIEW_SERVICE_APP.clientId, IBAL_CLIENT_SECRET: SANDBOX_REVIEW_SERVICE_APP.clientSecret, IBAL_D365_TENANT_ID: f.d365.tenantId, IBAL_D365_CLIENT_ID: f.d365.clientId, IBAL_D365_CLIENT_SECRET: f.d365.clientSecret,
  IBAL_D365_LOGIN_URL: f.origin, IBAL_D365_POLL_MS: '20' });
const journalArgs = (out: string, store: string) => ['journal', '--batch', batchId, '--target', api, '--out', out, '--max-lines', '2',
  '--project', IMPORT_PROJECT, '--post', f.origin, '--store', store];
const d365Lines = () => f.d365.journalList().flatMap((j) => j.lines.map((l) => `${String(l.ItemNumber)}:${String(l.InventoryQuantity)}`)).sort();

/** Runs the CLI and kills it (SIGKILL) the moment D365 has handled `action`, before the answer reaches it. */
function runAndKillAt(action: string, args: string[]): Promise<{ killed: boolean; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    f.d365.onAction = (name) => {
      if (name === action && !killed) { killed = true; child.kill('SIGKILL'); }
    };
    child.on('exit', () => { f.d365.onAction = undefined; resolve({ killed, stdout }); });
  });
}

describe('ibal journal', () => {
  it('writes the batch as D365 packages split at --max-lines, with the batch total on stdout', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ibal-journal-'));
    const { stdout } = await run(process.execPath, [bin, 'journal', '--batch', batchId, '--target', api, '--out', out, '--max-lines', '2'], { env: env() });
    const zips = readdirSync(out).sort();
    expect(zips).toEqual(['PB-2026-11-21-01-adjustment-usmf-1of2.zip', 'PB-2026-11-21-01-adjustment-usmf-2of2.zip']);
    const files = unzipSync(readFileSync(join(out, zips[0]!)));
    expect(Object.keys(files).sort()).toEqual(['Inventory adjustment journal header.csv', 'Inventory adjustment journal headers and lines V2.csv', 'Manifest.xml', 'PackageHeader.xml']);
    const lines = new TextDecoder('utf-16le').decode(files['Inventory adjustment journal headers and lines V2.csv']!.subarray(2)).trim().split('\r\n');
    expect(lines.slice(1).map((l) => l.split(',').slice(3, 4)[0])).toEqual(['A', 'B']);
    // Corrections -10, +20, -7 at a cost of 10: quantity 3, value 30.
    expect(stdout).toContain('batch PB-2026-11-21-01: 3 lines in 2 journal(s), quantity 3, value 30 (absolute 370); 0 left out');
  });

  it('posts exactly once when killed after D365 accepted the import: the restart follows the execution up and sends nothing again', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'ibal-store-')), 'store.json');
    const out = mkdtempSync(join(tmpdir(), 'ibal-journal-'));
    const first = await runAndKillAt('ImportFromPackage', journalArgs(out, store));
    expect(first.killed).toBe(true);
    expect(JSON.parse(readFileSync(store, 'utf8'))[batchId].executions).toHaveLength(1);
    const { stdout } = await run(process.execPath, [bin, ...journalArgs(out, store)], { env: env() });
    expect(stdout.trim().split('\n').filter((l) => l.includes('\tPosted\t'))).toHaveLength(3);
    expect(d365Lines()).toEqual(['A:-10', 'B:20', 'C:-7']);
    // One import for each of the two journals: the one in flight at the kill was not sent again.
    expect(f.d365.stats.actions.ImportFromPackage).toBe(2);
  });

  it('posts exactly once when killed after recording but before the import arrived: the restart sends it', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'ibal-store-')), 'store.json');
    const out = mkdtempSync(join(tmpdir(), 'ibal-journal-'));
    const first = await runAndKillAt('GetAzureWriteUrl', journalArgs(out, store));
    expect(first.killed).toBe(true);
    expect(f.d365.journalList()).toEqual([]);
    await run(process.execPath, [bin, ...journalArgs(out, store)], { env: env() });
    expect(d365Lines()).toEqual(['A:-10', 'B:20', 'C:-7']);
    expect(f.d365.stats.actions.ImportFromPackage).toBe(2);
  });
});
