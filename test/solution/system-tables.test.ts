/** Relationships name system tables by their real schema names, which casing a logical name cannot produce. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TABLES, discrepancy } from '../../core/dataverse/tables';
import { relationshipsOf } from '../../solution/entity-xml';
import { UnknownTableError, schemaNameOfTable } from '../../solution/system-tables';
import { entries, list, packed, parse, type Xml } from '../helpers/solution';
import { MICROSOFT, childText, everywhere, parseFile, parseXml, zipEntries } from '../helpers/xml-shape';

const relationships = list(parse(entries(packed().managed)['customizations.xml']!).ImportExportXml.EntityRelationships.EntityRelationship);

/** Every system table name Microsoft's exports in the fixtures refer to. */
const exportedSystemNames = new Set([
  ...everywhere(parseFile(join(MICROSOFT, 'mpa_Checklist', 'Other', 'Relationships', 'SystemUser.xml')), 'EntityRelationship'),
  ...['CodeInterpreterSample_1_0_0_0_managed.zip', 'ColumnLevelSecuritySampleSolution.zip']
    .flatMap((zip) => everywhere(parseXml(zipEntries(readFileSync(join(MICROSOFT, zip)))['customizations.xml']!), 'EntityRelationship')),
].map((r) => childText(r, 'ReferencedEntityName')!).filter((name) => !/^(sample|mpa)_/.test(name)));

describe('system tables in relationships', () => {
  it('refer to users as SystemUser, the way every export writes it', () => {
    for (const column of [discrepancy.columns.requestedBy, discrepancy.columns.decidedBy]) {
      const r = relationships.find((x: Xml) => x.ReferencingAttributeName === column.schemaName);
      expect(r.ReferencedEntityName).toBe('SystemUser');
    }
    expect(exportedSystemNames.has('SystemUser')).toBe(true);
  });

  it('use, for every table outside the solution, a schema name Microsoft\'s exports use', () => {
    const own = new Set(TABLES.map((t) => t.schemaName));
    const referenced = new Set(relationships.map((r: Xml) => r.ReferencedEntityName as string).filter((n) => !own.has(n)));
    expect([...referenced].sort()).toEqual(['BusinessUnit', 'Owner', 'SystemUser', 'Team']);
    for (const name of referenced) expect(exportedSystemNames.has(name)).toBe(true);
  });

  it('refuse a lookup to a table whose schema name is not known, saying where to add it', () => {
    expect(() => schemaNameOfTable('msdyn_warehouse', TABLES)).toThrow(UnknownTableError);
    expect(() => schemaNameOfTable('msdyn_warehouse', TABLES)).toThrow(/solution\/system-tables\.ts/);
    const changed = { ...discrepancy, columns: { ...discrepancy.columns, requestedBy: { ...discrepancy.columns.requestedBy, type: { kind: 'lookup' as const, target: 'msdyn_warehouse', onDelete: 'RemoveLink' as const } } } };
    expect(() => relationshipsOf(TABLES.map((t) => (t === discrepancy ? changed : t)))).toThrow("ibal_discrepancy.ibal_requestedby targets 'msdyn_warehouse'");
  });
});
