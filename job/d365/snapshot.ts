/**
 * `ibal snapshot`: asks D365 and the WMS for their on-hand as of the same time, waits for both (with a deadline),
 * and downloads them into a run folder with a manifest (as-of times, sizes, SHA-256) and a config.json that
 * `ibal reconcile` runs on as it is. D365 through the data management package API (an export data project) or, for
 * small companies, OData page by page; the WMS as configured (README, "Coordinated snapshots").
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { describeConfigIssues, reconcileConfigSchema, type ReconcileConfig } from '../../core/config.js';
import { TERMINAL_STATUSES, odataLiteral } from '../../core/d365.js';
import { skewMinutes, skewWarning } from '../../core/run.js';
import type { SnapshotConfig, SnapshotFile, SnapshotManifest } from '../../core/snapshot.js';
import { InputError } from '../errors.js';
import { d365CredentialsFromEnv, d365TokenProvider } from './auth.js';
import { D365Client } from './client.js';
import { NotArrivedError, collectWmsFile, requestWmsSnapshot, type WaitOptions } from './wms-snapshot.js';

export interface SnapshotOptions {
  configPath: string;
  /** The run folder (created). */
  outDir: string;
  /** The as-of to ask both systems for; now by default. */
  asOf?: string | undefined;
  /** For tests and the sandbox: a client for D365 (else one is built from snapshot.d365.url and the environment's credentials). */
  d365?: D365Client | undefined;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: (text: string) => void;
}

export interface SnapshotResult { runDir: string; configPath: string; manifest: SnapshotManifest }

export { NotArrivedError };

