/**
 * Posts approved corrections to D365 as journals through data management, exactly once (issue 16):
 *
 * 1. The batch's plan (journal, line number and stable id of every line) is recorded before D365 hears of it.
 * 2. Per journal: finish any import recorded earlier (its execution id was recorded before the call), read what D365
 *    already has of the journal (OData, by the journal's description and line numbers), and send only what is missing:
 *    GetAzureWriteUrl → upload → ImportFromPackage under an execution id recorded first → GetExecutionSummaryStatus.
 * 3. Each line comes out Posted (with D365's journal number) or Post error (with D365's message); `refresh` later
 *    turns Posted into Synced once D365 has posted the journal, or Sync error when the line is gone.
 *
 * Independent of who calls it: corrections in, outcomes out, and a small store for "record before the call"
 * (the review service keeps it in Dataverse; `FileJournalPostingStore` keeps it in a file for the CLI).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse } from 'csv-parse/sync';
import {
  JOURNAL_ENTITIES, TERMINAL_STATUSES, journalHeaderRowSchema, journalLineRowSchema, odataLiteral, type ExecutionStatus, type JournalType,
} from '../../core/d365.js';
import { journalPackageFiles, planJournals, type JournalCorrection, type JournalSettings, type PlannedJournal, type PostingBatchRef } from '../../core/d365-journal.js';
import { D365RequestError, type D365Client } from './client.js';
import { journalPackageZip } from './journal-package.js';

export interface RecordedLine { lineId: string; lineNumber: number; discrepancyId: string }
export interface RecordedJournal { reference: string; company: string; fileJournalNumber: string; part: number; parts: number; lines: RecordedLine[] }
export interface RecordedExecution { reference: string; executionId: string; lineIds: string[]; settled: boolean }
export interface PostingRecord {
  type: JournalType;
  journals: RecordedJournal[];
  /** Corrections the journal type cannot take, with the reason (they never go to D365). */
  refused: Array<{ discrepancyId: string; reason: string }>;
  executions: RecordedExecution[];
}

export type LineOutcome =
  | { discrepancyId: string; lineId: string; status: 'Posted' | 'Synced'; journalNumber: string }
  | { discrepancyId: string; lineId: string; status: 'Post error' | 'Sync error'; message: string };

/** "Record before the call": written before D365 is asked anything that could create a line. */
export interface JournalPostingStore {
  load(batchId: string): Promise<PostingRecord | undefined>;
  recordPlan(batchId: string, record: PostingRecord): Promise<void>;
  /** Adds or updates one execution (by its id). */
  recordExecution(batchId: string, execution: RecordedExecution): Promise<void>;
  recordOutcomes(batchId: string, outcomes: readonly LineOutcome[]): Promise<void>;
}

export interface JournalPosterOptions {
  client: D365Client;
  /** The import data project (definition group) that takes the journal type's header and lines entities. */
  definitionGroup: string;
  settings: JournalSettings;
  store: JournalPostingStore;
  /** How long to follow an import before leaving it running (it is followed up on the next post). */
  deadlineMs?: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  log?: (text: string) => void;
}

export interface PostingResult { outcomes: LineOutcome[]; stillRunning: string[] }

const shortId = (id: string) => id.replace(/[^0-9a-z]/gi, '').slice(0, 8).toLowerCase();

export class D365JournalPoster {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: JournalPosterOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  async post(batch: PostingBatchRef, corrections: readonly JournalCorrection[]): Promise<PostingResult> {
    const { store } = this.options;
    let record = await store.load(batch.batchId);
    const outcomes: LineOutcome[] = [];
    if (!record) {
      const plan = planJournals(batch, corrections, this.options.settings);
      record = {
        type: plan.type, refused: plan.refused, executions: [],
        journals: plan.journals.map((j) => ({ reference: j.reference, company: j.company, fileJournalNumber: j.fileJournalNumber, part: j.part, parts: j.parts,
          lines: j.lines.map((l) => ({ lineId: l.lineId, lineNumber: l.lineNumber, discrepancyId: l.correction.discrepancyId })) })),
      };
      // Before D365 hears of any line: a process that dies after this resumes with the same ids and line numbers.
      await store.recordPlan(batch.batchId, record);
    }
    for (const r of record.refused) outcomes.push({ discrepancyId: r.discrepancyId, lineId: '', status: 'Post error', message: r.reason });
    const byId = new Map(corrections.map((c) => [c.discrepancyId, c]));
    const stillRunning: string[] = [];
    for (const journal of record.journals) {
      const result = await this.postJournal(batch, record, journal, byId);
      outcomes.push(...result.outcomes);
      stillRunning.push(...result.stillRunning);
    }
    if (outcomes.length > 0) await store.recordOutcomes(batch.batchId, outcomes);
    return { outcomes, stillRunning };
  }

