/**
 * Reads a D365 data-management package (a zip with the entity CSV, Manifest.xml and PackageHeader.xml, DOMAIN.md §2)
 * without holding it in memory: one streaming pass reads the manifest and lists the entries, a second inflates only
 * the entity file needed, straight to a temp file, stopping at the configured size and compression-ratio limits so
 * a zip bomb is a clear error rather than an exhausted machine.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { Unzip, UnzipInflate, type UnzipFile } from 'fflate';
import { XMLParser } from 'fast-xml-parser';
import type { PackageLimits } from '../core/config.js';
import { InputError } from './errors.js';
import { Utf8Writer } from './text-encoding.js';

const MB = 1024 * 1024;
/** Below this many inflated bytes the ratio is not judged: a small, very regular file may compress well. */
const RATIO_GRACE_BYTES = MB;
const MANIFEST_LIMIT_BYTES = 16 * MB;

export interface PackageEntity { label: string; path: string }

interface ManifestEntity { EntityName?: unknown; DataEntityName?: unknown }

/**
 * Extracts the entity CSV (as UTF-8) into workDir.
 * @param configKey the config key that named the package, for error messages
 * @param entity the entity named in the config (Manifest.xml's EntityName or DataEntityName, or the CSV file name)
 */
export async function extractEntity(configKey: string, packagePath: string, label: string, entity: string | undefined,
  workDir: string, limits: PackageLimits): Promise<PackageEntity> {
  if (!startsLikeZip(packagePath)) throw new InputError(`${label}: not a zip file, so not a D365 data package (${configKey})`);
  const listing = await listEntries(configKey, packagePath, label);
  const manifestName = listing.names.find((name) => basename(name).toLowerCase() === 'manifest.xml');
  if (!manifestName || listing.manifest === undefined) {
    throw new InputError(`${label}: not a D365 data package: it has no Manifest.xml (${configKey})`);
  }
  const csvNames = listing.names.filter((name) => name.toLowerCase().endsWith('.csv'));
  const entityNames = manifestEntities(listing.manifest);
  let chosen: string | undefined;
  if (entity !== undefined) {
    const wanted = entity.toLowerCase();
    const listed = entityNames.find((e) => e.entityName.toLowerCase() === wanted || e.dataEntityName.toLowerCase() === wanted);
    const fileStem = (listed?.entityName ?? entity).toLowerCase();
    chosen = csvNames.find((name) => basename(name, extname(name)).toLowerCase() === fileStem || basename(name).toLowerCase() === wanted);
  } else if (csvNames.length === 1) {
    chosen = csvNames[0];
  } else {
    throw new InputError(`${label}: the package holds ${csvNames.length} CSV files (${csvNames.join(', ') || 'none'}); `
      + `name the one to read with ${configKey}.entity`);
  }
  if (!chosen) {
    throw new InputError(`${label}: no CSV for entity '${entity}' in the package `
      + `(Manifest.xml lists: ${entityNames.map((e) => e.entityName).join(', ') || 'nothing'}) (${configKey}.entity)`);
  }
  const target = join(workDir, `${configKey.replaceAll('.', '-')}-entity.csv`);
  await inflateEntry(configKey, packagePath, label, chosen, target, limits);
  return { label: `${label}!${chosen}`, path: target };
}

function startsLikeZip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    return head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
  } finally {
    closeSync(fd);
  }
}

