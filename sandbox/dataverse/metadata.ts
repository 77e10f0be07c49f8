/**
 * The emulator's metadata: the product's tables from core/, plus the few system tables the product reads
 * (users for lookups and WhoAmI, their security roles, environment variable definitions and values).
 */
import { ENVIRONMENT_VARIABLES, ENVIRONMENT_VARIABLE_TYPES } from '../../core/dataverse/environment.js';
import { allColumns, type ColumnDefinition, type ColumnType } from '../../core/dataverse/schema.js';
import { TABLES } from '../../core/dataverse/tables.js';

export interface ColumnMeta {
  logicalName: string;
  /** `guid` is a uniqueidentifier column that is not the row's id (systemuserroles.systemuserid). */
  type: ColumnType | { kind: 'id' } | { kind: 'guid' } | { kind: 'rowversion' };
  /** Set by the emulator, never by a client. */
  system: boolean;
}

export interface EntityMeta {
  logicalName: string;
  entitySetName: string;
  primaryId: string;
  primaryName: string;
  columns: Map<string, ColumnMeta>;
  keys: Array<{ logicalName: string; columns: string[] }>;
  userOwned: boolean;
  /** The table's name in its privileges: prvRead<privilegeName> (the schema name; User for systemuser, …). */
  privilegeName: string;
}

const text = (maxLength: number): ColumnType => ({ kind: 'text', maxLength, format: 'text' });
const dateTime: ColumnType = { kind: 'datetime', behavior: 'UserLocal', format: 'datetime' };
const userLookup: ColumnType = { kind: 'lookup', target: 'systemuser', onDelete: 'RemoveLink' };
const column = (logicalName: string, type: ColumnMeta['type'], system = false): [string, ColumnMeta] => [logicalName, { logicalName, type, system }];

function entity(logicalName: string, entitySetName: string, primaryName: string, privilegeName: string, columns: Array<[string, ColumnMeta]>,
  options: { keys?: EntityMeta['keys']; userOwned?: boolean; primaryId?: string } = {}): EntityMeta {
  const primaryId = options.primaryId ?? `${logicalName}id`;
  const userOwned = options.userOwned ?? false;
  return {
    logicalName, entitySetName, primaryId, primaryName, privilegeName, keys: options.keys ?? [], userOwned,
    columns: new Map([
      column(primaryId, { kind: 'id' }, true),
      ...columns,
      column('createdon', dateTime, true),
      column('modifiedon', dateTime, true),
      column('createdby', userLookup, true),
      column('modifiedby', userLookup, true),
      ...(userOwned ? [column('ownerid', userLookup, true)] : []),
      column('statecode', { kind: 'choice', choices: [{ value: 0, label: 'Active' }, { value: 1, label: 'Inactive' }] }),
      column('statuscode', { kind: 'choice', choices: [{ value: 1, label: 'Active' }, { value: 2, label: 'Inactive' }] }),
      column('versionnumber', { kind: 'rowversion' }, true),
    ]),
  };
}

const productTables = TABLES.map((table) => entity(table.logicalName, table.entitySetName, table.primaryName.logicalName, table.schemaName,
  allColumns(table).map((c: ColumnDefinition) => column(c.logicalName, c.type)),
  { keys: table.keys.map((k) => ({ logicalName: k.logicalName, columns: [...k.columns] })), userOwned: true }));

const environmentVariableTypes = Object.entries(ENVIRONMENT_VARIABLE_TYPES).map(([label, value]) => ({ value, label }));

