/**
 * The solution's two languages and the labels of what core/dataverse defines in each: English from core/, German from
 * german-labels.ts. Every label the solution writes carries both (Other/Customizations.xml lists both languages).
 */
import type { EnvironmentVariableDefinition } from '../core/dataverse/environment.js';
import type { AlternateKeyDefinition, ColumnDefinition, TableDefinition } from '../core/dataverse/schema.js';
import { GERMAN_LABELS, type GermanLabels } from './german-labels.js';

export const ENGLISH = 1033;
export const GERMAN = 1031;
/** The base language first, as exports list them in <Languages>. */
export const LANGUAGES = [ENGLISH, GERMAN] as const;

/** One text in both languages. */
export interface Bilingual { en: string; de: string }

export const bilingual = (en: string, de: string): Bilingual => ({ en, de });

/** What german-labels.ts lacks, one line per label, each saying where to add it. */
export class MissingGermanLabels extends Error {
  override readonly name = 'MissingGermanLabels';
  constructor(readonly missing: readonly string[]) {
    super(`solution/german-labels.ts has no German label for:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
  }
}

/** Looks up German labels, collecting every missing one so a generator run reports them all at once. */
export class LabelBook {
  readonly missing: string[] = [];

  constructor(private readonly german: GermanLabels = GERMAN_LABELS) {}

  private need(where: string, english: string, german: string | undefined): Bilingual {
    if (german === undefined || (german === '' && english !== '')) {
      this.missing.push(`${where} ('${english}')`);
      return { en: english, de: english };
    }
    return { en: english, de: german };
  }

  table(table: TableDefinition): { name: Bilingual; plural: Bilingual; description: Bilingual } {
    const de = this.german.tables[table.logicalName];
    const where = `tables.${table.logicalName}`;
    return {
      name: this.need(`${where}.displayName`, table.displayName, de?.displayName),
      plural: this.need(`${where}.pluralName`, table.pluralName, de?.pluralName),
      description: this.need(`${where}.description`, table.description, de?.description ?? (table.description === '' ? '' : undefined)),
    };
  }

  column(table: TableDefinition, column: ColumnDefinition): { name: Bilingual; description: Bilingual } {
    const de = this.german.columns[table.logicalName]?.[column.logicalName];
    const where = `columns.${table.logicalName}.${column.logicalName}`;
    return {
      name: this.need(`${where}.displayName`, column.displayName, de?.displayName),
      description: this.need(`${where}.description`, column.description, de?.description ?? (column.description === '' ? '' : undefined)),
    };
  }

  choice(table: TableDefinition, column: ColumnDefinition, english: string): Bilingual {
    const key = `${table.logicalName}.${column.logicalName}`;
    return this.need(`choices['${key}']['${english}']`, english, this.german.choices[key]?.[english]);
  }

  key(key: AlternateKeyDefinition): Bilingual {
    return this.need(`keys.${key.logicalName}`, key.displayName, this.german.keys[key.logicalName]);
  }

  environmentVariable(variable: EnvironmentVariableDefinition): { name: Bilingual; description: Bilingual } {
    const de = this.german.environmentVariables[variable.schemaName];
    const where = `environmentVariables.${variable.schemaName}`;
    return {
      name: this.need(`${where}.displayName`, variable.displayName, de?.displayName),
      description: this.need(`${where}.description`, variable.description, de?.description ?? (variable.description === '' ? '' : undefined)),
    };
  }

  /** Throws when anything looked up so far had no German label. */
  assertComplete(): void {
    if (this.missing.length > 0) throw new MissingGermanLabels([...new Set(this.missing)]);
  }
}