  /** Synced once D365 has posted the journal holding the line; Sync error when D365 no longer has the line. */
  async refresh(batchId: string, lineIds?: readonly string[]): Promise<LineOutcome[]> {
    const record = await this.options.store.load(batchId);
    if (!record) return [];
    const outcomes: LineOutcome[] = [];
    for (const journal of record.journals) {
      const { present, headers } = await this.inD365(record.type, journal);
      for (const line of journal.lines) {
        if (lineIds && !lineIds.includes(line.lineId)) continue;
        const number = present.get(line.lineNumber);
        if (number === undefined) {
          outcomes.push({ discrepancyId: line.discrepancyId, lineId: line.lineId, status: 'Sync error',
            message: `D365 has no line ${line.lineNumber} in the journal '${journal.reference}' (was the journal or the line deleted?)` });
        } else if (headers.get(number)?.IsPosted === 'Yes') {
          outcomes.push({ discrepancyId: line.discrepancyId, lineId: line.lineId, status: 'Synced', journalNumber: number });
        }
      }
    }
    if (outcomes.length > 0) await this.options.store.recordOutcomes(batchId, outcomes);
    return outcomes;
  }

  private async postJournal(batch: PostingBatchRef, record: PostingRecord, journal: RecordedJournal, byId: Map<string, JournalCorrection>): Promise<PostingResult> {
    const { client, store } = this.options;
    const label = `journal '${journal.reference}'`;
    // An import recorded before but never followed up (the process died): finish following it before reading D365,
    // or its lines would look missing and be sent twice.
    for (const execution of record.executions.filter((e) => e.reference === journal.reference && !e.settled)) {
      const status = await this.follow(execution.executionId, true);
      if (status === 'running') return { outcomes: [], stillRunning: [execution.executionId] };
      execution.settled = true;
      await store.recordExecution(batch.batchId, execution);
    }
    const before = await this.inD365(record.type, journal);
    const missing = journal.lines.filter((l) => !before.present.has(l.lineNumber));
    const outcomes: LineOutcome[] = journal.lines.filter((l) => before.present.has(l.lineNumber))
      .map((l) => ({ discrepancyId: l.discrepancyId, lineId: l.lineId, status: 'Posted' as const, journalNumber: before.present.get(l.lineNumber)! }));
    if (missing.length === 0) return { outcomes, stillRunning: [] };

    const unknown = missing.filter((l) => !byId.has(l.discrepancyId));
    for (const l of unknown) outcomes.push({ discrepancyId: l.discrepancyId, lineId: l.lineId, status: 'Post error', message: 'The correction was not handed to the poster again; post the batch with all its lines.' });
    const toSend = missing.filter((l) => byId.has(l.discrepancyId));
    if (toSend.length === 0) return { outcomes, stillRunning: [] };

    // Lines join the journal D365 already has open for this batch part; otherwise the package creates it.
    const open = [...before.headers.values()].find((h) => h.IsPosted === 'No');
    const planned: PlannedJournal = { reference: journal.reference, fileJournalNumber: journal.fileJournalNumber, company: journal.company, part: journal.part,
      parts: journal.parts, impact: { lines: 0, quantity: 0, absoluteValue: 0, netValue: 0 },
      lines: toSend.map((l) => ({ lineId: l.lineId, lineNumber: l.lineNumber, correction: byId.get(l.discrepancyId)! })) };
    const zip = journalPackageZip(journalPackageFiles(record.type, planned, planned.lines, this.options.settings, this.options.definitionGroup,
      open?.JournalNumber ?? journal.fileJournalNumber));
    const attempt = record.executions.filter((e) => e.reference === journal.reference).length + 1;
    const execution: RecordedExecution = { reference: journal.reference, executionId: `ibal-${shortId(batch.batchId)}-${journal.company}-${journal.part}-${attempt}`,
      lineIds: toSend.map((l) => l.lineId), settled: false };
    record.executions.push(execution);
    // Before the import can arrive: a process that dies after this follows the execution up instead of sending again.
    await store.recordExecution(batch.batchId, execution);
    this.options.log?.(`${label}: sending ${toSend.length} line(s) as execution ${execution.executionId}\n`);
    try {
      const { BlobUrl } = await client.azureWriteUrl(`${execution.executionId}.zip`);
      await client.upload(BlobUrl, zip);
      await client.importFromPackage({ packageUrl: BlobUrl, definitionGroupId: this.options.definitionGroup, executionId: execution.executionId,
        execute: true, overwrite: true, legalEntityId: journal.company });
    } catch (error) {
      // A lost answer to a call that did arrive: D365 refuses the execution id the second time. Follow it up as usual.
      const arrived = error instanceof D365RequestError && /already exists/i.test(error.message);
      if (!arrived) {
        execution.settled = true;
        await store.recordExecution(batch.batchId, execution);
        const message = `D365 refused the journal package: ${(error as Error).message}`;
        return { outcomes: [...outcomes, ...toSend.map((l) => ({ discrepancyId: l.discrepancyId, lineId: l.lineId, status: 'Post error' as const, message }))], stillRunning: [] };
      }
    }
    const status = await this.follow(execution.executionId, false);
    if (status === 'running') return { outcomes, stillRunning: [execution.executionId] };
    execution.settled = true;
    await store.recordExecution(batch.batchId, execution);
    const after = await this.inD365(record.type, journal);
    const failedMessages = status === 'Succeeded' ? new Map<number, string>() : await this.lineErrors(record.type, execution.executionId, status);
    for (const l of toSend) {
      const number = after.present.get(l.lineNumber);
      if (number !== undefined) outcomes.push({ discrepancyId: l.discrepancyId, lineId: l.lineId, status: 'Posted', journalNumber: number });
      else outcomes.push({ discrepancyId: l.discrepancyId, lineId: l.lineId, status: 'Post error',
        message: failedMessages.get(l.lineNumber) ?? failedMessages.get(0) ?? `D365 did not create line ${l.lineNumber} (execution ${execution.executionId} ended ${status})` });
    }
    return { outcomes, stillRunning: [] };
  }

