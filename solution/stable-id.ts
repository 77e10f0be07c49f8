/**
 * Name-based ids (UUID version 5 layout, braced as solution XML writes them): the same component gets the same id
 * in every build, so importing a later version updates it instead of adding a second one.
 */
import { createHash } from 'node:crypto';
import { SOLUTION_UNIQUE_NAME } from '../core/dataverse/schema.js';

export function stableId(...parts: string[]): string {
  const hash = createHash('sha1').update([SOLUTION_UNIQUE_NAME, ...parts].join('/')).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `{${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}}`;
}
