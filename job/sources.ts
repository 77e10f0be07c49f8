/**
 * Turns a configured input into a file DuckDB can scan: a CSV as it is (UTF-16 written out again as UTF-8), a
 * Parquet file as it is, or the entity CSV inside a D365 data-management package (job/packages.ts). A file that
 * is plainly not what the config says is refused with what it looks like, never with its content.
 */
import { closeSync, createReadStream, existsSync, openSync, readSync, statSync, symlinkSync, copyFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { PackageLimits } from '../core/config.js';
import { InputError } from './errors.js';
import { extractEntity } from './packages.js';
import { Utf8Writer, utf16Of } from './text-encoding.js';

export interface SourceSpec { path: string; type?: 'csv' | 'package' | 'parquet' | 'delta' | undefined; entity?: string | undefined }

export interface ScannableFile {
  /** What reports call the file: the configured path, or `package.zip!Entity.csv`. */
  label: string;
  path: string;
  /** A Delta table's folder only reaches Spark, which reads it. */
  kind: 'csv' | 'parquet' | 'delta';
}

/** A path with a scheme (abfss://, wasbs://, hdfs://, s3a://, file://): an address Spark reads itself. */
export function isUri(path: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(path);
}

export function sourceType(spec: SourceSpec): 'csv' | 'package' | 'parquet' | 'delta' {
  if (spec.type) return spec.type;
  const ext = extname(spec.path).toLowerCase();
  if (ext === '.zip') return 'package';
  if (ext === '.parquet') return 'parquet';
  return 'csv';
}

/**
 * @param configKey the config key that named the file, for error messages
 * @param resolvedPath the path resolved against the config folder
 * @param workDir a private folder for files extracted or converted
 */
export async function openSource(configKey: string, spec: SourceSpec, resolvedPath: string, workDir: string,
  limits: PackageLimits): Promise<ScannableFile> {
  if (!existsSync(resolvedPath) || !statSync(resolvedPath).isFile()) {
    throw new InputError(`${configKey}.path: file not found: ${resolvedPath}`);
  }
  if (statSync(resolvedPath).size === 0) throw new InputError(`${spec.path}: the file is empty (${configKey})`);
  const type = sourceType(spec);
  const privateName = (ext: string) => join(workDir, `${configKey.replaceAll('.', '-')}${ext}`);
  if (type === 'package') {
    const entity = await extractEntity(configKey, resolvedPath, spec.path, spec.entity, workDir, limits);
    return { label: entity.label, path: entity.path, kind: 'csv' };
  }
  if (type === 'parquet') return { label: spec.path, path: literalPath(resolvedPath, privateName('.parquet')), kind: 'parquet' };

  const head = firstBytes(resolvedPath, 4096);
  if (utf16Of(head)) {
    const target = privateName('-utf8.csv');
    await transcode(resolvedPath, target);
    return { label: spec.path, path: target, kind: 'csv' };
  }
  const notCsv = notCsvReason(head);
  if (notCsv) throw new InputError(`${spec.path}: ${notCsv}, not a CSV file; check ${configKey}.path${notCsv.includes('zip') || notCsv.includes('Parquet') ? ` or set ${configKey}.type` : ''}`);
  return { label: spec.path, path: literalPath(resolvedPath, privateName('.csv')), kind: 'csv' };
}

function firstBytes(path: string, count: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(count);
    return buffer.subarray(0, readSync(fd, buffer, 0, count, 0));
  } finally {
    closeSync(fd);
  }
}

/** What a file that is not text looks like, from its first bytes; undefined when it may well be a CSV. */
function notCsvReason(head: Uint8Array): string | undefined {
  const starts = (signature: string) => Buffer.from(head.subarray(0, signature.length)).toString('latin1') === signature;
  if (starts('PK\u0003\u0004')) return 'it is a zip file (a D365 data package?)';
  if (starts('PAR1')) return 'it is a Parquet file';
  if (starts('%PDF')) return 'it is a PDF document';
  if (head.some((byte) => byte === 0 || (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c && byte !== 0x1a))) {
    return 'it holds binary data';
  }
  const text = Buffer.from(head).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('{') || text.startsWith('[')) return 'it looks like JSON';
  if (text.startsWith('<')) return 'it looks like XML or HTML';
  return undefined;
}

/**
 * DuckDB reads a path as a glob pattern, so `wms[1].csv` would be another file (or none): such a path is read
 * through a private link (a copy where links are not allowed).
 */
function literalPath(path: string, privatePath: string): string {
  if (!/[*?[\]{}]/.test(path)) return path;
  try {
    symlinkSync(path, privatePath);
  } catch {
    copyFileSync(path, privatePath);
  }
  return privatePath;
}

async function transcode(source: string, target: string): Promise<void> {
  const out = new Utf8Writer(openSync(target, 'w'));
  try {
    for await (const chunk of createReadStream(source, { highWaterMark: 1024 * 1024 })) out.write(chunk as Buffer);
    out.end();
  } finally {
    out.close();
  }
}
