/**
 * Writes a journal package (core/d365-journal.ts) as the zip D365's data management imports: the entity files in
 * the CSV-Unicode format (UTF-16 LE with a byte-order mark), Manifest.xml and PackageHeader.xml.
 */
import { zipSync, strToU8 } from 'fflate';
import type { PackageFile } from '../../core/d365-journal.js';

export function journalPackageZip(files: readonly PackageFile[]): Uint8Array {
  return zipSync(Object.fromEntries(files.map((file) => [file.name,
    file.name.toLowerCase().endsWith('.csv') ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(file.text, 'utf16le')]) : strToU8(file.text)])));
}