/** Reads the job's config for a snapshot: the `snapshot` section is required, and the as-of times are the snapshot's to set. */
export function loadSnapshotConfig(configPath: string, requestedAsOf: string): { config: ReconcileConfig & { snapshot: SnapshotConfig }; raw: Record<string, unknown> } {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(configPath, 'utf8').replace(/^\uFEFF/, '')) as Record<string, unknown>;
  } catch (error) {
    throw new InputError(`${configPath}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'config file not found' : `not valid JSON (${(error as Error).message})`}`);
  }
  if (raw.snapshot === undefined) throw new InputError(`${configPath}: snapshot: missing (ibal snapshot needs the snapshot section: README, "Coordinated snapshots")`);
  // The as-of times come from what D365 and the WMS report; placeholders let the rest of the config be checked now.
  const withTimes = { ...raw, d365: { asOf: requestedAsOf, ...(raw.d365 as object) }, wms: { asOf: requestedAsOf, ...(raw.wms as object) } };
  const parsed = reconcileConfigSchema.safeParse(withTimes);
  if (!parsed.success) throw new InputError(`${configPath} is not a valid configuration:\n  ${describeConfigIssues(parsed.error).join('\n  ')}`);
  return { config: parsed.data as ReconcileConfig & { snapshot: SnapshotConfig }, raw };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export async function takeSnapshot(options: SnapshotOptions): Promise<SnapshotResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = options.log ?? (() => undefined);
  const startedOn = new Date(now()).toISOString();
  const requestedAsOf = options.asOf ?? startedOn;
  const { config, raw } = loadSnapshotConfig(options.configPath, requestedAsOf);
  const snap = config.snapshot;
  const configFolder = dirname(resolve(options.configPath));
  const runDir = resolve(options.outDir);
  mkdirSync(runDir, { recursive: true });
  const deadline = now() + snap.deadlineMinutes * 60000;
  const wait: WaitOptions = { deadline, pollMs: snap.pollSeconds * 1000, now, sleep, fetch: options.fetch ?? globalThis.fetch };
  const d365 = options.d365 ?? new D365Client({ baseUrl: snap.d365.url, token: d365TokenProvider(snap.d365.url, d365CredentialsFromEnv()) });
  const legalEntity = snap.d365.legalEntity ?? config.company;
  const files: SnapshotFile[] = [];
  const write = (role: SnapshotFile['role'], name: string, bytes: Uint8Array, source: string) => {
    writeFileSync(join(runDir, name), bytes);
    files.push({ role, file: name, bytes: bytes.length, sha256: sha256(bytes), source });
  };

  const d365Side = async (): Promise<SnapshotManifest['d365'] & { file: string }> => {
    const source = snap.d365.source;
    if (source.mode === 'package') {
      const executionId = `ibal-snapshot-${requestedAsOf.replace(/[-:.]/g, '')}-${Math.floor(now() / 1000)}`;
      log(`D365: ExportToPackage '${source.dataProject}' for ${legalEntity} (execution ${executionId})\n`);
      await d365.exportToPackage({ definitionGroupId: source.dataProject, packageName: 'd365-export.zip', executionId, reExecute: false, legalEntityId: legalEntity });
      // D365's clock when it took the export: the export reads the data as its execution starts.
      const asOf = d365.lastAnswerDate ?? new Date(now()).toISOString();
      let status = await d365.executionStatus(executionId);
      while (!TERMINAL_STATUSES.includes(status)) {
        if (now() >= deadline) throw new NotArrivedError(`the D365 export (data project '${source.dataProject}', execution ${executionId}) was still ${status}`);
        await sleep(wait.pollMs);
        status = await d365.executionStatus(executionId);
      }
      if (status !== 'Succeeded') {
        const errors = await d365.executionErrors(executionId).catch(() => []);
        throw new NotArrivedError(`the D365 export (data project '${source.dataProject}', execution ${executionId}) ended ${status}`
          + `${errors.length > 0 ? `: ${errors.map((e) => (typeof e === 'string' ? e : String((e as { ErrorMessage?: unknown }).ErrorMessage ?? JSON.stringify(e)))).join('; ')}` : ''}`);
      }
      const url = await d365.exportedPackageUrl(executionId);
      if (!url) throw new NotArrivedError(`D365 gave no package URL for execution ${executionId}`);
      const { bytes } = await d365.download(url);
      write('d365', 'd365-export.zip', bytes, `${snap.d365.url} data project '${source.dataProject}', execution ${executionId}`);
      return { asOf, mode: 'package', executionId, file: 'd365-export.zip' };
    }
    const filter = encodeURIComponent(`dataAreaId eq ${odataLiteral(legalEntity)}`);
    let asOf: string | undefined;
    log(`D365: reading ${source.entitySet} page by page\n`);
    const rows = await d365.readAll(`${source.entitySet}?${source.crossCompany ? 'cross-company=true&' : ''}$filter=${filter}`, source.pageSize,
      () => { asOf ??= d365.lastAnswerDate; });
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => !c.startsWith('@odata'));
    const bytes = Buffer.from(stringify([columns, ...rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? '' : String(r[c]))))]), 'utf8');
    write('d365', 'd365-onhand.csv', bytes, `${snap.d365.url}/data/${source.entitySet}`);
    return { asOf: asOf ?? new Date(now()).toISOString(), mode: 'odata', records: rows.length, file: 'd365-onhand.csv' };
  };

  const wmsSide = async (): Promise<{ asOf: string; onHand: string; inFlight: string | undefined }> => {
    let reported: string | undefined;
    if (snap.wms.request) {
      log(`WMS: requesting a snapshot as of ${requestedAsOf}\n`);
      reported = await requestWmsSnapshot(snap.wms.request, requestedAsOf, wait.fetch);
    }
    const onHand = await collectWmsFile(snap.wms.onHand, requestedAsOf, configFolder, wait, 'the WMS on-hand file (snapshot.wms.onHand)');
    const onHandName = `wms-${basename(onHand.name)}`;
    write('wms.onHand', onHandName, onHand.bytes, onHand.source);
    let inFlightName: string | undefined;
    if (snap.wms.inFlight) {
      const inFlight = await collectWmsFile(snap.wms.inFlight, requestedAsOf, configFolder, wait, 'the WMS in-flight file (snapshot.wms.inFlight)');
      inFlightName = `wms-inflight-${basename(inFlight.name)}`;
      write('wms.inFlight', inFlightName, inFlight.bytes, inFlight.source);
    }
    const asOf = snap.wms.asOf === 'response' ? reported : snap.wms.asOf === 'file-time' ? onHand.fileTime : requestedAsOf;
    if (!asOf) throw new InputError(`snapshot.wms.asOf is '${snap.wms.asOf}' but ${snap.wms.asOf === 'response' ? 'there is no snapshot.wms.request.asOfField' : 'the file has no time'}`);
    return { asOf, onHand: onHandName, inFlight: inFlightName };
  };

  const [d365Result, wmsResult] = await Promise.allSettled([d365Side(), wmsSide()]);
  const missing = [d365Result, wmsResult].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
  const fatal = missing.find((e) => !(e instanceof NotArrivedError));
  if (fatal) throw fatal;
  if (missing.length > 0) {
    throw new NotArrivedError(`the snapshot as of ${requestedAsOf} is incomplete after ${snap.deadlineMinutes} minutes (snapshot.deadlineMinutes):\n  ${missing.map((e) => e.message).join('\n  ')}`);
  }
  const d365Out = (d365Result as PromiseFulfilledResult<Awaited<ReturnType<typeof d365Side>>>).value;
  const wmsOut = (wmsResult as PromiseFulfilledResult<Awaited<ReturnType<typeof wmsSide>>>).value;

  const skew = skewMinutes(d365Out.asOf, wmsOut.asOf);
  const warnings = [skewWarning(skew, config.timing.maxSkewMinutes)].filter((w): w is string => w !== undefined);
  for (const w of warnings) log(`warning: ${w}\n`);

  // The run's own config: the downloaded files and the reported as-of times; every other path made absolute.
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(configFolder, path));
  const rawD365 = raw.d365 as Record<string, Record<string, unknown> | undefined>;
  const rawWms = raw.wms as Record<string, Record<string, unknown> | undefined>;
  const source = snap.d365.source;
  const runConfig: Record<string, unknown> = { ...raw, snapshot: undefined, $schema: undefined,
    d365: {
      ...rawD365, asOf: d365Out.asOf,
      onHand: { ...rawD365.onHand, path: d365Out.file, ...(source.mode === 'package' ? { type: 'package', entity: source.onHandEntity } : { type: 'csv', entity: undefined }) },
      ...(rawD365.valuation ? { valuation: source.mode === 'package' && source.valuationEntity
        ? { ...rawD365.valuation, path: d365Out.file, type: 'package', entity: source.valuationEntity }
        : { ...rawD365.valuation, path: absolute(String(rawD365.valuation.path)) } } : {}),
    },
    wms: { ...rawWms, asOf: wmsOut.asOf, onHand: { ...rawWms.onHand, path: wmsOut.onHand },
      ...(rawWms.inFlight ? { inFlight: { ...rawWms.inFlight, path: wmsOut.inFlight ?? absolute(String(rawWms.inFlight.path)) } } : {}) },
  };
  const items = (raw.mappings as { items?: { path?: unknown } } | undefined)?.items;
  if (items && typeof items.path === 'string') runConfig.mappings = { ...(raw.mappings as object), items: { ...items, path: absolute(items.path) } };
  const configPath = join(runDir, 'config.json');
  writeFileSync(configPath, `${JSON.stringify(runConfig, null, 2)}\n`);
  const manifest: SnapshotManifest = {
    requestedAsOf, d365: { asOf: d365Out.asOf, mode: d365Out.mode, executionId: d365Out.executionId, records: d365Out.records },
    wms: { asOf: wmsOut.asOf, asOfFrom: snap.wms.asOf }, skewMinutes: skew, warnings, files, startedOn, finishedOn: new Date(now()).toISOString(),
  };
  writeFileSync(join(runDir, 'snapshot.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  log(`snapshot in ${runDir}: D365 as of ${d365Out.asOf}, WMS as of ${wmsOut.asOf} (${skew} minutes apart)\n`);
  return { runDir, configPath, manifest };
}