export const SYSTEM_TABLES: EntityMeta[] = [
  entity('systemuser', 'systemusers', 'fullname', 'User', [column('fullname', text(200)), column('domainname', text(1024)),
    column('applicationid', { kind: 'guid' }, true)]),
  // Security roles, teams and who holds what, read-only: a service reads them to check a caller's roles. A role made
  // in a child business unit points at the root role it copies through parentrootroleid; a root role at itself.
  entity('role', 'roles', 'name', 'Role', [column('name', text(100), true),
    column('parentrootroleid', { kind: 'lookup', target: 'role', onDelete: 'RemoveLink' }, true)]),
  entity('systemuserroles', 'systemuserrolescollection', 'systemuserroleid', 'Role', [column('systemuserid', { kind: 'guid' }, true), column('roleid', { kind: 'guid' }, true)],
    { primaryId: 'systemuserroleid' }),
  entity('team', 'teams', 'name', 'Team', [column('name', text(160), true)]),
  entity('teammembership', 'teammemberships', 'teammembershipid', 'Team', [column('systemuserid', { kind: 'guid' }, true), column('teamid', { kind: 'guid' }, true)]),
  entity('teamroles', 'teamrolescollection', 'teamroleid', 'Role', [column('teamid', { kind: 'guid' }, true), column('roleid', { kind: 'guid' }, true)],
    { primaryId: 'teamroleid' }),
  // Webhook registrations (use-webhooks.md): the service endpoint's URL and key an admin sets after import, and the
  // steps that call it. The key (authvalue) can be written, never read back.
  entity('serviceendpoint', 'serviceendpoints', 'name', 'ServiceEndpoint', [column('name', text(256)), column('url', text(2000)),
    column('contract', { kind: 'integer', min: 1, max: 10 }, true), column('authtype', { kind: 'integer', min: 1, max: 10 }),
    column('authvalue', { kind: 'memo', maxLength: 4000 })]),
  entity('sdkmessageprocessingstep', 'sdkmessageprocessingsteps', 'name', 'SdkMessageProcessingStep', [column('name', text(256), true),
    column('stage', { kind: 'integer', min: 10, max: 40 }, true), column('mode', { kind: 'integer', min: 0, max: 1 }, true),
    column('rank', { kind: 'integer', min: 0, max: 100 }, true), column('sdkmessageid', { kind: 'guid' }, true),
    column('eventhandler', { kind: 'guid' }, true),
    // Dataverse keeps the table on the step's message filter; the sandbox keeps its logical name.
    column('primaryentity', text(100), true)]),
  // System views (savedquery): the solution's views as imported, read-only. A grid control reads its view's FetchXML
  // here (the dataset gives only the view's id) to sum the whole view.
  entity('savedquery', 'savedqueries', 'name', 'Query', [column('name', text(200), true), column('returnedtypecode', text(100), true),
    column('querytype', { kind: 'integer', min: 0, max: 1000000 }, true), column('isdefault', { kind: 'boolean', defaultValue: false, trueLabel: 'Yes', falseLabel: 'No' }, true),
    column('fetchxml', { kind: 'memo', maxLength: 1048576 }, true), column('layoutxml', { kind: 'memo', maxLength: 1048576 }, true)]),
  entity('environmentvariabledefinition', 'environmentvariabledefinitions', 'schemaname', 'EnvironmentVariableDefinition', [
    column('schemaname', text(100)), column('displayname', text(100)), column('description', { kind: 'memo', maxLength: 2000 }),
    column('type', { kind: 'choice', choices: environmentVariableTypes }), column('defaultvalue', { kind: 'memo', maxLength: 2000 }),
  ], { keys: [{ logicalName: 'schemaname', columns: ['schemaname'] }] }),
  entity('environmentvariablevalue', 'environmentvariablevalues', 'schemaname', 'EnvironmentVariableValue', [
    column('schemaname', text(100)), column('value', { kind: 'memo', maxLength: 2000 }),
    column('environmentvariabledefinitionid', { kind: 'lookup', target: 'environmentvariabledefinition', onDelete: 'Cascade' }),
  ]),
];

/**
 * Inventory Visibility keeps the adjustment lines it receives, and the lines it aggregates them into, in Dataverse
 * tables of its own (*Adjustment Line*, *Aggregated Adjustment Line*; iv_api.md §3.4). Their logical names are not
 * documented: these are the sandbox's, and the review service reads whatever the ibal_IVLedgerTables environment
 * variable names (its default names these).
 */
export const IV_TABLES = {
  lines: entity('msdyn_inventoryadjustmentline', 'msdyn_inventoryadjustmentlines', 'msdyn_name', 'msdyn_InventoryAdjustmentLine', [
    column('msdyn_name', text(100)), column('msdyn_externalreferenceid', text(100)), column('msdyn_productid', text(100)),
    column('msdyn_quantity', { kind: 'decimal', precision: 6, min: -100000000000, max: 100000000000 }), column('msdyn_status', text(50)),
    column('msdyn_aggregatedline', { kind: 'lookup', target: 'msdyn_inventoryaggregatedadjustmentline', onDelete: 'RemoveLink' }),
  ]),
  aggregated: entity('msdyn_inventoryaggregatedadjustmentline', 'msdyn_inventoryaggregatedadjustmentlines', 'msdyn_name', 'msdyn_InventoryAggregatedAdjustmentLine', [
    column('msdyn_name', text(100)), column('msdyn_productid', text(100)), column('msdyn_status', text(50)), column('msdyn_journalid', text(50)),
    column('msdyn_message', { kind: 'memo', maxLength: 4000 }),
  ]),
};

export const ENTITIES: EntityMeta[] = [...productTables, ...SYSTEM_TABLES, IV_TABLES.aggregated, IV_TABLES.lines];

export const entityBySet = new Map(ENTITIES.map((e) => [e.entitySetName, e]));
export const entityByName = new Map(ENTITIES.map((e) => [e.logicalName, e]));

/** The environment variable definitions the solution ships, as rows to seed. */
export const environmentVariableSeed = Object.values(ENVIRONMENT_VARIABLES).map((v) => ({
  schemaname: v.schemaName, displayname: v.displayName, description: v.description,
  type: ENVIRONMENT_VARIABLE_TYPES[v.type], defaultvalue: 'defaultValue' in v ? v.defaultValue : null,
}));
