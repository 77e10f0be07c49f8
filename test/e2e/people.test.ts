import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import readXlsxFile from 'read-excel-file/universal';
import writeXlsxFile from 'write-excel-file/universal';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { classify } from '../../core/classification';
import { CLASSIFICATION, REVIEW_STATUS } from '../../core/dataverse/tables';
import { startSandboxApp } from '../helpers/sandbox-app';

/**
 * The app as an inventory controller and a finance approver use it (issue 13), in Chromium on `npm start`'s sandbox:
 * figures of the whole view, no dead ends, counts in bulk, exports, search, a run's discrepancies and a line's
 * history, units, the threshold rules in Dataverse, the finance dashboard, and the layout and keyboard at 1440 and
 * 1024 pixels. Expected figures are read from Dataverse (as the administrator) and worked out here.
 */
const root = join(__dirname, '..', '..');
const artifacts = join(root, 'test', 'artifacts');
let sandbox: ChildProcess;
let origin: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const downloads = mkdtempSync(join(tmpdir(), 'ibal-downloads-'));

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  ({ process: sandbox, origin } = await startSandboxApp(root, { IBAL_SAMPLE_SKUS: '1200', IBAL_IV_MINUTE_MS: '100', IBAL_FOLLOW_UP_SECONDS: '0' }));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await newPage(1440, 900);
  await page.goto(`${origin}/`);
  latestRun = (await api('ibal_snapshotruns?$filter=ibal_islatest eq true&$select=ibal_name,ibal_snapshotrunid,ibal_materialcount,ibal_materialabsolutevalue,ibal_materialnetvalue,ibal_rulesused'))[0]!;
}, 240000);

afterAll(async () => {
  expect(pageErrors).toEqual([]);
  await browser?.close();
  sandbox?.kill('SIGINT');
});

async function newPage(width: number, height: number): Promise<Page> {
  const p = await browser.newPage({ viewport: { width, height }, acceptDownloads: true });
  await p.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
  p.on('pageerror', (error) => pageErrors.push(error.message));
  return p;
}

type Row = Record<string, unknown>;
const FORMATTED = '@OData.Community.Display.V1.FormattedValue';
const adminToken = async () => ((await (await fetch(`${origin}/sandbox/token?login_hint=admin@sandbox.local`, { method: 'POST' })).json()) as { access_token: string }).access_token;
async function api(query: string): Promise<Row[]> {
  const rows: Row[] = [];
  let url = `${origin}/api/data/v9.2/${query}`;
  for (;;) {
    const body = (await (await fetch(url, { headers: { Prefer: 'odata.include-annotations="*",odata.maxpagesize=5000', Authorization: `Bearer ${await adminToken()}` } })).json()) as { value: Row[]; '@odata.nextLink'?: string };
    rows.push(...body.value);
    if (!body['@odata.nextLink']) return rows;
    url = body['@odata.nextLink'];
  }
}
/** An .xlsx file's sheets, read on this thread (the Node build of the reader starts worker threads). */
const readXlsx = (file: string) => { const bytes = readFileSync(file); return readXlsxFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer); };
const money = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = (n: number) => n.toLocaleString('en-US');
const shot = (name: string, p = page) => p.screenshot({ path: join(artifacts, `people-${name}.png`), animations: 'disabled' });
const grid = (p = page) => p.getByRole('grid');
const dataRows = (p = page) => grid(p).getByRole('row').filter({ has: p.getByRole('checkbox', { name: 'Select row' }) });
const totals = (p = page) => p.getByRole('status').filter({ hasText: 'loaded' });
const bar = (p = page) => p.getByRole('toolbar', { name: 'Command bar' });
const MATERIAL = CLASSIFICATION.find((c) => c.label === 'Material')!.value;
const status = (label: string) => REVIEW_STATUS.find((s) => s.label === label)!.value;
let latestRun: Row;

