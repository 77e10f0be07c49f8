/**
 * `ibal reconcile --engine spark` as a user runs it: it starts Spark with spark-submit, says what it does phase by
 * phase like the DuckDB path, and answers bad input with exit 2 naming the file.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Scenario, d365Row, wmsRow } from '../helpers/scenario';
import { describeSpark } from '../helpers/spark';

const run = promisify(execFile);
const bin = join(__dirname, '..', '..', 'node_modules', '.bin', 'ibal');

describeSpark('ibal reconcile --engine spark', () => {
  it('runs the compare on a local Spark, shows its phases and the summary, and writes what the DuckDB path writes', async () => {
    const s = new Scenario().costs({ A: 1, B: 2 }).d365([d365Row('A', '11', 10), d365Row('B', '11', 5)])
      .wms([wmsRow('A', 'DAL1', 4), wmsRow('B', 'DAL1', 5), wmsRow('C', 'DAL7', 1)]);
    const config = s.writeConfig();
    const { stderr } = await run(bin, ['reconcile', '--config', config, '--out', join(s.dir, 'spark'), '--engine', 'spark', '--spark-master', 'local[2]'],
      { timeout: 240_000 });
    expect(stderr).toMatch(/starting Spark \(master local\[2\]\)/);
    expect(stderr).toMatch(/Spark 3\.5\.\d+ is running the compare/);
    expect(stderr).toMatch(/wms\.onHand: wms\.csv: 3 lines read, 0 malformed/);
    expect(stderr).toMatch(/wms\.onHand \(wms\.csv\) +3 +2 +1 +0/);
    expect(stderr).toMatch(/comparing at item \+ site \+ warehouse/);
    expect(stderr).toMatch(/keys compared 2: Material 1, Timing 0, Immaterial 0, Balanced 1/);
    await run(bin, ['reconcile', '--config', config, '--out', join(s.dir, 'duckdb'), '--history', join(s.dir, 'duckdb.history')]);
    for (const file of ['discrepancies.csv', 'rejects.csv']) {
      expect(readFileSync(join(s.dir, 'spark', file), 'utf8')).toBe(readFileSync(join(s.dir, 'duckdb', file), 'utf8'));
    }
  }, 300_000);

  it('exits 2 naming the file when Spark cannot read an input, and leaves no output behind', async () => {
    const s = new Scenario().costs({ A: 1 }).d365([d365Row('A', '11', 10)]).wms([wmsRow('A', 'DAL1', 4)]);
    const wms = (s.config.wms as { onHand: { path: string } }).onHand;
    wms.path = `file://${join(s.dir, 'no-such-export.csv')}`;
    const failure = await run(bin, ['reconcile', '--config', s.writeConfig(), '--out', join(s.dir, 'out'), '--engine', 'spark', '--spark-master', 'local[1]'],
      { timeout: 240_000 }).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(/ibal reconcile: file:\/\/.*no-such-export\.csv: cannot be read as CSV by Spark \(.*(not exist|not found).*\) \(wms\.onHand\)/i);
    expect(existsSync(join(s.dir, 'out', 'run.json'))).toBe(false);
  }, 300_000);

  it('refuses an engine it does not know, and a Spark master without the Spark engine', async () => {
    const s = new Scenario();
    const config = s.writeConfig();
    const unknown = await run(bin, ['reconcile', '--config', config, '--out', join(s.dir, 'out'), '--engine', 'presto']).catch((e: { code: number; stderr: string }) => e);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('--engine presto: use duckdb or spark') });
    const mixed = await run(bin, ['reconcile', '--config', config, '--out', join(s.dir, 'out'), '--engine', 'duckdb', '--spark-master', 'local[2]'])
      .catch((e: { code: number; stderr: string }) => e);
    expect(mixed).toMatchObject({ code: 2, stderr: expect.stringContaining('--spark-master is for --engine spark') });
  });
});
