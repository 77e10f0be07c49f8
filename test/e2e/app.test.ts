import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { startSandboxApp } from '../helpers/sandbox-app';

/**
 * The whole loop in a browser, as a new user sees it: `npm start` on freshly generated sample data, the app shell with
 * the real VarianceGrid and the real command-bar script, the review and posting commands as a reviewer and an
 * approver, Inventory Visibility (with and without faults) taking each correction once and reporting it synced.
 * Screenshots of each step go to test/artifacts/.
 */
const root = join(__dirname, '..', '..');
const artifacts = join(root, 'test', 'artifacts');
let sandbox: ChildProcess;
let origin: string;
let data: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  ({ process: sandbox, origin, data } = await startSandboxApp(root, { IBAL_SAMPLE_SKUS: '400', IBAL_IV_MINUTE_MS: '100' }));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1680, height: 940 } });
  await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${origin}/`);
  latestRun = (await api('ibal_snapshotruns?$filter=ibal_islatest eq true&$select=ibal_name,ibal_snapshotrunid,ibal_d365asof,ibal_materialcount,ibal_materialabsolutevalue,ibal_materialnetvalue'))[0]!;
}, 180000);

afterAll(async () => {
  expect(pageErrors).toEqual([]);
  await browser?.close();
  sandbox?.kill('SIGINT');
});

type Row = Record<string, unknown>;
/** The test reads Dataverse as the administrator, signed in through the sandbox's sign-in stand-in. */
const adminToken = async () => ((await (await fetch(`${origin}/sandbox/token?login_hint=admin@sandbox.local`, { method: 'POST' })).json()) as { access_token: string }).access_token;
const api = async (query: string): Promise<Row[]> => ((await (await fetch(`${origin}/api/data/v9.2/${query}`,
  { headers: { Prefer: 'odata.include-annotations="*"', Authorization: `Bearer ${await adminToken()}` } })).json()) as { value: Row[] }).value;
const money = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const shot = (name: string) => page.screenshot({ path: join(artifacts, `e2e-${name}.png`), animations: 'disabled' });
const grid = () => page.getByRole('grid');
const totals = () => page.getByRole('status').filter({ hasText: 'loaded' });
const dataRows = () => grid().getByRole('row').filter({ has: page.getByRole('checkbox', { name: 'Select row' }) });

async function signInAs(name: string): Promise<void> {
  await page.getByRole('combobox', { name: 'Signed-in user' }).click();
  await page.getByRole('option', { name: new RegExp(name) }).click();
}

/** Selects rows by name (a command's refresh leaves nothing selected, as in a model-driven grid). */
async function select(names: readonly string[]): Promise<void> {
  await page.getByText(/\d+ of \d+ loaded/).waitFor(); // the view has loaded (a reload clears a selection, as in Dataverse)
  expect(await grid().getByRole('checkbox', { name: 'Select row', checked: true }).count()).toBe(0);
  for (const name of names) await grid().getByRole('row').filter({ hasText: name }).getByRole('checkbox', { name: 'Select row' }).check();
  expect(await grid().getByRole('checkbox', { name: 'Select row', checked: true }).count()).toBe(names.length);
}

/** Runs a command; answers its dialog page (if any) with `fill`; returns the summary the command ends with. */
async function command(label: string, fill?: (dialog: FrameLocator) => Promise<void>): Promise<string> {
  await page.getByRole('toolbar', { name: 'Command bar' }).getByRole('button', { name: label, exact: true }).click();
  if (fill) await fill(page.frameLocator('iframe'));
  const alert = page.getByRole('alertdialog');
  await alert.waitFor({ timeout: 60000 });
  const text = await alert.innerText();
  return text;
}
const closeAlert = () => page.getByRole('alertdialog').getByRole('button', { name: 'OK' }).click();

let latestRun: Row;
let chosen: Row[];

it('shows the latest run\'s Material view, its footer the run\'s figures for the whole view (not the loaded page), matching the job\'s discrepancies.csv', async () => {
  await totals().filter({ hasText: 'Material in the whole view' }).waitFor();
  const csv = parse(readFileSync(join(data, 'weeks', 'week-4', 'out', 'discrepancies.csv')), { columns: true }) as Array<Record<string, string>>;
  const material = csv.filter((r) => r.classification === 'Material');
  const absolute = material.reduce((sum, r) => sum + Math.abs(Number(r.valueVariance)), 0);
  const net = material.reduce((sum, r) => sum + Number(r.valueVariance), 0);
  // The run's own figures, as the job recorded them, are the footer's: before any further page is loaded.
  expect(Number(latestRun.ibal_materialcount)).toBe(material.length);
  expect(money(Number(latestRun.ibal_materialabsolutevalue))).toBe(money(absolute));
  const loaded = await dataRows().count();
  expect(await totals().innerText()).toContain(`Material in the whole view: ${material.length} differences, absolute value ${money(Number(latestRun.ibal_materialabsolutevalue))}, `
    + `net value ${money(Number(latestRun.ibal_materialnetvalue))}`);
  expect(money(net)).toBe(money(Number(latestRun.ibal_materialnetvalue)));
  expect(await totals().innerText()).toContain(`${Math.min(50, material.length)} of ${material.length} loaded`);
  expect(loaded).toBeGreaterThan(0);
  const rows = await grid().getByRole('row').filter({ has: page.getByRole('checkbox', { name: 'Select row' }) }).allInnerTexts();
  expect(rows.length).toBeGreaterThan(0); // the grid is virtualized: only the rows in view are in the page
  expect(rows.every((r) => r.includes('Material'))).toBe(true);
  await shot('1-material-view');

  // Opening a row (double-click, as in a model-driven grid) shows its record.
  const first = grid().getByRole('row').filter({ has: page.getByRole('checkbox', { name: 'Select row' }) }).first();
  const name = (await first.getByRole('gridcell').nth(1).innerText()).trim();
  await first.dblclick();
  const form = page.getByRole('dialog');
  await form.getByText(`Discrepancy: ${name}`).waitFor();
  expect(await form.innerText()).toContain('Review status');
  await form.getByRole('button', { name: 'Close' }).click();
  await form.waitFor({ state: 'detached' });
}, 120000);

it('as a reviewer, offers counts but not Approve or Post', async () => {
  const bar = page.getByRole('toolbar', { name: 'Command bar' });
  await dataRows().first().getByRole('checkbox', { name: 'Select row' }).check();
  await bar.getByRole('button', { name: 'Request count' }).waitFor(); // the command script has loaded and its enable rules ran
  const labels = await bar.getByRole('button').allInnerTexts();
  expect(labels).toEqual(expect.arrayContaining(['Request count', 'Record count', 'Export count sheet', 'Import counts', 'Export to Excel']));
  expect(labels).not.toContain('Approve');
  expect(labels).not.toContain('Post to Inventory Visibility');
  expect(labels).not.toContain('Mark explained'); // a New Material line is counted, not explained
  await shot('4-reviewer-commands');
  await dataRows().first().getByRole('checkbox', { name: 'Select row' }).uncheck();
});

it('takes five lines through counts, approval, rejection and posting to Synced', async () => {
  chosen = (await api(`ibal_discrepancies?$select=ibal_discrepancyid,ibal_name,ibal_d365qty,ibal_wmsqty,ibal_unitcost&$filter=_ibal_run_value eq ${String(latestRun.ibal_snapshotrunid)} and ibal_classification eq 735800000&$orderby=ibal_absolutevalue desc&$top=5`));
  const names = chosen.map((r) => String(r.ibal_name));
  await select(names);
  expect(await command('Request count')).toContain('5 discrepancies count requested.');
  await closeAlert();
  await select(names);
  const summary = await command('Record count', async (dialog) => {
    for (const r of chosen) await dialog.getByLabel(`Counted quantity of ${String(r.ibal_name)}`).fill(String(r.ibal_wmsqty));
    await page.screenshot({ path: join(artifacts, 'e2e-2-record-count.png'), animations: 'disabled' });
    await dialog.getByRole('button', { name: 'Record counts' }).click();
  });
  expect(summary).toContain('5 discrepancies count recorded.');
  await closeAlert();

  await signInAs('Avery Approver');
  await select(names.slice(0, 2));
  expect(await command('Approve', async (dialog) => {
    await dialog.getByRole('combobox', { name: /Reason/ }).selectOption('Shrink');
    await dialog.getByRole('textbox').fill('Counted twice, confirmed by the site lead');
    await page.screenshot({ path: join(artifacts, 'e2e-2-approve.png'), animations: 'disabled' });
    await dialog.getByRole('button', { name: 'Approve 2' }).click();
  })).toContain('2 discrepancies approved.');
  await closeAlert();
  await select(names.slice(2, 3));
  expect(await command('Reject', async (dialog) => {
    await dialog.getByRole('textbox').fill('The count was taken during a pick wave');
    await dialog.getByRole('button', { name: 'Reject 1' }).click();
  })).toContain('1 discrepancy rejected.');
  await closeAlert();

  // The confirmation shows finance the value to be posted, worked out from the counts.
  const corrections = chosen.slice(0, 2).map((r) => (Number(r.ibal_wmsqty) - Number(r.ibal_d365qty)) * Number(r.ibal_unitcost));
  await select(names.slice(0, 2));
  const posted = await command('Post to Inventory Visibility', async (dialog) => {
    const headline = await dialog.getByText(/corrections, quantity/).innerText();
    expect(headline).toContain(`value ${money(corrections.reduce((s, v) => s + Math.abs(v), 0))} (net ${money(corrections.reduce((s, v) => s + v, 0))})`);
    await page.screenshot({ path: join(artifacts, 'e2e-2-confirm-post.png'), animations: 'disabled' });
    await dialog.getByRole('button', { name: 'Post 2 corrections' }).click();
  });
  expect(posted).toContain('2 discrepancies posted to Inventory Visibility.');
  await closeAlert();
  const status = async (rows: Row[]) => (await api(`ibal_discrepancies?$select=ibal_reviewstatus&$filter=${rows.map((r) => `ibal_discrepancyid eq ${String(r.ibal_discrepancyid)}`).join(' or ')}`))
    .map((r) => r['ibal_reviewstatus@OData.Community.Display.V1.FormattedValue']);
  expect(await status(chosen.slice(0, 3))).toEqual(expect.arrayContaining(['Posted', 'Posted', 'Rejected']));

  // IV's clock runs fast here: its jobs aggregate and post the journals within seconds.
  await waitForSynced(names.slice(0, 2));
  expect(await status(chosen.slice(0, 2))).toEqual(['Synced', 'Synced']);
  await shot('2-synced');
}, 180000);

/** Refreshes the lines' IV status until they are Synced (the review service's follow-up may get there first). */
async function waitForSynced(names: string[]): Promise<void> {
  for (let attempt = 0; attempt < 30; attempt += 1) {
    const ids = chosen.filter((r) => names.includes(String(r.ibal_name))).map((r) => String(r.ibal_discrepancyid));
    const statuses = (await api(`ibal_discrepancies?$select=ibal_reviewstatus&$filter=${ids.map((id) => `ibal_discrepancyid eq ${id}`).join(' or ')}`))
      .map((r) => r['ibal_reviewstatus@OData.Community.Display.V1.FormattedValue']);
    if (statuses.length === names.length && statuses.every((s) => s === 'Synced')) return;
    await select(names);
    await command('Refresh IV status');
    await closeAlert();
    await page.waitForTimeout(1000);
  }
  throw new Error(`${names.join(', ')} did not reach Synced`);
}

it('with IV failing 30% of calls, every approved correction is posted and synced exactly once', async () => {
  await page.getByRole('button', { name: 'Sandbox settings' }).click();
  await page.getByRole('switch').check();
  await page.getByRole('button', { name: 'Close' }).click();
  const names = chosen.slice(3).map((r) => String(r.ibal_name));
  await select(names);
  expect(await command('Approve', async (dialog) => {
    await dialog.getByRole('combobox', { name: /Reason/ }).selectOption('Receiving error');
    await dialog.getByRole('textbox').fill('Receipt booked against the wrong bin');
    await dialog.getByRole('button', { name: 'Approve 2' }).click();
  })).toContain('2 discrepancies approved.');
  await closeAlert();
  await select(names);
  // One Post: the review service looks in IV's tables after every failed call and sends only what IV does not hold.
  const posted = await command('Post to Inventory Visibility', async (dialog) => dialog.getByRole('button', { name: 'Post 2 corrections' }).click());
  expect(posted).toContain('2 discrepancies posted to Inventory Visibility.');
  await closeAlert();
  await waitForSynced(names);
  const ledger = (await (await fetch(`${origin}/sandbox/iv-ledger`)).json()) as { lines: Array<{ externalReferenceId: string }>; stats: { bulkCalls: number } };
  const approvedIds = [...chosen.slice(0, 2), ...chosen.slice(3)].map((r) => String(r.ibal_discrepancyid));
  for (const id of approvedIds) expect(ledger.lines.filter((l) => l.externalReferenceId === id)).toHaveLength(1);
  expect(ledger.lines).toHaveLength(4);
  await shot('3-faults-synced');
}, 180000);

it('shows the trend across runs with a chart on the runs page', async () => {
  await page.getByRole('navigation', { name: 'Site map' }).getByRole('button', { name: 'Snapshot runs' }).click();
  await page.getByRole('img', { name: 'Material differences and value per run' }).waitFor();
  await page.getByRole('table').getByRole('row').nth(4).waitFor();
  await page.waitForTimeout(300);
  await shot('5-runs-trend');
});
