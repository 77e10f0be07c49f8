/**
 * `npm run bench:grid`: the VarianceGrid with 10,000 rows in Debian's Chromium, against the same grid with 100 rows
 * as the baseline in the same run. Prints time to first paint of the rows and row elements in the DOM for both.
 * Goal: first paint ≤ 500 ms and ≤ 100 row elements with 10,000 rows.
 */
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const bundle = await build({
  entryPoints: [resolve('bench', 'grid', 'page.tsx')], bundle: true, write: false, minify: true, format: 'iife',
  define: { 'process.env.NODE_ENV': '"production"' }, jsx: 'transform', logLevel: 'silent',
});
const script = bundle.outputFiles[0]!.text;
const server = createServer((req, res) => {
  if (req.url?.startsWith('/page.js')) { res.writeHead(200, { 'Content-Type': 'text/javascript' }); res.end(script); return; }
  res.writeHead(200, { 'Content-Type': 'text/html' });
  res.end('<!doctype html><html><body style="margin:0"><div id="root"></div><script src="/page.js"></script></body></html>');
});
await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
const port = (server.address() as { port: number }).port;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });

async function measure(rows: number): Promise<{ firstPaint: number; rowElements: number }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
  await page.goto(`http://127.0.0.1:${port}/?rows=${rows}`);
  // These run in the page, where the globals are the browser's.
  type PageGlobals = { firstPaint?: number; document: { querySelectorAll(selector: string): { length: number } } };
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).firstPaint !== undefined);
  const result = await page.evaluate(() => ({ firstPaint: (globalThis as unknown as PageGlobals).firstPaint!,
    rowElements: (globalThis as unknown as PageGlobals).document.querySelectorAll('[role=row][data-row-id]').length }));
  await page.close();
  return result;
}

const runs = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = { baseline: [] as Array<{ firstPaint: number; rowElements: number }>, large: [] as Array<{ firstPaint: number; rowElements: number }> };
for (let i = 0; i < runs; i += 1) {
  results.baseline.push(await measure(100));
  results.large.push(await measure(10000));
}
await browser.close();
server.close();
const base = median(results.baseline.map((r) => r.firstPaint));
const large = median(results.large.map((r) => r.firstPaint));
const elements = Math.max(...results.large.map((r) => r.rowElements));
process.stdout.write(`VarianceGrid first paint: 10,000 rows ${large.toFixed(0)} ms, 100 rows (baseline) ${base.toFixed(0)} ms, ratio ${(large / base).toFixed(2)}×\n`
  + `row elements in the DOM with 10,000 rows: ${elements}\n`
  + `goal: ≤ 500 ms ${large <= 500 ? 'met' : 'NOT met'}, ≤ 100 row elements ${elements <= 100 ? 'met' : 'NOT met'}\n`);
