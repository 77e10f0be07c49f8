/**
 * The solution's environment variables (issue "Dataverse solution"): what an admin sets after import, and what the
 * review service reads to post to Inventory Visibility.
 */
import { PUBLISHER } from './schema.js';

/**
 * The tables and columns where IV keeps its adjustment lines, as the review service reads them. The defaults are the
 * sandbox's names for them; IV does not document its own.
 */
export const IV_LEDGER_TABLES_DEFAULT = {
  lines: { entitySet: 'msdyn_inventoryadjustmentlines', lineId: 'msdyn_name', status: 'msdyn_status', aggregatedLine: '_msdyn_aggregatedline_value' },
  aggregated: { entitySet: 'msdyn_inventoryaggregatedadjustmentlines', id: 'msdyn_inventoryaggregatedadjustmentlineid', status: 'msdyn_status', message: 'msdyn_message' },
} as const;

/** environmentvariabledefinition.type values. */
export const ENVIRONMENT_VARIABLE_TYPES = { String: 100000000, Number: 100000001, Boolean: 100000002, JSON: 100000003 } as const;

export interface EnvironmentVariableDefinition {
  schemaName: string;
  displayName: string;
  description: string;
  type: keyof typeof ENVIRONMENT_VARIABLE_TYPES;
  defaultValue?: string;
}

const v = (name: string, displayName: string, type: EnvironmentVariableDefinition['type'], description: string,
  defaultValue?: string): EnvironmentVariableDefinition =>
  ({ schemaName: `${PUBLISHER.prefix}_${name}`, displayName, description, type, ...(defaultValue === undefined ? {} : { defaultValue }) });

export const ENVIRONMENT_VARIABLES = {
  ivEndpoint: v('IVEndpoint', 'Inventory Visibility endpoint', 'String',
    'The IV service endpoint, e.g. https://inventoryservice.<region>-il<island>.gateway.prod.island.powerapps.com (IV app: Admin settings → Show service details). Use the one D365 uses.'),
  ivEnvironmentId: v('IVEnvironmentId', 'Inventory Visibility environment id', 'String',
    'The Lifecycle Services environment id of the D365 environment that IV serves'),
  ivQuantityDataSource: v('IVQuantityDataSource', 'IV quantity data source', 'String',
    'The custom IV data source corrections are posted to; never fno (IV refuses API writes to it)', 'ibal'),
  ivPhysicalMeasure: v('IVPhysicalMeasure', 'IV physical measure', 'String',
    'The physical measure of the data source that IV maps to on-hand', 'adjustment'),
  ivMaxLinesPerCall: v('IVMaxLinesPerCall', 'Max lines per IV call', 'Number',
    'Lines sent in one adjustment bulk call (the documented limit of the sibling bulk APIs is 512)', '512'),
  ivCreateWithSync: v('IVCreateWithSync', 'Create with IV sync', 'Boolean',
    'Pass createWithIVSync=true: IV creates the D365 adjustment journal as it posts', 'no'),
  d365JournalNameId: v('D365JournalNameId', 'D365 journal name', 'String',
    'Optional inventory adjustment journal name (fnoJournalNameId) IV uses for the journals it creates'),
  approvalCommentAboveValue: v('ApprovalCommentAboveValue', 'Comment needed above value', 'Number',
    'Approving a correction worth more than this (absolute value) needs a confirming comment', '1000'),
  ivLedgerTables: v('IVLedgerTables', 'IV adjustment line tables', 'JSON',
    "Where Inventory Visibility keeps the lines it received, in Dataverse (its Adjustment Line and Aggregated Adjustment Line tables): the review service reads them before it resends a line and to follow a posted line to D365. Their logical names are not documented: check them in your environment (Tables, search 'Adjustment Line') and set them here.",
    JSON.stringify(IV_LEDGER_TABLES_DEFAULT)),
  attentionAfterMinutes: v('AttentionAfterMinutes', 'Needs attention after (minutes)', 'Number',
    'A correction still Posting, or Posted but not synced to D365, after this many minutes is marked as needing attention', '240'),
  postingPath: v('PostingPath', 'Posting path', 'String',
    'Where approved corrections go: iv (Inventory Visibility adjustments) or d365-journal (a D365 journal imported through data management, for companies without IV)', 'iv'),
  d365Url: v('D365Url', 'Dynamics 365 finance and operations URL', 'String',
    'The environment journals are imported into, e.g. https://contoso.operations.dynamics.com (path d365-journal)'),
  d365ImportProject: v('D365ImportProject', 'D365 import data project', 'String',
    'The import data project (definition group) in D365 data management that takes the journal package (path d365-journal)', 'IBAL journal import'),
  d365JournalType: v('D365JournalType', 'D365 journal type', 'String',
    'adjustment (a signed delta: stays right when other transactions post meanwhile) or counting (sets on-hand to the count: only lines counted after the snapshot)', 'adjustment'),
  d365JournalMaxLines: v('D365JournalMaxLines', 'Max lines per D365 journal', 'Number',
    'A posting batch is split into journals of at most this many lines; every part names the batch', '1000'),
  d365CountingJournalNameId: v('D365CountingJournalNameId', 'D365 counting journal name', 'String',
    'The counting journal name used when the journal type is counting (the adjustment journal uses the D365 journal name)'),
  discrepancyRows: v('DiscrepancyRows', 'Differences stored per run', 'String',
    'review (Material, Timing, those with a likely cause and those already in review; the rest are counted on the run and stay in discrepancies.csv) or all (every difference, Immaterial ones too)', 'review'),
  retentionWeeks: v('RetentionWeeks', 'Keep old runs\' rows (weeks)', 'Number',
    'The job removes the rows of finished runs older than this many weeks, except lines in review, posted lines and their batches; 0 keeps every row', '0'),
} as const satisfies Record<string, EnvironmentVariableDefinition>;
