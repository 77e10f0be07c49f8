/** The packed solution, unzipped and parsed, for the solution tests. */
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { XMLParser } from 'fast-xml-parser';
import { packSolution, type PackedSolution } from '../../solution/pack';

export const SOLUTION_SRC = join(__dirname, '..', '..', 'solution', 'src');
export const SCHEMAS = join(__dirname, '..', '..', 'solution', 'schemas');

let cached: PackedSolution | undefined;
export function packed(): PackedSolution {
  cached ??= packSolution(SOLUTION_SRC, '1.2.3');
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
