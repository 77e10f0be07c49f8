import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../job/cli';
import { configJsonSchemaText } from '../../job/config-schema';
import { Scenario, d365Row, wmsRow } from '../helpers/scenario';

async function cli(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const code = await runCli(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { code, stderr, stdout };
}

function ready(): Scenario {
  return new Scenario().costs({ A: 1 }).d365([d365Row('A', '11', 1)]).wms([wmsRow('A', 'DAL1', 1)]);
}

describe('structurally unusable input stops the run with exit code 2 and one clear message', () => {
  it('names a missing file and its config key', async () => {
    const s = ready();
    (s.config.wms as Record<string, Record<string, unknown>>).onHand!.path = 'missing.csv';
    const { code, stderr } = await cli(['reconcile', '--config', s.writeConfig(), '--out', join(s.dir, 'out')]);
    expect(code).toBe(2);
    expect(stderr).toContain('wms.onHand.path: file not found');
    expect(stderr).toContain('missing.csv');
  });

  it('names a missing column, its file and its config key', async () => {
    const s = ready();
    (s.config.wms as Record<string, Record<string, Record<string, string>>>).onHand!.columns!.quantity = 'Quantity On Hand';
    const { code, stderr } = await cli(['reconcile', '--config', s.writeConfig(), '--out', join(s.dir, 'out')]);
    expect(code).toBe(2);
    expect(stderr).toContain("wms.csv: required column 'Quantity On Hand' is missing (wms.onHand.columns.quantity)");
  });

  it('names the key path of every config error, unknown keys included', async () => {
    const s = ready();
    s.config.thresholds = [{ name: 'default', quantity: -1 }];
    s.config.compareLevel = ['site', 'aisle'];
    (s.config.mappings as Record<string, unknown>).unitz = {};
    (s.config.d365 as Record<string, unknown>).asOf = 'last tuesday';
    const { code, stderr } = await cli(['reconcile', '--config', s.writeConfig(), '--out', join(s.dir, 'out')]);
    expect(code).toBe(2);
    expect(stderr).toContain('thresholds.0.quantity: must be greater than 0');
    expect(stderr).toContain('compareLevel.1:');
    expect(stderr).toContain('mappings.unitz: unknown key');
    expect(stderr).toContain('d365.asOf: must be an ISO 8601 date-time');
  });

  it('refuses in-flight quantities that lack a field the compare level includes, naming the key', async () => {
    const s = ready();
    s.config.compareLevel = ['site', 'warehouse', 'batch'];
    (s.config.wms as Record<string, unknown>).inFlight = { path: 'inflight.csv', columns: { item: 'sku', facility: 'facility', quantity: 'qty' } };
    s.file('inflight.csv', 'sku,facility,qty\nA,DAL1,2\n');
    s.config.d365 = { ...(s.config.d365 as object), onHand: { path: 'lines.csv', columns: { item: 'ItemNumber', warehouse: 'WarehouseId', batch: 'ItemBatchNumber', quantity: 'OnHandQuantity' } } };
    s.file('lines.csv', 'ItemNumber,WarehouseId,ItemBatchNumber,OnHandQuantity\nA,11,L1,1\n');
    const { code, stderr } = await cli(['reconcile', '--config', s.writeConfig(), '--out', join(s.dir, 'out')]);
    expect(code).toBe(2);
    expect(stderr).toContain('wms.inFlight.columns.batch is missing: the compare level includes batch');
  });

  it('refuses a D365 input with both a format and columns', async () => {
    const s = ready();
    (s.config.d365 as Record<string, Record<string, unknown>>).onHand!.columns = { item: 'ItemNumber', quantity: 'OnHandQuantity' };
    const { code, stderr } = await cli(['reconcile', '--config', s.writeConfig(), '--out', join(s.dir, 'out')]);
    expect(code).toBe(2);
    expect(stderr).toContain('d365.onHand: give either "format" or "columns"');
  });

  it('explains the usage when an argument is missing or unknown', async () => {
    expect((await cli(['reconcile', '--config', 'x.json'])).stderr).toContain('missing --out');
    expect((await cli(['reconcile', '--bogus'])).code).toBe(2);
    expect((await cli(['--help'])).stdout).toContain('Usage: ibal reconcile');
  });

  it('writes nothing to the history when a run fails', async () => {
    const s = ready();
    await cli(['reconcile', '--config', s.writeConfig(), '--out', join(s.dir, 'ok'), '--quiet', '--run-id', 'w1']);
    (s.config.wms as Record<string, Record<string, unknown>>).onHand!.path = 'missing.csv';
    await cli(['reconcile', '--config', s.writeConfig(), '--out', join(s.dir, 'failed'), '--quiet', '--run-id', 'w2']);
    (s.config.wms as Record<string, Record<string, unknown>>).onHand!.path = 'wms.csv';
    await cli(['reconcile', '--config', s.writeConfig(), '--out', join(s.dir, 'next'), '--quiet', '--run-id', 'w3']);
    const run = JSON.parse(readFileSync(join(s.dir, 'next', 'run.json'), 'utf8')) as { trend: Array<{ runId: string }> };
    expect(run.trend.map((t) => t.runId)).toEqual(['w1', 'w3']);
  });
});

describe('config JSON Schema for editors', () => {
  it('is up to date with the zod schema (run `npm run schema` after changing core/config.ts)', () => {
    expect(readFileSync(join(__dirname, '..', '..', 'job', 'config.schema.json'), 'utf8')).toBe(configJsonSchemaText());
  });
});

describe('paths in the config', () => {
  it('resolves a relative path against the config folder and leaves a storage address as it is', async () => {
    const { loadConfig } = await import('../../job/config-loader');
    const { resolvePath } = loadConfig(join(__dirname, '..', '..', 'examples', 'weekly', 'config.json'));
    expect(resolvePath('wms.csv')).toBe(join(__dirname, '..', '..', 'examples', 'weekly', 'wms.csv'));
    expect(resolvePath('abfss://lake@contoso.dfs.core.windows.net/d365/inventsum')).toBe('abfss://lake@contoso.dfs.core.windows.net/d365/inventsum');
  });
});
