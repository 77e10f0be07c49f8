/** The packed solution, unzipped and parsed, for the solution tests. */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { XMLParser } from 'fast-xml-parser';
import { builtComponents, type BuiltComponents } from '../../solution/components';
import { packSolution, type PackedSolution } from '../../solution/pack';

export const ROOT = join(__dirname, '..', '..');
export const SOLUTION_SRC = join(ROOT, 'solution', 'src');
export const SCHEMAS = join(ROOT, 'solution', 'schemas');

let builtCache: BuiltComponents | undefined;
/** What `npm run build` produced (npm test builds first): the web resources and control the solution ships. */
export function builtOutputs(): BuiltComponents {
  builtCache ??= builtComponents(ROOT);
  return builtCache;
}

let cached: PackedSolution | undefined;
/** The solution as `npm run package` packs it. */
export function packed(): PackedSolution {
  cached ??= packSolution(SOLUTION_SRC, builtOutputs());
  return cached;
}

export function entries(zip: Uint8Array): Record<string, string> {
  return Object.fromEntries(Object.entries(unzipSync(zip)).map(([name, bytes]) => [name, strFromU8(bytes)]));
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Xml = any;
export const parse = (text: string): Xml => parser.parse(text);

/** A repeated element as an array, however many there are. */
export function list<T = Xml>(value: T | T[] | undefined | ''): T[] {
  if (value === undefined || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/** The English text of a set of label elements (description or Title attributes, per languagecode or LCID). */
export function english(labels: Xml): string | undefined {
  const found = list(labels).find((l: Xml) => String(l.languagecode ?? l.LCID) === '1033');
  return found?.description ?? found?.Title;
}

/** A copy of the solution source to change in a test. */
export function copyOfSource(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ibal-src-'));
  cpSync(SOLUTION_SRC, dir, { recursive: true });
  return dir;
}
