/**
 * What Inventory Visibility already holds, read where IV keeps it: its Adjustment Line and Aggregated Adjustment Line
 * tables in Dataverse (iv_api.md §3.4). The review service looks here before it sends a line again, and follows a
 * posted line to its D365 journal from here. The tables' names are not documented, so they come from the
 * ibal_IVLedgerTables environment variable (core/dataverse/environment.ts).
 */
import { z } from 'zod';
import { IV_LEDGER_TABLES_DEFAULT } from '../../core/dataverse/environment.js';
import type { DataverseClient } from '../dataverse/client.js';

export const ivLedgerTablesSchema = z.object({
  lines: z.object({ entitySet: z.string().min(1), lineId: z.string().min(1), status: z.string().min(1), aggregatedLine: z.string().min(1) }),
  aggregated: z.object({ entitySet: z.string().min(1), id: z.string().min(1), status: z.string().min(1), message: z.string().min(1) }),
});
export type IvLedgerTables = z.infer<typeof ivLedgerTablesSchema>;

/** The tables the environment variable names, or a message naming what is wrong with it. */
export function ivLedgerTablesOf(value: string): IvLedgerTables {
  if (value.trim() === '') return IV_LEDGER_TABLES_DEFAULT;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new Error(`The environment variable ibal_IVLedgerTables is not JSON: ${(error as Error).message}`);
  }
  const result = ivLedgerTablesSchema.safeParse(parsed);
  if (!result.success) throw new Error(`The environment variable ibal_IVLedgerTables: ${result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return result.data;
}

/** One of our line ids as IV holds it: how many lines it keeps under the id, and how far the first has got. */
export interface LedgerEntry { count: number; status: string; aggregatedStatus: string | null; message: string | null }

const quoted = (value: string) => `'${value.replace(/'/g, "''")}'`;

export class IvLedger {
  constructor(private readonly dataverse: DataverseClient, private readonly tables: IvLedgerTables) {}

  /** The lines IV holds under these ids (ids it does not hold are absent). */
  async entries(ids: readonly string[]): Promise<Map<string, LedgerEntry>> {
    const { lines, aggregated } = this.tables;
    const found = new Map<string, LedgerEntry & { aggregatedId: string | null }>();
    for (let i = 0; i < ids.length; i += 50) {
      const filter = ids.slice(i, i + 50).map((id) => `${lines.lineId} eq ${quoted(id)}`).join(' or ');
      const rows = await this.dataverse.retrieveAll(`${lines.entitySet}?$select=${lines.lineId},${lines.status},${lines.aggregatedLine}&$filter=${encodeURIComponent(filter)}`);
      for (const row of rows) {
        const id = String(row[lines.lineId]);
        const earlier = found.get(id);
        if (earlier) { earlier.count += 1; continue; }
        const aggregatedId = typeof row[lines.aggregatedLine] === 'string' ? String(row[lines.aggregatedLine]) : null;
        found.set(id, { count: 1, status: String(row[lines.status] ?? ''), aggregatedStatus: null, message: null, aggregatedId });
      }
    }
    const aggregatedIds = [...new Set([...found.values()].map((e) => e.aggregatedId).filter((v): v is string => v !== null))];
    const statuses = new Map<string, { status: string; message: string | null }>();
    for (let i = 0; i < aggregatedIds.length; i += 50) {
      const filter = aggregatedIds.slice(i, i + 50).map((id) => `${aggregated.id} eq ${id}`).join(' or ');
      for (const row of await this.dataverse.retrieveAll(`${aggregated.entitySet}?$select=${aggregated.status},${aggregated.message}&$filter=${encodeURIComponent(filter)}`)) {
        statuses.set(String(row[aggregated.id]), { status: String(row[aggregated.status] ?? ''), message: typeof row[aggregated.message] === 'string' ? String(row[aggregated.message]) : null });
      }
    }
    return new Map([...found].map(([id, e]) => {
      const a = e.aggregatedId ? statuses.get(e.aggregatedId) : undefined;
      return [id, { count: e.count, status: e.status, aggregatedStatus: a?.status ?? null, message: a?.message ?? null }];
    }));
  }
}