async function signInAs(name: string, p = page): Promise<void> {
  await p.getByRole('combobox', { name: 'Signed-in user' }).click();
  await p.getByRole('option', { name: new RegExp(name) }).click();
}
async function openView(name: string, p = page): Promise<void> {
  await p.getByRole('combobox', { name: 'View' }).click();
  await p.getByRole('option', { name, exact: true }).click();
}
async function nav(name: string, p = page): Promise<void> {
  await p.getByRole('navigation', { name: 'Site map' }).getByRole('button', { name }).click();
}
/** Selects rows by name, once the grid has settled (a command's refresh reloads it and clears the selection). */
async function selectByName(names: readonly string[]): Promise<void> {
  await totals().filter({ hasText: 'Material in the whole view' }).waitFor();
  for (const name of names) {
    const box = dataRows().filter({ hasText: name }).getByRole('checkbox', { name: 'Select row' });
    for (let attempt = 1; ; attempt += 1) {
      try { await box.check({ timeout: 5000 }); break; } catch (error) { if (attempt === 3) throw error; await totals().waitFor(); }
    }
  }
}
/** Runs a command, answers its dialog page, returns the alert it ends with (closed). */
async function command(label: string, fill?: (dialog: FrameLocator) => Promise<void>): Promise<string> {
  await bar().getByRole('button', { name: label, exact: true }).click();
  if (fill) await fill(page.frameLocator('iframe'));
  const alert = page.getByRole('alertdialog');
  await alert.waitFor({ timeout: 60000 });
  const text = await alert.innerText();
  await alert.getByRole('button', { name: 'OK' }).click();
  await alert.waitFor({ state: 'detached' });
  return text;
}
const offered = async () => bar().getByRole('button').allInnerTexts();
/** The latest run's Material lines, largest value first (as the default view sorts them). */
const materialLines = () => api(`ibal_discrepancies?$select=ibal_discrepancyid,ibal_name,ibal_item,ibal_d365qty,ibal_wmsqty,ibal_unitcost,ibal_reviewstatus,ibal_keyhash`
  + `&$filter=_ibal_run_value eq ${String(latestRun.ibal_snapshotrunid)} and ibal_classification eq ${MATERIAL}&$orderby=ibal_absolutevalue desc`);

it('totals the whole view in the footer, not the loaded page: the latest run\'s Material figures, whatever the sort', async () => {
  await totals().filter({ hasText: 'Material in the whole view' }).waitFor();
  const expected = `Material in the whole view: ${count(Number(latestRun.ibal_materialcount))} differences, absolute value ${money(Number(latestRun.ibal_materialabsolutevalue))}, `
    + `net value ${money(Number(latestRun.ibal_materialnetvalue))}`;
  expect(Number(latestRun.ibal_materialcount)).toBeGreaterThan(50); // more than one page: the loaded rows are not the view
  expect(await totals().innerText()).toContain(expected);
  expect(await totals().innerText()).toContain(`50 of ${count(Number(latestRun.ibal_materialcount))} loaded`);
  await grid().getByRole('columnheader', { name: 'Residual' }).click();
  await page.waitForTimeout(500);
  await totals().filter({ hasText: 'Material in the whole view' }).waitFor();
  expect(await totals().innerText()).toContain(expected);
  await shot('1-whole-view-totals');
  await openView('All discrepancies');
  await openView('Material (latest run)'); // back to the view's own sort: largest value first
  await totals().filter({ hasText: 'Material in the whole view' }).waitFor();
});

