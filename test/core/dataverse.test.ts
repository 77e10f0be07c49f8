import { entitySetNameOf, choiceValue, PUBLISHER } from '../../core/dataverse/schema';
import { TABLES, discrepancy, postingBatch } from '../../core/dataverse/tables';

describe('Dataverse names from the table definitions', () => {
  it('forms entity set names as Dataverse pluralizes logical names', () => {
    expect(entitySetNameOf('ibal_discrepancy')).toBe('ibal_discrepancies');
    expect(entitySetNameOf('ibal_postingbatch')).toBe('ibal_postingbatches');
    expect(entitySetNameOf('ibal_thresholdrule')).toBe('ibal_thresholdrules');
    expect(entitySetNameOf('ibal_survey')).toBe('ibal_surveys');
    expect([discrepancy.entitySetName, postingBatch.entitySetName]).toEqual(['ibal_discrepancies', 'ibal_postingbatches']);
  });

  it('names every column with the publisher prefix, once per table, within Dataverse limits', () => {
    for (const table of TABLES) {
      const names = [table.primaryName, ...Object.values(table.columns)].map((c) => c.logicalName);
      expect(new Set(names).size).toBe(names.length);
      for (const column of [table.primaryName, ...Object.values(table.columns)]) {
        expect(column.logicalName).toMatch(/^ibal_[a-z0-9]+$/);
        expect(column.schemaName.toLowerCase()).toBe(column.logicalName);
        expect(column.schemaName.length).toBeLessThanOrEqual(50);
        if (column.type.kind === 'decimal') expect(column.type.precision).toBeLessThanOrEqual(10);
      }
      expect(table.keys.length).toBeLessThanOrEqual(10);
    }
  });

  it('numbers choices from the publisher prefix without repeats', () => {
    expect(choiceValue(3)).toBe(PUBLISHER.optionValuePrefix * 10000 + 3);
    for (const table of TABLES) {
      for (const column of Object.values(table.columns)) {
        if (column.type.kind !== 'choice') continue;
        const values = column.type.choices.map((c) => c.value);
        expect(new Set(values).size).toBe(values.length);
      }
    }
  });
});
