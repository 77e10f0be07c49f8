import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * The built control in Microsoft's own harness (pcf-start) in Debian's Chromium: rows, highlights and totals render
 * from a discrepancy dataset, untrusted text stays text. `npm test` builds the control first; `.ci/run` installs
 * chromium. The screenshot is written to test/artifacts/ (not committed).
 */
const root = join(__dirname, '..', '..');
const artifacts = join(root, 'test', 'artifacts');
let harness: ChildProcess;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync('/usr/bin/chromium')) throw new Error('Debian\'s chromium is needed: apt-get update && apt-get install -y chromium');
  harness = spawn(process.execPath, [join(root, 'node_modules', 'pcf-start', 'bin', 'pcf-start.js'), '--codePath', join(root, 'out', 'controls'), '--open', 'false'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    harness.stdout!.on('data', (chunk: Buffer) => { if (chunk.toString().includes('Serving files')) resolve(); });
    harness.on('exit', (code) => reject(new Error(`pcf-start exited ${code}`)));
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // Only 127.0.0.1: the harness's React comes from the local packages instead of a CDN. The catch-all goes first
  // because Playwright tries the most recently registered route first.
  await page.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, (route) => route.abort());
  for (const lib of ['react', 'react-dom']) {
    await page.route(`https://unpkg.com/${lib}@16.14.0/umd/${lib}.development.js`,
      (route) => route.fulfill({ path: join(root, 'node_modules', lib, 'umd', `${lib}.development.js`), contentType: 'text/javascript' }));
  }
}, 60000);

afterAll(async () => {
  await browser?.close();
  harness?.kill();
});

it('renders a discrepancy dataset with highlights, flags and totals, and keeps untrusted text as text', async () => {
  await page.goto('http://127.0.0.1:8181/');
  await page.setInputFiles('#discrepanciesInput', join(root, 'test', 'fixtures', 'pcf', 'discrepancies.csv'));
  await page.getByRole('button', { name: 'Apply the data' }).click();
  const types = await page.$$('select');
  for (const select of types.slice(1)) {
    const label = await select.evaluate((s) => s.closest('div')?.parentElement?.textContent ?? '');
    if (/(qty|variance|residual|unitcost)/.test(label)) await select.selectOption('Decimal');
    if (/classification/.test(label)) await select.selectOption('Whole.None');
  }
  await page.locator('input[value="Apply"]').last().click();
  await page.waitForSelector('[data-row-id]');
  await page.evaluate(() => window.scrollTo(0, 0));
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, 'harness-grid.png') });

  expect(await page.$$eval('[data-row-id]', (rows) => rows.length)).toBe(5);
  expect(await page.$$eval('[data-classification]', (cells) => cells.map((c) => c.getAttribute('data-classification'))))
    .toEqual(['Material', 'Immaterial', 'Timing', 'Material', 'Material']);
  // 400 + 0 + 12.75 = 412.75 absolute; -400 + 0 + 12.75 = -387.25 net, whatever the harness's language.
  expect(await page.textContent('[role=status]')).toMatch(/412\.75.*387\.25/);
  expect(await page.$$('img')).toHaveLength(0);
  expect(await page.textContent('body')).toContain('<img src=x o');
}, 60000);