it('reclassifies every line of the view with trial limits, takes 0 as a limit and tries nothing with every limit blank', async () => {
  const lines = await api(`ibal_discrepancies?$select=ibal_d365qty,ibal_qtyvariance,ibal_residual,ibal_valuevariance,ibal_classification`
    + `&$filter=_ibal_run_value eq ${String(latestRun.ibal_snapshotrunid)} and ibal_classification eq ${MATERIAL}`);
  const materialWith = (limits: { quantity?: number; percent?: number; value?: number }) => lines.filter((l) => classify({ d365Qty: Number(l.ibal_d365qty),
    qtyVariance: Number(l.ibal_qtyvariance), residual: Number(l.ibal_residual), valueVariance: Number(l.ibal_valuevariance) }, { name: 'what-if', ...limits }) === 'Material');
  const material = materialWith({ quantity: 5, percent: 10, value: 1000 });
  await page.getByLabel('Try other limits: Value').fill('1000');
  const expected = `With the trial limits, all ${count(lines.length)} lines of the view — Material: ${count(material.length)} differences, `
    + `absolute value ${money(material.reduce((s, l) => s + Math.abs(Number(l.ibal_valuevariance)), 0))}`;
  await totals().filter({ hasText: expected }).waitFor();
  await page.getByLabel('Try other limits: Quantity').fill('');
  await page.getByLabel('Try other limits: Percent').fill('');
  await page.getByLabel('Try other limits: Value').fill('0');
  // 0 is a limit every difference meets: all of them Material, but for lines whose figures balance (an incomplete key).
  const everything = materialWith({ value: 0 });
  expect(everything.length).toBeGreaterThan(material.length);
  await totals().filter({ hasText: `Material: ${count(everything.length)} differences` }).waitFor();
  await page.getByLabel('Try other limits: Value').fill('');
  await page.getByText('With no limit nothing is Material').waitFor();
  expect(await dataRows().first().innerText()).toContain('Material'); // the stored classification, not Immaterial for all
  await page.getByRole('button', { name: 'Back to the rules' }).click();
  await totals().filter({ hasText: 'Material in the whole view' }).waitFor();
});

it('offers every row of the view once the loaded rows are all selected', async () => {
  await grid().getByRole('checkbox', { name: 'Select all rows' }).check();
  const total = Number(latestRun.ibal_materialcount);
  await page.getByText(`All 50 loaded rows are selected.`).waitFor();
  await page.getByRole('button', { name: `Select all ${count(total)} in the view` }).click();
  await page.getByText(`All ${count(total)} in the view are selected.`).waitFor();
  await page.getByText(`${count(total)} of ${count(total)} loaded`).waitFor();
  await grid().getByRole('checkbox', { name: 'Select all rows' }).uncheck();
});

it('searches the view over its Quick Find columns, and the footer sums what the search finds', async () => {
  const [first] = await materialLines();
  const item = String(first!.ibal_item);
  const matching = (await materialLines()).filter((l) => String(l.ibal_item).startsWith(item) || String(l.ibal_name).startsWith(item));
  await page.getByRole('searchbox', { name: 'Search this view' }).fill(item);
  await page.getByText(`${matching.length} of ${matching.length} loaded`).waitFor();
  expect(await dataRows().allInnerTexts()).toEqual(expect.arrayContaining([expect.stringContaining(item)]));
  await totals().filter({ hasText: `Material in the whole view: ${matching.length} differences` }).waitFor();
  await page.getByRole('searchbox', { name: 'Search this view' }).fill('');
  await page.getByText(`50 of ${count(Number(latestRun.ibal_materialcount))} loaded`).waitFor();
});

it('opens the focused row on Enter and gives focus back to it when the form closes', async () => {
  const row = dataRows().nth(2);
  const id = await row.getAttribute('data-row-id');
  await row.focus();
  await page.keyboard.press('Enter');
  const form = page.getByRole('dialog');
  await form.getByText(/^Discrepancy: /).waitFor();
  await page.keyboard.press('Escape');
  await form.waitFor({ state: 'detached' });
  await page.waitForTimeout(200);
  expect(await page.evaluate(() => document.activeElement?.closest('[data-row-id]')?.getAttribute('data-row-id'))).toBe(id);
});

it('shows units beside the quantities: the D365 unit in the view, the WMS units and factors on the form', async () => {
  await grid().getByRole('columnheader', { name: 'D365 unit' }).waitFor();
  const lines = await api(`ibal_discrepancies?$select=ibal_name,ibal_d365unit,ibal_wmsunits&$filter=_ibal_run_value eq ${String(latestRun.ibal_snapshotrunid)} and ibal_wmsunits ne null&$top=200`);
  const converted = lines.find((l) => /^1 CS = \d+/.test(String(l.ibal_wmsunits)))!;
  expect(converted).toBeDefined();
  expect(String(converted.ibal_d365unit)).not.toBe('');
  expect(await dataRows().first().innerText()).toContain(String(lines[0]!.ibal_d365unit));
});

