/**
 * The building blocks of Dataverse table definitions: what a column is, independent of any XML or HTTP.
 * `core/dataverse/tables.ts` uses them to define the product's tables once; the solution packer, the Dataverse
 * emulator and the typed names in code are all derived from those definitions.
 */

export const PUBLISHER = {
  uniqueName: 'inventorybalance',
  displayName: 'Inventory Balance',
  prefix: 'ibal',
  /** Choice values are prefix × 10,000 + n (solution.md §1.3). */
  optionValuePrefix: 73580,
} as const;

export const SOLUTION_UNIQUE_NAME = 'InventoryBalance';

export type RequiredLevel = 'none' | 'recommended' | 'required';
export type DateTimeBehavior = 'UserLocal' | 'DateOnly' | 'TimeZoneIndependent';

export interface Choice { value: number; label: string; description?: string }

export type ColumnType =
  | { kind: 'text'; maxLength: number; format: 'text' | 'url' | 'email' }
  | { kind: 'memo'; maxLength: number }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'decimal'; precision: number; min: number; max: number }
  | { kind: 'datetime'; behavior: DateTimeBehavior; format: 'date' | 'datetime' }
  | { kind: 'boolean'; defaultValue: boolean; trueLabel: string; falseLabel: string }
  | { kind: 'choice'; choices: readonly Choice[]; defaultValue?: number }
  | { kind: 'lookup'; target: string; onDelete: 'Cascade' | 'RemoveLink' | 'Restrict' };

export interface ColumnDefinition<Logical extends string = string> {
  logicalName: Logical;
  schemaName: string;
  displayName: string;
  description: string;
  type: ColumnType;
  required: RequiredLevel;
  /** Restricted by a column security profile (field-level security). */
  secured: boolean;
}

export interface AlternateKeyDefinition {
  logicalName: string;
  schemaName: string;
  displayName: string;
  columns: readonly string[];
}

export interface TableDefinition<Columns extends Record<string, ColumnDefinition> = Record<string, ColumnDefinition>> {
  logicalName: string;
  schemaName: string;
  entitySetName: string;
  /** The row id column, `<logical name>id`. */
  primaryId: string;
  displayName: string;
  pluralName: string;
  description: string;
  /** The primary name column (always single-line text). */
  primaryName: ColumnDefinition;
  columns: Columns;
  keys: readonly AlternateKeyDefinition[];
}

/** `ibal_ivlineid` → `ibal_IvLineId` style schema names from a readable name. */
function schemaNameOf(prefix: string, words: string): string {
  return `${prefix}_${words.split(/\s+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}`;
}