  /**
   * Waits for an execution to end. `mayBeUnknown`: an execution recorded before a call that may never have arrived;
   * D365 not knowing it means nothing was imported.
   */
  private async follow(executionId: string, mayBeUnknown: boolean): Promise<ExecutionStatus | 'running' | 'unknown'> {
    const deadline = this.now() + (this.options.deadlineMs ?? 30 * 60000);
    for (;;) {
      let status: ExecutionStatus;
      try {
        status = await this.options.client.executionStatus(executionId);
      } catch (error) {
        if (mayBeUnknown && error instanceof D365RequestError && error.status === 400 && /not found/i.test(error.message)) return 'unknown';
        throw error;
      }
      if (TERMINAL_STATUSES.includes(status)) return status;
      if (this.now() >= deadline) return 'running';
      await this.sleep(this.options.pollMs ?? 10000);
    }
  }

  /** D365's messages per line number (0: messages for no particular line), from GetExecutionErrors and the error keys file. */
  private async lineErrors(type: JournalType, executionId: string, status: string): Promise<Map<number, string>> {
    const { client } = this.options;
    const messages = new Map<number, string[]>();
    const add = (line: number, message: string) => messages.set(line, [...(messages.get(line) ?? []), message]);
    for (const item of await client.executionErrors(executionId)) {
      const entry = item as { LineNumber?: unknown; ErrorMessage?: unknown; message?: unknown };
      const text = String(entry.ErrorMessage ?? entry.message ?? (typeof item === 'string' ? item : JSON.stringify(item)));
      const line = Number(entry.LineNumber ?? /^Line (\d+):/.exec(text)?.[1] ?? 0);
      add(Number.isFinite(line) ? line : 0, text);
    }
    // The error keys file names the lines that failed from staging to target, even where the messages do not.
    const entity = JOURNAL_ENTITIES[type].lineEntity;
    if (await client.generateTargetErrorKeys(executionId, entity)) {
      let url = '';
      for (let i = 0; i < 10 && url === ''; i += 1) {
        url = await client.targetErrorKeysUrl(executionId, entity);
        if (url === '') await this.sleep(this.options.pollMs ?? 10000);
      }
      if (url !== '') {
        const { bytes } = await client.download(url);
        const rows = parse(bytes.toString('utf8').replace(/^\uFEFF/, ''), { columns: (h: string[]) => h.map((c) => c.toUpperCase()), skip_empty_lines: true }) as Array<Record<string, string>>;
        for (const row of rows) {
          const line = Number(row.LINENUMBER);
          if (Number.isFinite(line) && !messages.has(line)) add(line, `D365 could not import line ${line} (execution ${executionId} ended ${status}; see the execution's log in Data management)`);
        }
      }
    }
    return new Map([...messages].map(([line, list]) => [line, list.join(' ')]));
  }

