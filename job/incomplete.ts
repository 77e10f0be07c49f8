/**
 * Keys a rejected line may belong to (DOMAIN.md §3: a line that cannot be used is never compared as if it were
 * right). A rejected line still says much of its key: a WMS line whose unit has no conversion has its item and
 * warehouse, one whose facility is unmapped has its item but no warehouse. Every compared key that agrees with
 * what is known of a rejected line is incomplete: flagged, never Balanced.
 */
import { KEY_FIELDS, comparedFields, type LevelField } from '../core/keys.js';
import type { Database } from './db.js';

/**
 * Builds `incomplete_keys (key)` and returns its name, or undefined when no line was rejected.
 * @param rejectedKeys queries of rejected lines' key fields (NULL where unknown), one per file
 * @param keys queries of the compared keys (`key`), one per side
 */
export async function markIncompleteKeys(db: Database, level: readonly LevelField[], rejectedKeys: readonly string[],
  keys: readonly string[]): Promise<{ table: string; count: number } | undefined> {
  if (rejectedKeys.length === 0) return undefined;
  // A line without an item cannot be tied to any key; it is only counted and reported.
  await db.run(`CREATE TABLE rejected_key_fields AS SELECT DISTINCT * FROM (${rejectedKeys.map((q) => `(${q})`).join(' UNION ALL ')})
    WHERE item IS NOT NULL AND item <> ''`);
  const { patterns } = await db.one<{ patterns: number }>('SELECT count(*) AS patterns FROM rejected_key_fields');
  if (patterns === 0) return undefined;
  const part = (field: string) => `k.parts[${KEY_FIELDS.indexOf(field as (typeof KEY_FIELDS)[number]) + 1}]`;
  const agrees = comparedFields(level).filter((f) => f !== 'item')
    .map((f) => `(p.${f} IS NULL OR p.${f} = ${part(f)})`);
  await db.run(`CREATE TABLE incomplete_keys AS
    SELECT DISTINCT k.key FROM (SELECT key, string_split(key, chr(31)) AS parts FROM (${keys.map((q) => `(${q})`).join(' UNION ')})) k
    JOIN rejected_key_fields p ON p.item = ${part('item')}
    ${agrees.length > 0 ? `WHERE ${agrees.join(' AND ')}` : ''}`);
  const { count } = await db.one<{ count: number }>('SELECT count(*) AS count FROM incomplete_keys');
  return { table: 'incomplete_keys', count };
}