it('exports the view to Excel with every row and its columns', async () => {
  const download = page.waitForEvent('download');
  await bar().getByRole('button', { name: 'Export to Excel' }).click();
  const file = join(downloads, 'view.xlsx');
  await (await download).saveAs(file);
  const [sheet] = await readXlsx(file);
  expect(sheet!.data[0]).toEqual(expect.arrayContaining(['Name', 'Classification', 'Residual', 'D365 unit']));
  expect(sheet!.data.length - 1).toBe(Number(latestRun.ibal_materialcount));
});

it('takes counts in bulk: a count sheet out (.xlsx and CSV), the filled sheet back as one request, all of it or nothing', async () => {
  const lines = (await materialLines()).slice(0, 6);
  const names = lines.map((l) => String(l.ibal_name));
  await selectByName(names);
  const xlsx = page.waitForEvent('download');
  await bar().getByRole('button', { name: 'Export count sheet', exact: true }).click();
  const xlsxFile = join(downloads, 'sheet.xlsx');
  await (await xlsx).saveAs(xlsxFile);
  const [sheet] = await readXlsx(xlsxFile);
  expect(sheet!.data[0]).toEqual(['Discrepancy id', 'Item', 'Warehouse', 'Location', 'Batch', 'Unit', 'D365 quantity', 'Counted quantity', 'Name']);
  expect(sheet!.data.slice(1).map((r) => r[0]).sort()).toEqual(lines.map((l) => String(l.ibal_discrepancyid)).sort());
  await selectByName(names); // a command's refresh would have cleared it; the export does not refresh
  const csvDownload = page.waitForEvent('download');
  await bar().getByRole('button', { name: 'Count sheet (CSV)' }).click();
  const csvFile = join(downloads, 'sheet.csv');
  await (await csvDownload).saveAs(csvFile);
  const rows = parse(readFileSync(csvFile, 'utf8').replace(/^\uFEFF/, ''), { columns: true }) as Array<Record<string, string>>;
  expect(rows).toHaveLength(6);

  // Filled in: one count is not a number and one line is listed twice. Nothing is recorded; each is named.
  // A count differs from D365 (a count is never negative, though D365 may be).
  const counted = (r: Record<string, string>) => String(Math.abs(Number(r['D365 quantity'])) + 1);
  const filled = [Object.keys(rows[0]!), ...rows.map((r, i) => Object.values({ ...r, 'Counted quantity': i === 1 ? 'twelve' : counted(r) })), Object.values({ ...rows[0]!, 'Counted quantity': '3' })];
  const write = (name: string, table: string[][]) => { writeFileSync(join(downloads, name), table.map((r) => r.map((c) => `"${c}"`).join(',')).join('\n')); return join(downloads, name); };
  const importSheet = (file: string) => command('Import counts', async (dialog) => {
    await dialog.getByLabel('Filled count sheet').setInputFiles(file);
    await dialog.getByRole('button', { name: 'Check and record counts' }).click();
  });
  const refused = await importSheet(write('bad.csv', filled));
  expect(refused).toContain('Nothing was recorded: 2 lines of bad.csv cannot be taken');
  expect(refused).toContain("line 3, Counted quantity: 'twelve' is not a quantity");
  expect(refused).toContain('line 8, Discrepancy id: the discrepancy is on line 2 already');
  const after = await api(`ibal_discrepancies?$select=ibal_countedqty&$filter=${lines.map((l) => `ibal_discrepancyid eq ${String(l.ibal_discrepancyid)}`).join(' or ')}`);
  expect(after.every((r) => r.ibal_countedqty === null)).toBe(true);

  // The good sheet goes back as the .xlsx it came as, filled in.
  const filledSheet = sheet!.data.map((row, i) => row.map((cell, c) => (i > 0 && c === 7 ? Math.abs(Number(row[6])) + 1 : cell ?? null)));
  const good = join(downloads, 'good.xlsx');
  writeFileSync(good, new Uint8Array(await (await writeXlsxFile(filledSheet as never).toBlob()).arrayBuffer()));
  expect(await importSheet(good)).toContain('6 discrepancies count recorded.');
  const recorded = await api(`ibal_discrepancies?$select=ibal_discrepancyid,ibal_countedqty,ibal_d365qty,ibal_reviewstatus&$filter=${lines.map((l) => `ibal_discrepancyid eq ${String(l.ibal_discrepancyid)}`).join(' or ')}`);
  expect(recorded.map((r) => [r.ibal_countedqty, r.ibal_reviewstatus])).toEqual(recorded.map((r) => [Math.abs(Number(r.ibal_d365qty)) + 1, status('Counted')]));
});

