/**
 * Data management packages as the D365 emulator writes and reads them: an export package (Manifest.xml,
 * PackageHeader.xml and one CSV-Unicode file per entity), and the checks an import package must pass before D365
 * starts on it. Refusals name what is wrong, in the words D365's data management uses where we know them.
 */
import { unzipSync, zipSync, strToU8 } from 'fflate';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

const NS = { '@xmlns:i': 'http://www.w3.org/2001/XMLSchema-instance', '@xmlns': 'http://schemas.microsoft.com/dynamics/2015/01/DataManagement' };
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', format: true });

/** UTF-16 LE with a byte-order mark and CRLF: what the CSV-Unicode source format writes. */
export function csvUnicode(rows: unknown[][]): Uint8Array {
  const text = stringify(rows.map((r) => r.map((v) => (v === null || v === undefined ? '' : String(v)))), { record_delimiter: '\r\n' });
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  return new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
}

export interface ExportEntity { entityName: string; dataEntityName: string; columns: string[]; rows: unknown[][] }

export function exportPackage(definitionGroup: string, entities: readonly ExportEntity[]): Uint8Array {
  const manifest = builder.build({ '?xml': { '@version': '1.0', '@encoding': 'utf-8' }, DataManagementPackageManifest: { ...NS,
    DefinitionGroupName: definitionGroup, Description: definitionGroup,
    PackageEntityList: { DataManagementPackageEntityData: entities.map((e, i) => ({
      DataEntityName: e.dataEntityName, DefaultRefreshType: 'FullPush', EntityName: e.entityName, ExecutionUnit: 1, InputFilePath: `${e.entityName}.csv`,
      LevelInExecutionUnit: 1, SequenceInLevel: i + 1, SourceFormatName: 'CSV-Unicode' })) } } }) as string;
  const header = builder.build({ '?xml': { '@version': '1.0', '@encoding': 'utf-8' }, DataManagementPackageHeader: { ...NS,
    Description: definitionGroup, ManifestType: 'Microsoft.Dynamics.AX.Framework.Tools.DataManagement.Serialization.DataManagementPackageManifest',
    PackageType: 'DefinitionGroup', PackageVersion: 2 } }) as string;
  const files: Record<string, Uint8Array> = { 'Manifest.xml': strToU8(manifest), 'PackageHeader.xml': strToU8(header) };
  for (const e of entities) files[`${e.entityName}.csv`] = csvUnicode([e.columns, ...e.rows]);
  return zipSync(files);
}

export interface ImportedEntityFile { entityName: string; level: number; columns: string[]; rows: Array<Record<string, string>> }

export type PackageCheck = { ok: true; entities: ImportedEntityFile[]; definitionGroup: string } | { ok: false; message: string };

interface ManifestEntity { EntityName?: unknown; InputFilePath?: unknown; LevelInExecutionUnit?: unknown; SourceFormat?: unknown; SourceFormatName?: unknown }

/** Reads an import package; a package D365 could not even start on is refused with the reason. */
export function readImportPackage(bytes: Uint8Array, knownEntities: readonly string[]): PackageCheck {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (error) {
    return { ok: false, message: `The package is not a valid zip file (${(error as Error).message}).` };
  }
  const find = (name: string) => Object.keys(files).find((f) => f.toLowerCase() === name.toLowerCase());
  const manifestName = find('Manifest.xml');
  if (!manifestName) return { ok: false, message: 'The package has no Manifest.xml; it is not a data package.' };
  if (!find('PackageHeader.xml')) return { ok: false, message: 'The package has no PackageHeader.xml; it is not a data package.' };
  const parser = new XMLParser({ removeNSPrefix: true, isArray: (name) => name === 'DataManagementPackageEntityData' });
  let parsedHeader: { DataManagementPackageHeader?: { PackageType?: unknown; ManifestType?: unknown } };
  let manifest: { DataManagementPackageManifest?: { DefinitionGroupName?: unknown; PackageEntityList?: { DataManagementPackageEntityData?: ManifestEntity[] } } };
  try {
    parsedHeader = parser.parse(decodeText(files[find('PackageHeader.xml')!]!), true) as typeof parsedHeader;
    manifest = parser.parse(decodeText(files[manifestName]!), true) as typeof manifest;
  } catch (error) {
    return { ok: false, message: `Manifest.xml or PackageHeader.xml is not well-formed XML (${(error as Error).message}).` };
  }
  const header = parsedHeader.DataManagementPackageHeader;
  if (!header || String(header.PackageType ?? '') !== 'DefinitionGroup' || !String(header.ManifestType ?? '').endsWith('DataManagementPackageManifest')) {
    return { ok: false, message: 'PackageHeader.xml is not a data management package header (PackageType DefinitionGroup, ManifestType …DataManagementPackageManifest).' };
  }
  const list = manifest.DataManagementPackageManifest?.PackageEntityList?.DataManagementPackageEntityData;
  if (!list || list.length === 0) return { ok: false, message: 'Manifest.xml lists no entity.' };
  const entities: ImportedEntityFile[] = [];
  for (const e of list) {
    const entityName = String(e.EntityName ?? '');
    if (!knownEntities.includes(entityName)) {
      return { ok: false, message: `Entity '${entityName}' in Manifest.xml is not an entity of this data project (expected ${knownEntities.map((k) => `'${k}'`).join(' or ')}).` };
    }
    const format = String(e.SourceFormat ?? e.SourceFormatName ?? '');
    if (format !== 'CSV-Unicode' && format !== 'CSV') return { ok: false, message: `Entity '${entityName}': source format '${format}' is not a CSV format of this environment.` };
    const fileName = find(String(e.InputFilePath ?? ''));
    if (!fileName) return { ok: false, message: `Entity '${entityName}': the file '${String(e.InputFilePath ?? '')}' named in Manifest.xml is not in the package.` };
    let records: string[][];
    try {
      records = parse(decodeText(files[fileName]!), { relax_column_count: false, skip_empty_lines: true }) as string[][];
    } catch (error) {
      return { ok: false, message: `Entity '${entityName}': '${fileName}' is not a readable CSV file (${(error as Error).message}).` };
    }
    const [columns = [], ...rows] = records;
    entities.push({ entityName, level: Number(e.LevelInExecutionUnit ?? 1), columns: columns.map((c) => c.trim().toUpperCase()),
      rows: rows.map((r) => Object.fromEntries(columns.map((c, i) => [c.trim().toUpperCase(), r[i] ?? '']))) });
  }
  return { ok: true, entities: entities.sort((a, b) => a.level - b.level), definitionGroup: String(manifest.DataManagementPackageManifest?.DefinitionGroupName ?? '') };
}
