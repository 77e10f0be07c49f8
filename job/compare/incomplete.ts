/**
 * Keys a rejected line may belong to (DOMAIN.md §3: a line that cannot be used is never compared as if it were
 * right). A rejected line still says much of its key: a WMS line whose unit has no conversion has its item and
 * warehouse, one whose facility is unmapped has its item but no warehouse. Every compared key that agrees with
 * what is known of a rejected line is incomplete: flagged, never Balanced.
 */
import { KEY_FIELDS, comparedFields, type LevelField } from '../../core/keys.js';
import type { Session } from '../db.js';

/** The table the rejects writer fills with each rejected line's key fields (NULL where unknown), as it streams them. */
export const REJECTED_KEY_FIELDS = 'rejected_key_fields';

export async function createRejectedKeyFields(db: Session): Promise<void> {
  await db.run(`CREATE TABLE ${REJECTED_KEY_FIELDS} (${KEY_FIELDS.map((f) => `${f} VARCHAR`).join(', ')})`);
}

/**
 * Builds `incomplete_keys (key)` from the rejected lines' key fields and returns it with its size, or undefined
 * when no rejected line names an item.
 * @param keys queries of the compared keys (`key`), one per side
 */
export async function markIncompleteKeys(db: Session, level: readonly LevelField[], keys: readonly string[]):
  Promise<{ table: string; count: number } | undefined> {
  const sql = db.dialect;
  // A line without an item cannot be tied to any key; it is only counted and reported.
  await db.run(`CREATE TABLE rejected_key_patterns AS SELECT DISTINCT * FROM ${REJECTED_KEY_FIELDS} WHERE item IS NOT NULL AND item <> ''`);
  const { patterns } = await db.one<{ patterns: number }>('SELECT count(*) AS patterns FROM rejected_key_patterns');
  if (patterns === 0) return undefined;
  const part = (field: string) => sql.part('k.parts', KEY_FIELDS.indexOf(field as (typeof KEY_FIELDS)[number]) + 1);
  const agrees = comparedFields(level).filter((f) => f !== 'item')
    .map((f) => `(p.${f} IS NULL OR p.${f} = ${part(f)})`);
  await db.run(`CREATE TABLE incomplete_keys AS
    SELECT DISTINCT k.key FROM (SELECT key, ${sql.splitKey('key')} AS parts FROM (${keys.map((q) => `(${q})`).join(' UNION ')})) k
    JOIN rejected_key_patterns p ON p.item = ${part('item')}
    ${agrees.length > 0 ? `WHERE ${agrees.join(' AND ')}` : ''}`);
  const { count } = await db.one<{ count: number }>('SELECT count(*) AS count FROM incomplete_keys');
  return { table: 'incomplete_keys', count };
}