/** Pushes the zip through fflate's streaming reader; `onFile` starts the entries it wants. */
async function streamZip(configKey: string, packagePath: string, label: string,
  onFile: (file: UnzipFile, compressedSoFar: () => number) => void, failure: () => Error | undefined): Promise<void> {
  let pushed = 0;
  const unzip = new Unzip((file) => onFile(file, () => pushed));
  unzip.register(UnzipInflate);
  try {
    for await (const chunk of createReadStream(packagePath, { highWaterMark: MB })) {
      pushed += (chunk as Buffer).length;
      unzip.push(chunk as Buffer);
      const failed = failure();
      if (failed) throw failed;
    }
    unzip.push(new Uint8Array(0), true);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${label}: not a readable zip (${(error as Error).message}) (${configKey})`);
  }
  const failed = failure();
  if (failed) throw failed;
}

/** The entry names, and Manifest.xml's text; nothing else is inflated. */
async function listEntries(configKey: string, packagePath: string, label: string): Promise<{ names: string[]; manifest: string | undefined }> {
  const names: string[] = [];
  const manifestParts: Uint8Array[] = [];
  let manifestBytes = 0;
  let manifestDone = false;
  let failure: Error | undefined;
  await streamZip(configKey, packagePath, label, (file) => {
    if (file.name.endsWith('/')) return;
    names.push(file.name);
    if (basename(file.name).toLowerCase() !== 'manifest.xml' || manifestDone) return;
    file.ondata = (error, chunk, final) => {
      if (error) { failure = new InputError(`${label}: ${file.name} cannot be inflated (${error.message}) (${configKey})`); return; }
      manifestBytes += chunk.length;
      if (manifestBytes > MANIFEST_LIMIT_BYTES) {
        failure = new InputError(`${label}: ${file.name} is larger than ${MANIFEST_LIMIT_BYTES / MB} MB: not a D365 manifest (${configKey})`);
        file.terminate();
        return;
      }
      manifestParts.push(chunk);
      if (final) manifestDone = true;
    };
    file.start();
  }, () => failure);
  return { names, manifest: manifestDone ? new TextDecoder().decode(Buffer.concat(manifestParts)) : undefined };
}

/** Inflates one entry to `target` as UTF-8, within the limits. */
async function inflateEntry(configKey: string, packagePath: string, label: string, entryName: string, target: string,
  limits: PackageLimits): Promise<void> {
  const maxBytes = limits.maxEntryMB * MB;
  const tooLarge = () => new InputError(`${label}: ${entryName} inflates to more than ${limits.maxEntryMB} MB `
    + `(packages.maxEntryMB); raise the limit if the export really is this large (${configKey})`);
  const bomb = (ratio: number) => new InputError(`${label}: ${entryName} inflates more than ${limits.maxCompressionRatio} times its compressed size `
    + `(at least ${Math.floor(ratio)}:1, packages.maxCompressionRatio): refused as a possible zip bomb (${configKey})`);
  const out = new Utf8Writer(openSync(target, 'w'));
  let failure: Error | undefined;
  let found = false;
  try {
    await streamZip(configKey, packagePath, label, (file, compressedSoFar) => {
      if (file.name !== entryName || found) return;
      found = true;
      // The sizes in the headers (when present) already tell a bomb; the counts below catch headers that lie.
      if (file.originalSize !== undefined && file.originalSize > maxBytes) { failure = tooLarge(); return; }
      if (file.originalSize !== undefined && file.size !== undefined && file.size > 0 && file.originalSize > RATIO_GRACE_BYTES
        && file.originalSize / file.size > limits.maxCompressionRatio) { failure = bomb(file.originalSize / file.size); return; }
      const startedAt = compressedSoFar();
      let inflated = 0;
      file.ondata = (error, chunk) => {
        if (failure) return;
        if (error) { failure = new InputError(`${label}: ${entryName} cannot be inflated (${error.message}) (${configKey})`); return; }
        inflated += chunk.length;
        const compressed = file.size ?? Math.max(1, compressedSoFar() - startedAt);
        if (inflated > maxBytes) failure = tooLarge();
        else if (inflated > RATIO_GRACE_BYTES && inflated / compressed > limits.maxCompressionRatio) failure = bomb(inflated / compressed);
        if (failure) { file.terminate(); return; }
        out.write(chunk);
      };
      file.start();
    }, () => failure);
    out.end();
  } finally {
    out.close();
  }
  if (!found) throw new InputError(`${label}: ${entryName} could not be read from the package (${configKey})`);
}

function manifestEntities(xml: string): Array<{ entityName: string; dataEntityName: string }> {
  const parsed = new XMLParser({ removeNSPrefix: true, isArray: (name) => name === 'DataManagementPackageEntityData' }).parse(xml) as
    { DataManagementPackageManifest?: { PackageEntityList?: { DataManagementPackageEntityData?: ManifestEntity[] } } };
  const list = parsed.DataManagementPackageManifest?.PackageEntityList?.DataManagementPackageEntityData ?? [];
  return list.map((e) => ({ entityName: String(e.EntityName ?? ''), dataEntityName: String(e.DataEntityName ?? '') }));
}
