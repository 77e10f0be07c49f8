/** Progress of a long run on stderr: each phase, lines read per file, and the summary table at the end. */
import type { RunSummary } from '../core/run.js';

export class Progress {
  private readonly started = Date.now();
  private phaseStarted = Date.now();

  constructor(private readonly write: ((text: string) => void) | undefined,
    private readonly writeWarning: ((text: string) => void) | undefined) {}

  phase(name: string): void {
    this.phaseStarted = Date.now();
    this.write?.(`[${this.elapsed()}] ${name}\n`);
  }

  /** A file read: its lines and those the reader could not parse (the checks of each line come later; the summary counts all rejects). */
  file(source: string, label: string, read: number, malformed: number): void {
    const took = ((Date.now() - this.phaseStarted) / 1000).toFixed(1);
    this.write?.(`[${this.elapsed()}]   ${source}: ${label}: ${read.toLocaleString('en-US')} lines read, `
      + `${malformed.toLocaleString('en-US')} malformed (${took} s)\n`);
  }

  warn(message: string): void {
    // Warnings show even when quiet: they change how the result should be read.
    this.writeWarning?.(`warning: ${message}\n`);
  }

  summary(summary: RunSummary, outDir: string): void {
    if (!this.write) return;
    const n = (x: number) => x.toLocaleString('en-US');
    const money = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const rows: string[][] = [['file', 'read', 'accepted', 'rejected', 'out of scope'],
      ...summary.files.map((f) => [`${f.source} (${f.file})`, n(f.read), n(f.accepted), n(f.rejected), n(f.outOfScope)])];
    const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    const table = rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
    const c = summary.classifications;
    this.write(`\n${table}\n\nkeys compared ${n(summary.keysCompared)}: Material ${n(c.Material)}, Timing ${n(c.Timing)}, `
      + `Immaterial ${n(c.Immaterial)}, Balanced ${n(c.Balanced)}${summary.incompleteKeys > 0 ? `; ${n(summary.incompleteKeys)} incomplete` : ''}\n`
      + `material value: absolute ${money(summary.material.absoluteValue)}, net ${money(summary.material.netValue)}\n`
      + summary.causes.systematic.map((f) => `systematic: ${f.text}\n`).join('')
      + `run ${summary.runId} written to ${outDir} in ${this.elapsed()}\n`);
  }

  private elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1)} s`;
  }
}