  /** What D365 has of a journal: its headers (by the journal's description) and which line numbers it holds, in which journal. */
  private async inD365(type: JournalType, journal: RecordedJournal): Promise<{ headers: Map<string, { IsPosted: string; JournalNumber: string }>; present: Map<number, string> }> {
    const { client } = this.options;
    const entities = JOURNAL_ENTITIES[type];
    const company = `dataAreaId eq ${odataLiteral(journal.company)}`;
    const headers = new Map<string, { IsPosted: string; JournalNumber: string }>();
    for (const raw of await client.readAll(`${entities.headerSet}?cross-company=true&$filter=${encodeURIComponent(`${company} and Description eq ${odataLiteral(journal.reference)}`)}`)) {
      const h = journalHeaderRowSchema.parse(raw);
      headers.set(h.JournalNumber, { IsPosted: h.IsPosted, JournalNumber: h.JournalNumber });
    }
    const present = new Map<number, string>();
    for (const number of headers.keys()) {
      const filter = encodeURIComponent(`${company} and JournalNumber eq ${odataLiteral(number)}`);
      for (const raw of await client.readAll(`${entities.lineSet}?cross-company=true&$filter=${filter}&$select=dataAreaId,JournalNumber,LineNumber,ItemNumber`)) {
        const l = journalLineRowSchema.parse(raw);
        if (!present.has(l.LineNumber)) present.set(l.LineNumber, l.JournalNumber);
      }
    }
    return { headers, present };
  }
}

/** The store in a JSON file, replaced atomically on every write (a kill never leaves half a record). */
export class FileJournalPostingStore implements JournalPostingStore {
  constructor(private readonly path: string) {}

  private all(): Record<string, PostingRecord & { outcomes?: Record<string, LineOutcome> }> {
    return existsSync(this.path) ? JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, PostingRecord> : {};
  }
  private save(all: Record<string, unknown>): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(`${this.path}.tmp`, JSON.stringify(all, null, 2));
    renameSync(`${this.path}.tmp`, this.path);
  }
  async load(batchId: string): Promise<PostingRecord | undefined> { return this.all()[batchId]; }
  async recordPlan(batchId: string, record: PostingRecord): Promise<void> { this.save({ ...this.all(), [batchId]: record }); }
  async recordExecution(batchId: string, execution: RecordedExecution): Promise<void> {
    const all = this.all();
    const record = all[batchId]!;
    record.executions = [...record.executions.filter((e) => e.executionId !== execution.executionId), execution];
    this.save(all);
  }
  async recordOutcomes(batchId: string, outcomes: readonly LineOutcome[]): Promise<void> {
    const all = this.all();
    const record = all[batchId]!;
    record.outcomes = { ...record.outcomes, ...Object.fromEntries(outcomes.map((o) => [o.discrepancyId, o])) };
    this.save(all);
  }
  outcomes(batchId: string): Record<string, LineOutcome> { return this.all()[batchId]?.outcomes ?? {}; }
}
