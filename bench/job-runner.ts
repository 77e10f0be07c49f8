/** Runs `ibal reconcile` in its own process, as the CLI does, and reports its time and peak memory. */
import { runCli } from '../job/cli.js';

const [config, outDir, history, ...extra] = process.argv.slice(2) as [string, string, string, ...string[]];
const started = performance.now();
const code = await runCli(['reconcile', '--config', config, '--out', outDir, '--history', history, '--quiet', ...extra],
  { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
if (code !== 0) process.exit(code);
process.stdout.write(`${JSON.stringify({ seconds: (performance.now() - started) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024,
  cpuSeconds: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1e6 })}\n`);
