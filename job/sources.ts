/**
 * Turns a configured input into a file DuckDB can scan: a CSV as it is, a Parquet file as it is, or the entity
 * CSV inside a D365 data-management package (a zip with Manifest.xml and PackageHeader.xml, DOMAIN.md §2).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { XMLParser } from 'fast-xml-parser';
import { InputError } from './errors.js';

export interface SourceSpec { path: string; type?: 'csv' | 'package' | 'parquet' | undefined; entity?: string | undefined }

export interface ScannableFile {
  /** What reports call the file: the configured path, or `package.zip!Entity.csv`. */
  label: string;
  path: string;
  kind: 'csv' | 'parquet';
}

export function sourceType(spec: SourceSpec): 'csv' | 'package' | 'parquet' {
  if (spec.type) return spec.type;
  const ext = extname(spec.path).toLowerCase();
  if (ext === '.zip') return 'package';
  if (ext === '.parquet') return 'parquet';
  return 'csv';
}

/**
 * @param configKey the config key that named the file, for error messages
 * @param resolvedPath the path resolved against the config folder
 * @param workDir a private folder for files extracted from packages
 */
export function openSource(configKey: string, spec: SourceSpec, resolvedPath: string, workDir: string): ScannableFile {
  if (!existsSync(resolvedPath) || !statSync(resolvedPath).isFile()) {
    throw new InputError(`${configKey}.path: file not found: ${resolvedPath}`);
  }
  if (statSync(resolvedPath).size === 0) throw new InputError(`${spec.path}: the file is empty (${configKey})`);
  const type = sourceType(spec);
  if (type === 'package') return extractEntity(configKey, spec, resolvedPath, workDir);
  return { label: spec.path, path: resolvedPath, kind: type };
}

interface ManifestEntity { EntityName?: unknown; DataEntityName?: unknown }

function extractEntity(configKey: string, spec: SourceSpec, zipPath: string, workDir: string): ScannableFile {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(readFileSync(zipPath), { filter: (f) => !f.name.endsWith('/') && (/\.(csv|xml)$/i).test(f.name) });
  } catch (error) {
    throw new InputError(`${spec.path}: not a readable zip (${(error as Error).message}) (${configKey})`);
  }
  const csvNames = Object.keys(entries).filter((name) => name.toLowerCase().endsWith('.csv'));
  const manifestName = Object.keys(entries).find((name) => basename(name).toLowerCase() === 'manifest.xml');
  if (!manifestName) throw new InputError(`${spec.path}: not a D365 data package: it has no Manifest.xml (${configKey})`);

  const entityNames = manifestEntities(new TextDecoder().decode(entries[manifestName]));
  let chosen: string | undefined;
  if (spec.entity !== undefined) {
    const wanted = spec.entity.toLowerCase();
    const entity = entityNames.find((e) => e.entityName.toLowerCase() === wanted || e.dataEntityName.toLowerCase() === wanted);
    const fileStem = (entity?.entityName ?? spec.entity).toLowerCase();
    chosen = csvNames.find((name) => basename(name, extname(name)).toLowerCase() === fileStem || basename(name).toLowerCase() === wanted);
  } else if (csvNames.length === 1) {
    chosen = csvNames[0];
  } else {
    throw new InputError(`${spec.path}: the package holds ${csvNames.length} CSV files (${csvNames.join(', ') || 'none'}); `
      + `name the one to read with ${configKey}.entity`);
  }
  if (!chosen) {
    throw new InputError(`${spec.path}: no CSV for entity '${spec.entity}' in the package `
      + `(Manifest.xml lists: ${entityNames.map((e) => e.entityName).join(', ') || 'nothing'}) (${configKey}.entity)`);
  }
  const target = join(workDir, `${configKey.replaceAll('.', '-')}-${basename(chosen)}`);
  writeFileSync(target, asUtf8(entries[chosen]!));
  return { label: `${spec.path}!${chosen}`, path: target, kind: 'csv' };
}

function manifestEntities(xml: string): Array<{ entityName: string; dataEntityName: string }> {
  const parsed = new XMLParser({ removeNSPrefix: true, isArray: (name) => name === 'DataManagementPackageEntityData' }).parse(xml) as
    { DataManagementPackageManifest?: { PackageEntityList?: { DataManagementPackageEntityData?: ManifestEntity[] } } };
  const list = parsed.DataManagementPackageManifest?.PackageEntityList?.DataManagementPackageEntityData ?? [];
  return list.map((e) => ({ entityName: String(e.EntityName ?? ''), dataEntityName: String(e.DataEntityName ?? '') }));
}

/** D365's "CSV-Unicode" source format writes UTF-16 LE with a byte-order mark; DuckDB reads UTF-8. */
function asUtf8(bytes: Uint8Array): Uint8Array {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return Buffer.from(new TextDecoder('utf-16le').decode(bytes.subarray(2)), 'utf8');
  }
  return bytes;
}
