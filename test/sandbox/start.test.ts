import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `npm start` as a new user runs it (the built script; `npm test` builds before jest runs). */
describe('npm start', () => {
  it('reconciles four sample weeks into the sandbox, serves the app on 127.0.0.1, and stops on Ctrl+C', async () => {
    const data = mkdtempSync(join(tmpdir(), 'ibal-start-'));
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'sandbox', 'start.js')], {
      env: { ...process.env, PORT: '0', IBAL_SANDBOX_DATA: data, IBAL_SAMPLE_SKUS: '300' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Inventory Balance sandbox: (http:\/\/127\.0\.0\.1:\d+)\/\n/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      expect(output.match(/Reconciling week \d/g)).toEqual(['Reconciling week 1', 'Reconciling week 2', 'Reconciling week 3', 'Reconciling week 4']);
      // Each week came through ibal snapshot from the D365 stand-in (an export package) and the WMS's files.
      const manifest = JSON.parse(readFileSync(join(data, 'weeks', 'week-4', 'snapshot', 'snapshot.json'), 'utf8')) as { d365: { mode: string; asOf: string }; skewMinutes: number };
      expect(manifest).toMatchObject({ d365: { mode: 'package', asOf: '2026-11-20T02:00:00.000Z' }, skewMinutes: 7 });
      expect(existsSync(join(data, 'weeks', 'week-4', 'snapshot', 'd365-export.zip'))).toBe(true);
      expect((await fetch(`${url}/data/WarehousesOnHandV2`)).status).toBe(401);
      expect(await (await fetch(`${url}/`)).text()).toContain('<script src="/app/shell.js"></script>');
      // The app's model is the solution's own: its sitemap and its views, read from solution/src.
      const model = await (await fetch(`${url}/app/model.json`)).json() as { sitemap: Array<{ items: Array<{ entity: string }> }>;
        tables: Record<string, { views: Array<{ name: string; isDefault: boolean }> }>; commands: Array<{ label: string }> };
      expect(model.sitemap.flatMap((g) => g.items.map((i) => i.entity)).filter(Boolean)).toEqual(['ibal_snapshotrun', 'ibal_discrepancy', 'ibal_postingbatch', 'ibal_reviewrequest', 'ibal_thresholdrule']);
      expect(model.tables.ibal_discrepancy!.views[0]).toEqual(expect.objectContaining({ name: 'Material (latest run)', isDefault: true }));
      expect(model.commands.map((c) => c.label)).toContain('Post to Inventory Visibility');
      for (const asset of ['/app/shell.js', '/controls/bundle.js', '/webresources/ibal_/scripts/commands.js', '/webresources/ibal_/pages/review.html']) {
        expect((await fetch(`${url}${asset}`)).status).toBe(200);
      }
      expect((await fetch(`${url}/webresources/ibal_/../../package.json`)).status).toBe(404);
      // The Web API answers only a signed-in caller, as Dataverse does.
      expect((await fetch(`${url}/api/data/v9.2/ibal_snapshotruns`)).status).toBe(401);
      const signedIn = await (await fetch(`${url}/sandbox/token?login_hint=admin@sandbox.local`, { method: 'POST' })).json() as { access_token: string };
      const asAdmin = { headers: { Authorization: `Bearer ${signedIn.access_token}` } };
      const runs = await (await fetch(`${url}/api/data/v9.2/ibal_snapshotruns?$select=ibal_materialcount&$orderby=ibal_d365asof`, asAdmin)).json() as { value: Array<{ ibal_materialcount: number }> };
      const material = runs.value.map((r) => r.ibal_materialcount);
      expect(material[3]!).toBeLessThan(material[0]!); // the sample story: things improve
      const values = await (await fetch(`${url}/api/data/v9.2/environmentvariablevalues?$select=schemaname,value`, asAdmin)).json() as { value: Array<{ schemaname: string; value: string }> };
      expect(Object.fromEntries(values.value.map((v) => [v.schemaname, v.value]))).toMatchObject({ ibal_IVEndpoint: url, ibal_IVMaxLinesPerCall: '512' });
      // The solution's webhook points at the review service the sandbox hosts, as an admin sets it after import.
      const endpoints = await (await fetch(`${url}/api/data/v9.2/serviceendpoints?$select=url,authvalue`, asAdmin)).json() as { value: Array<{ url: string; authvalue: string | null }> };
      expect(endpoints.value).toEqual([expect.objectContaining({ url: `${url}/review-service/dataverse`, authvalue: null })]);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  }, 120000);
});