/** The entity set name Dataverse makes of a logical name: its English plural (discrepancy → discrepancies). */
export function entitySetNameOf(logicalName: string): string {
  if (/[^aeiou]y$/.test(logicalName)) return `${logicalName.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(logicalName)) return `${logicalName}es`;
  return `${logicalName}s`;
}

/** Choice value n of this publisher. */
export const choiceValue = (n: number): number => PUBLISHER.optionValuePrefix * 10000 + n;

/** Choices numbered from the publisher's prefix, in the order given. */
export function choices(...labels: string[]): Choice[] {
  return labels.map((label, n) => ({ value: choiceValue(n), label }));
}

interface ColumnOptions { required?: RequiredLevel; secured?: boolean; description?: string }

/**
 * A column named by words, e.g. column('qty variance', 'Quantity variance', decimal(...)) gives
 * logical name `ibal_qtyvariance` and schema name `ibal_QtyVariance`.
 */
export function column<const Words extends string>(words: Words, displayName: string, type: ColumnType, options: ColumnOptions = {}):
  ColumnDefinition<`${typeof PUBLISHER.prefix}_${Lowercase<RemoveSpaces<Words>>}`> {
  const schemaName = schemaNameOf(PUBLISHER.prefix, words);
  return {
    logicalName: schemaName.toLowerCase() as `${typeof PUBLISHER.prefix}_${Lowercase<RemoveSpaces<Words>>}`,
    schemaName,
    displayName,
    description: options.description ?? '',
    type,
    required: options.required ?? 'none',
    secured: options.secured ?? false,
  };
}

type RemoveSpaces<S extends string> = S extends `${infer A} ${infer B}` ? `${A}${RemoveSpaces<B>}` : S;

export const text = (maxLength: number, format: 'text' | 'url' | 'email' = 'text'): ColumnType => ({ kind: 'text', maxLength, format });
export const memo = (maxLength: number): ColumnType => ({ kind: 'memo', maxLength });
export const integer = (min = 0, max = 2147483647): ColumnType => ({ kind: 'integer', min, max });
/** Dataverse decimals hold up to 10 places in ±100,000,000,000. */
export const decimal = (precision: number, min = -100000000000, max = 100000000000): ColumnType => ({ kind: 'decimal', precision, min, max });
export const dateTime = (behavior: DateTimeBehavior = 'UserLocal'): ColumnType => ({ kind: 'datetime', behavior, format: 'datetime' });
export const yesNo = (defaultValue: boolean): ColumnType => ({ kind: 'boolean', defaultValue, trueLabel: 'Yes', falseLabel: 'No' });
export const choice = (options: readonly Choice[], defaultValue?: number): ColumnType => ({ kind: 'choice', choices: options, ...(defaultValue === undefined ? {} : { defaultValue }) });
/** A lookup; `onDelete` says what deleting the target does to this row (Dataverse CascadeDelete). */
export const lookup = (target: string, onDelete: 'Cascade' | 'RemoveLink' | 'Restrict' = 'RemoveLink'): ColumnType =>
  ({ kind: 'lookup', target, onDelete });

/** Lookup columns come back from the Web API as `_<logical name>_value`. */
export const lookupValueName = (logicalName: string): string => `_${logicalName}_value`;

export function defineTable<const Columns extends Record<string, ColumnDefinition>>(definition: {
  name: string; displayName: string; pluralName: string; description: string;
  primaryName: { displayName: string; maxLength: number };
  columns: Columns;
  /** Alternate keys; 'name' is the primary name column. */
  keys?: ReadonlyArray<{ name: string; displayName: string; columns: ReadonlyArray<(keyof Columns & string) | 'name'> }>;
}): TableDefinition<Columns> {
  const schemaName = schemaNameOf(PUBLISHER.prefix, definition.name);
  const logicalName = schemaName.toLowerCase();
  const primaryName = column('name', definition.primaryName.displayName, text(definition.primaryName.maxLength), { required: 'required' });
  return {
    logicalName,
    schemaName,
    entitySetName: entitySetNameOf(logicalName),
    primaryId: `${logicalName}id`,
    displayName: definition.displayName,
    pluralName: definition.pluralName,
    description: definition.description,
    primaryName,
    columns: definition.columns,
    keys: (definition.keys ?? []).map((key) => {
      const keySchema = schemaNameOf(PUBLISHER.prefix, key.name);
      return {
        logicalName: keySchema.toLowerCase(), schemaName: keySchema, displayName: key.displayName,
        columns: key.columns.map((c) => (c === 'name' ? primaryName.logicalName : definition.columns[c]!.logicalName)),
      };
    }),
  };
}

/** Every column of a table, the primary name first. */
export function allColumns(table: TableDefinition): ColumnDefinition[] {
  return [table.primaryName, ...Object.values(table.columns)];
}

/** The most characters a text or memo column holds; undefined for other kinds. */
export function maxLengthOf(column: ColumnDefinition): number | undefined {
  return column.type.kind === 'text' || column.type.kind === 'memo' ? column.type.maxLength : undefined;
}

/** The range a whole-number or decimal column holds; undefined for other kinds. */
export function rangeOf(column: ColumnDefinition): { min: number; max: number } | undefined {
  return column.type.kind === 'integer' || column.type.kind === 'decimal' ? { min: column.type.min, max: column.type.max } : undefined;
}
