/**
 * Schema names of the Dataverse system tables the solution's relationships reach, as the platform spells them in
 * exports (`<ReferencedEntityName>SystemUser</ReferencedEntityName>`). A schema name is not derivable from a logical
 * name by casing (systemuser → SystemUser, businessunit → BusinessUnit), so each one is listed here.
 */
import type { TableDefinition } from '../core/dataverse/schema.js';

export const SYSTEM_TABLE_SCHEMA_NAMES: Readonly<Record<string, string>> = {
  systemuser: 'SystemUser',
  team: 'Team',
  businessunit: 'BusinessUnit',
  owner: 'Owner',
  organization: 'Organization',
  transactioncurrency: 'TransactionCurrency',
  account: 'Account',
  contact: 'Contact',
};

export class UnknownTableError extends Error { override readonly name = 'UnknownTableError'; }

/** The schema name of a table a lookup targets: one of the solution's own, or a listed system table. */
export function schemaNameOfTable(logicalName: string, tables: readonly TableDefinition[], where = 'a lookup'): string {
  const own = tables.find((t) => t.logicalName === logicalName);
  if (own) return own.schemaName;
  const system = SYSTEM_TABLE_SCHEMA_NAMES[logicalName];
  if (system) return system;
  throw new UnknownTableError(`${where} targets '${logicalName}', which is neither a table of the solution nor a system table `
    + 'whose schema name solution/system-tables.ts lists: add it there as the platform spells it');
}
