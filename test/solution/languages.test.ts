/**
 * German is offered everywhere or nowhere: the grid has German strings, so the solution lists both languages and every
 * label it writes (tables, columns, choices, views, forms, charts, sitemap, app, ribbon, settings) carries both.
 */
import { ENVIRONMENT_VARIABLES } from '../../core/dataverse/environment';
import { allColumns, column, text, type TableDefinition } from '../../core/dataverse/schema';
import { TABLES, discrepancy } from '../../core/dataverse/tables';
import { GERMAN_LABELS } from '../../solution/german-labels';
import { GERMAN, LabelBook, LANGUAGES, MissingGermanLabels } from '../../solution/labels';
import { entries, packed } from '../helpers/solution';
import { attrs, childrenOfNode, parseXml, tagOf, type Node } from '../helpers/xml-shape';

const zip = entries(packed().managed);

/** Each group of labels (the label elements under one parent), with where it is and the languages it has. */
function labelGroups(nodes: ReturnType<typeof parseXml>, path: string): Array<{ where: string; languages: number[] }> {
  const groups: Array<{ where: string; languages: number[] }> = [];
  for (const node of nodes) {
    const tag = tagOf(node);
    if (tag === '#text') continue;
    const children = childrenOfNode(node);
    const languages = children.map((c) => attrs(c as Node)).map((a) => Number(a.languagecode ?? a.LCID)).filter((n) => !Number.isNaN(n) && n > 0);
    const id = attrs(node).Id ?? attrs(node).Name ?? attrs(node).name ?? '';
    const where = `${path}/${tag}${id ? `[${id}]` : ''}`;
    if (languages.length > 0) groups.push({ where, languages: [...languages].sort() });
    groups.push(...labelGroups(children, where));
  }
  return groups;
}

describe('a second language everywhere', () => {
  it('lists English and German as the solution\'s languages', () => {
    const languages = (xml: string) => [...xml.matchAll(/<Language>(\d+)<\/Language>/g)].map((m) => Number(m[1]));
    expect(languages(zip['customizations.xml']!)).toEqual([...LANGUAGES]);
  });

  it('gives every label of the packed solution both languages', () => {
    const files = Object.entries(zip).filter(([name]) => name.endsWith('.xml') && !name.startsWith('Controls/'));
    const groups = files.flatMap(([name, xml]) => labelGroups(parseXml(xml), name));
    expect(groups.length).toBeGreaterThan(500);
    const oneLanguage = groups.filter((g) => g.languages.join() !== [...LANGUAGES].sort().join()).map((g) => `${g.where}: ${g.languages.join()}`);
    expect(oneLanguage).toEqual([]);
  });

  it('has the grid\'s strings in both languages too', () => {
    for (const code of LANGUAGES) expect(zip[`Controls/ibal_InventoryBalance.VarianceGrid/strings/VarianceGrid.${code}.resx`]).toBeDefined();
  });

  it('has a German label for every table, column, choice, key and setting core/ defines, and none for anything else', () => {
    const book = new LabelBook();
    for (const table of TABLES) {
      book.table(table);
      for (const c of allColumns(table)) {
        book.column(table, c);
        if (c.type.kind === 'choice') for (const choice of c.type.choices) book.choice(table, c, choice.label);
        if (c.type.kind === 'boolean') for (const label of [c.type.trueLabel, c.type.falseLabel]) book.choice(table, c, label);
      }
      for (const key of table.keys) book.key(key);
    }
    for (const v of Object.values(ENVIRONMENT_VARIABLES)) book.environmentVariable(v);
    expect(book.missing).toEqual([]);
    const defined = new Set(TABLES.flatMap((t) => allColumns(t).map((c) => `${t.logicalName}.${c.logicalName}`)));
    const labelled = Object.entries(GERMAN_LABELS.columns).flatMap(([table, columns]) => Object.keys(columns).map((c) => `${table}.${c}`));
    expect(labelled.filter((key) => !defined.has(key))).toEqual([]);
    expect(Object.keys(GERMAN_LABELS.tables).sort()).toEqual(TABLES.map((t) => t.logicalName).sort());
    expect(Object.keys(GERMAN_LABELS.environmentVariables).sort()).toEqual(Object.values(ENVIRONMENT_VARIABLES).map((v) => v.schemaName).sort());
  });

  it('names, for a column added without a German label, the entry to add', () => {
    const withNewColumn: TableDefinition = { ...discrepancy, columns: { ...discrepancy.columns, shelf: column('shelf', 'Shelf', text(20)) } };
    const book = new LabelBook();
    const { name } = book.column(withNewColumn, withNewColumn.columns.shelf!);
    expect(name).toEqual({ en: 'Shelf', de: 'Shelf' });
    expect(() => book.assertComplete()).toThrow(MissingGermanLabels);
    expect(() => book.assertComplete()).toThrow("columns.ibal_discrepancy.ibal_shelf.displayName ('Shelf')");
    expect(GERMAN).toBe(1031);
  });
});