it('offers a command only where it can change a selected line, and has a way on from every state', async () => {
  const lines = await materialLines();
  const fresh = lines.filter((l) => l.ibal_reviewstatus === status('New'));
  await selectByName([String(fresh[0]!.ibal_name)]);
  await page.waitForTimeout(500);
  expect(await offered()).toEqual(expect.arrayContaining(['Request count', 'Record count']));
  expect(await offered()).not.toContain('Mark explained'); // a Material line is closed by a count, not explained
  await page.getByRole('button', { name: 'Refresh' }).click();

  // A count that matches D365 closes the line: Explained — count matched, nothing to approve or post.
  const matched = fresh[1]!;
  await selectByName([String(matched.ibal_name)]);
  const matchedSummary = await command('Record count', async (dialog) => {
    const input = dialog.getByLabel(`Counted quantity of ${String(matched.ibal_name)}`);
    // The dialog opens with the first count field focused.
    await input.waitFor();
    await page.waitForTimeout(300);
    expect(await input.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await input.fill(String(matched.ibal_d365qty));
    await dialog.getByRole('button', { name: 'Record counts' }).click();
  });
  expect(matchedSummary).toContain('1 count matched D365 and closed its line as explained: nothing will be posted for it.');
  const [closed] = await api(`ibal_discrepancies?$select=ibal_reviewstatus,ibal_comment&$filter=ibal_discrepancyid eq ${String(matched.ibal_discrepancyid)}`);
  expect(closed).toMatchObject({ [`ibal_reviewstatus${FORMATTED}`]: 'Explained', ibal_comment: expect.stringContaining('Explained — count matched') });

  // Rejected → counted again; an approval is taken back before posting.
  const counted = (await materialLines()).filter((l) => l.ibal_reviewstatus === status('Counted')).map((l) => String(l.ibal_name));
  await signInAs('Avery Approver');
  await selectByName(counted.slice(0, 1));
  expect(await command('Reject', async (dialog) => {
    await dialog.getByRole('textbox').fill('Counted during a pick wave');
    await dialog.getByRole('button', { name: 'Reject 1' }).click();
  })).toContain('1 discrepancy rejected.');
  await selectByName(counted.slice(1, 2));
  expect(await command('Approve', async (dialog) => {
    await dialog.getByRole('combobox').selectOption('Shrink');
    await dialog.getByRole('textbox').fill('Confirmed by the site lead');
    await dialog.getByRole('button', { name: 'Approve 1' }).click();
  })).toContain('1 discrepancy approved.');
  await selectByName(counted.slice(1, 2));
  await page.waitForTimeout(500);
  expect(await offered()).toEqual(expect.arrayContaining(['Reject', 'Post to Inventory Visibility']));
  expect(await command('Reject', async (dialog) => {
    await dialog.getByRole('textbox').fill('Wrong bin: count again');
    await dialog.getByRole('button', { name: 'Reject 1' }).click();
  })).toContain('1 discrepancy rejected.');
  await signInAs('Riley Reviewer');
  await selectByName(counted.slice(0, 2));
  await page.waitForTimeout(500);
  expect(await offered()).toEqual(expect.arrayContaining(['Request count', 'Record count']));
  expect(await command('Request count')).toContain('2 discrepancies count requested.');
});

it('says which view is empty instead of "nothing above the thresholds"', async () => {
  await openView('Posting errors');
  await page.getByText('Nothing in the view “Posting errors”.').waitFor();
  await openView('Material (latest run)');
  await totals().waitFor();
});

it('keeps the record count dialog\'s inputs and the reason list inside the dialog, and closes it on Esc with focus back', async () => {
  const counting = (await materialLines()).filter((l) => l.ibal_reviewstatus === status('Count requested')).map((l) => String(l.ibal_name));
  await selectByName(counting);
  const button = bar().getByRole('button', { name: 'Record count', exact: true });
  await button.click();
  const frame = page.frameLocator('iframe');
  const input = frame.getByLabel(`Counted quantity of ${counting[0]}`);
  await input.waitFor();
  const frameBox = (await page.locator('iframe').boundingBox())!;
  const inputBox = (await input.boundingBox())!;
  expect(inputBox.x + inputBox.width).toBeLessThanOrEqual(frameBox.x + frameBox.width);
  expect(inputBox.x).toBeGreaterThanOrEqual(frameBox.x);
  await shot('2-record-count-dialog');
  await input.press('Escape');
  await page.locator('iframe').waitFor({ state: 'detached' });
  await page.waitForTimeout(200);
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Record count');
  await page.getByRole('button', { name: 'Refresh' }).click();
});

it('posts, refreshes IV status with true counts, and a batch whose status follows its lines, with its lines and totals on its form', async () => {
  const counted = (await materialLines()).filter((l) => l.ibal_reviewstatus === status('Counted')).slice(0, 3);
  await signInAs('Avery Approver');
  await selectByName(counted.map((l) => String(l.ibal_name)));
  expect(await command('Approve', async (dialog) => {
    await dialog.getByRole('combobox').selectOption('Receiving error');
    await dialog.getByRole('textbox').fill('Receipts booked twice');
    await dialog.getByRole('button', { name: 'Approve 3' }).click();
  })).toContain('3 discrepancies approved.');
  await selectByName(counted.map((l) => String(l.ibal_name)));
  expect(await command('Post to Inventory Visibility', async (dialog) => dialog.getByRole('button', { name: 'Post 3 corrections' }).click()))
    .toContain('3 discrepancies posted to Inventory Visibility.');
  let summary = '';
  for (let attempt = 0; attempt < 30 && !summary.includes('3 lines synced'); attempt += 1) {
    await selectByName(counted.map((l) => String(l.ibal_name)));
    summary = await command('Refresh IV status');
    await page.waitForTimeout(500);
  }
  expect(summary).toContain('Of 3 posted lines: 3 lines synced to D365.');
  expect(summary).not.toContain('not changed');

  await nav('Posting batches');
  const batchRow = page.getByRole('table').getByRole('row').nth(1);
  await batchRow.getByText('Synced').waitFor();
  await batchRow.getByRole('button').first().click();
  const form = page.getByRole('dialog');
  await form.getByText('Posting batch:', { exact: false }).waitFor();
  expect(await form.innerText()).not.toContain('"statusCode"'); // the raw responses are on their own tab
  await form.getByRole('tab', { name: 'Totals' }).click();
  const totalsFrame = form.frameLocator('iframe[title="Totals by warehouse and reason"]');
  await totalsFrame.getByRole('table', { name: 'Warehouse' }).waitFor();
  expect(await totalsFrame.getByRole('table', { name: 'Reason' }).innerText()).toContain('Receiving error');
  expect(await form.innerText()).toMatch(/Total: 3 lines, quantity/);
  await form.getByRole('tab', { name: 'Lines' }).click();
  await form.getByRole('region', { name: 'Lines' }).getByRole('row').nth(3).waitFor();
  expect(await form.getByRole('region', { name: 'Lines' }).getByRole('row').count()).toBe(4);
  await shot('3-posting-batch');
  await form.getByRole('button', { name: 'Close' }).click();
  await signInAs('Riley Reviewer');
});

it('goes from a run to its discrepancies in one click, and from a discrepancy to its history', async () => {
  await nav('Snapshot runs');
  const run = page.getByRole('table').getByRole('row').filter({ hasText: String(latestRun.ibal_name) });
  await run.getByRole('button', { name: /^Discrepancies/ }).click();
  await page.getByText(`of run ${String(latestRun.ibal_name)}`).waitFor();
  const ofRun = await api(`ibal_discrepancies?$select=ibal_discrepancyid&$filter=_ibal_run_value eq ${String(latestRun.ibal_snapshotrunid)} and ibal_classification eq ${MATERIAL}`);
  await totals().filter({ hasText: `Material in the whole view: ${count(ofRun.length)} differences` }).waitFor();

  // A key Material in several runs: its history shows the earlier runs and the review steps.
  const lines = await materialLines();
  const earlier = await api(`ibal_discrepancies?$select=ibal_keyhash&$filter=ibal_keyhash eq '${String(lines.find((l) => l.ibal_reviewstatus !== status('New'))!.ibal_keyhash)}'`);
  const reviewed = lines.find((l) => l.ibal_reviewstatus !== status('New'))!;
  await page.getByRole('searchbox', { name: 'Search this view' }).fill(String(reviewed.ibal_name));
  await page.getByText('1 of 1 loaded').waitFor();
  await page.waitForTimeout(300);
  await dataRows().filter({ hasText: String(reviewed.ibal_name) }).first().dblclick();
  const form = page.getByRole('dialog');
  await form.getByRole('tab', { name: 'History' }).click();
  const history = form.frameLocator('iframe[title="History"]');
  await history.getByRole('table', { name: 'Runs of this key' }).waitFor();
  expect(await history.getByRole('table', { name: 'Runs of this key' }).getByRole('row').count()).toBe(earlier.length + 1);
  const steps = await history.getByRole('table', { name: 'Review steps' }).innerText();
  expect(steps).toContain('Riley Reviewer');
  expect(steps).toMatch(/Counted: \d/);
  await shot('4-history');
  await form.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'Show every run' }).click();
});

