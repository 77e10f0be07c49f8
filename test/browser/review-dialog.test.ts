import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import type { DialogRequest } from '../../webresources/dialog/contract';

/**
 * The built review dialog page (out/webresources/pages/review.html, as the solution ships it) in Debian's Chromium,
 * at the size the command handlers open it: what a user sees and what it answers. Screenshots go to test/artifacts/.
 */
const root = join(__dirname, '..', '..');
const artifacts = join(root, 'test', 'artifacts');
let browser: Browser;
beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}, 60000);
afterAll(async () => { await browser?.close(); });

async function open(request: DialogRequest, size: { width: number; height: number }) {
  const page = await browser.newPage({ viewport: size });
  await page.route(/^https?:/, (route) => route.abort());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${pathToFileURL(join(root, 'out', 'webresources', 'pages', 'review.html')).href}?data=${encodeURIComponent(JSON.stringify(request))}`);
  return { page, errors };
}

const impact = (lines: number, quantity: number, absoluteValue: number, netValue: number) => ({ lines, quantity, absoluteValue, netValue });

it('asks finance to confirm the whole impact of a posting, by warehouse and reason', async () => {
  const { page, errors } = await open({ kind: 'confirmPost', total: impact(42, -118, 3412.5, -2980.1),
    byWarehouse: { 'WH-11': impact(30, -100, 2900, -2900), 'WH-24': impact(12, -18, 512.5, -80.1) },
    byReason: { Shrink: impact(25, -90, 2100, -2100), 'Receiving error': impact(17, -28, 1312.5, -880.1) } }, { width: 640, height: 560 });
  await page.getByRole('button', { name: 'Post 42 corrections' }).waitFor();
  expect(await page.getByRole('table', { name: 'Warehouse' }).getByRole('row').count()).toBe(3);
  await page.screenshot({ path: join(artifacts, 'review-confirm-post.png'), animations: 'disabled' });
  await page.getByRole('button', { name: 'Post 42 corrections' }).click();
  expect(JSON.parse(await page.evaluate(() => (window as Window & { returnValue?: string }).returnValue ?? 'null'))).toEqual({ kind: 'confirmPost', confirmed: true });
  expect(errors).toEqual([]);
});

it('collects a reason and the confirming comment for a large approval', async () => {
  const { page, errors } = await open({ kind: 'approve', lines: 3, correctionValue: 4820, confirmAboveValue: 1000 }, { width: 480, height: 420 });
  const approve = page.getByRole('button', { name: 'Approve 3' });
  await approve.waitFor();
  expect(await approve.isDisabled()).toBe(true);
  await page.getByRole('combobox').selectOption('Receiving error');
  await page.getByRole('textbox').fill('Confirmed by the DC manager: pallet booked twice');
  await page.waitForSelector('button:has-text("Approve 3"):not([disabled])');
  await page.screenshot({ path: join(artifacts, 'review-approve.png'), animations: 'disabled' });
  await approve.click();
  expect(JSON.parse(await page.evaluate(() => (window as Window & { returnValue?: string }).returnValue ?? 'null')))
    .toEqual({ kind: 'approve', reasonCode: 'Receiving error', comment: 'Confirmed by the DC manager: pallet booked twice' });
  expect(errors).toEqual([]);
});
