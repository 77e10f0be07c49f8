import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Scenario, d365Row, wmsRow } from '../helpers/scenario';

const run = promisify(execFile);
const bin = join(__dirname, '..', '..', 'node_modules', '.bin', 'ibal');

/** The `ibal` command as a user runs it (built by `npm test` before jest starts). */
describe('the ibal command', () => {
  it('reconciles, shows progress and a summary on stderr, and exits 0', async () => {
    const s = new Scenario().costs({ A: 1 }).d365([d365Row('A', '11', 10)]).wms([wmsRow('A', 'DAL1', 4)]);
    const { stderr } = await run(bin, ['reconcile', '--config', s.writeConfig(), '--out', join(s.dir, 'out')]);
    expect(stderr).toMatch(/wms\.onHand: wms\.csv: 1 lines read, 0 malformed/);
    expect(stderr).toMatch(/keys compared 1: Material 1, Timing 0, Immaterial 0, Balanced 0/);
    for (const f of ['discrepancies.csv', 'rejects.csv', 'run.json']) expect(existsSync(join(s.dir, 'out', f))).toBe(true);
  });

  it('is silent with --quiet and exits 2 on unusable input', async () => {
    const s = new Scenario().costs({ A: 1 }).d365([d365Row('A', '11', 10)]).wms([wmsRow('A', 'DAL1', 10)]);
    const quiet = await run(bin, ['reconcile', '--config', s.writeConfig(), '--out', join(s.dir, 'out'), '--quiet']);
    expect(quiet.stderr).toBe('');
    const failure = await run(bin, ['reconcile', '--config', join(s.dir, 'nope.json'), '--out', join(s.dir, 'out')]).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2, stderr: expect.stringContaining('config file not found') });
  });
});