it('shows the threshold rules the first run put into Dataverse, and each run records the rules it used', async () => {
  await nav('Threshold rules');
  const rules = await api('ibal_thresholdrules?$select=ibal_name');
  expect(rules.length).toBeGreaterThan(0);
  for (const rule of rules) await page.getByRole('table').getByText(String(rule.ibal_name), { exact: true }).waitFor();
  expect(String(latestRun.ibal_rulesused)).toMatch(/^The active threshold rules in Dataverse:\n• /);
});

it('draws the finance dashboard\'s charts from the solution over their views', async () => {
  await nav('Finance dashboard');
  for (const name of ['Material differences per run', 'Material value by warehouse', 'Discrepancies by reason', 'Open lines by run (age)', 'Value by likely cause']) {
    await page.getByRole('img', { name }).waitFor();
  }
  await page.waitForTimeout(300);
  await shot('5-dashboard');
});

it('lays the runs table and the grid out without overlap at 1440 and 1024 pixels, and shows the IV fault switch as it is', async () => {
  for (const width of [1440, 1024]) {
    const small = await newPage(width, 768);
    await small.goto(`${origin}/`);
    await totals(small).waitFor();
    await nav('Snapshot runs', small);
    await small.getByRole('table').getByRole('row').nth(4).waitFor();
    // No cell's text runs into the next: every cell clips (ellipsis) within its own box, and cells do not overlap.
    const overlaps = await small.getByRole('table').evaluate((table) => {
      const found: string[] = [];
      for (const row of table.querySelectorAll('tr')) {
        const cells = [...row.children].map((c) => c.getBoundingClientRect());
        for (let i = 1; i < cells.length; i += 1) if (cells[i]!.left < cells[i - 1]!.right - 0.5) found.push(`${row.textContent}`);
        for (const cell of row.querySelectorAll('span')) {
          const inner = cell as HTMLElement;
          if (inner.scrollWidth > inner.clientWidth && getComputedStyle(inner).textOverflow !== 'ellipsis') found.push(inner.textContent ?? '');
        }
      }
      return found;
    });
    expect(overlaps).toEqual([]);
    await shot(`6-runs-${width}`, small);
    await small.close();
  }
  await page.getByRole('button', { name: 'Sandbox settings' }).click();
  await page.getByRole('switch').check();
  await page.getByRole('button', { name: 'Close' }).click();
  await page.reload();
  await page.getByRole('button', { name: 'Sandbox settings' }).click();
  expect(await page.getByRole('switch').isChecked()).toBe(true);
  await page.getByRole('switch').uncheck();
  await page.getByRole('button', { name: 'Close' }).click();
});
