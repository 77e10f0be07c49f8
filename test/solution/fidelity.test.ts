/**
 * Our solution source and packed zip, compared element by element with solutions Microsoft's tools exported or
 * unpacked, for every component kind we ship. The Microsoft files are small extracts under test/fixtures/microsoft
 * (provenance in its README): the whole references in ../shared/reference/dataverse are not on a clean clone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { TABLES } from '../../core/dataverse/tables';
import { filesUnder } from '../../solution/components';
import { compareIgnoringCase } from '../../solution/xml';
import { SOLUTION_SRC, packed } from '../helpers/solution';
import {
  MICROSOFT, at, attrs, childTags, childText, childrenOfNode, everywhere, expectSameRelativeOrder, parseFile, parseXml, tagOf, zipEntries, type Node,
} from '../helpers/xml-shape';

const MPA = join(MICROSOFT, 'mpa_Checklist');
const BAK = join(MICROSOFT, 'business-approvals-kit');
const zipOf = (name: string) => zipEntries(readFileSync(join(MICROSOFT, name)));
const codeInterpreter = zipOf('CodeInterpreterSample_1_0_0_0_managed.zip');
const columnSecurity = zipOf('ColumnLevelSecuritySampleSolution.zip');
const contoso = zipOf('Contoso_sample_1_0_0_1_managed.zip');
const upsert = zipOf('UpsertSample_1_0_0_0_managed.zip');
const secondaryRecordSource = zipOf('SecondaryRecordSource_SampleSolution_1_23091_1_managed.zip');
const ours = zipEntries(packed().managed);

/** Our source files; the built web resources and control that `npm run solution:src` copies in for pac are not source. */
const ourSourceFiles = filesUnder(SOLUTION_SRC).map((p) => relative(SOLUTION_SRC, p).split(sep).join('/'))
  .filter((p) => !(/^(WebResources|Controls)\//.test(p) && !p.endsWith('.data.xml')));
const src = (...path: string[]) => parseFile(join(SOLUTION_SRC, ...path));
const root = (nodes: ReturnType<typeof parseXml>) => nodes.find((n) => tagOf(n) !== '#text')!;
const customizationsOf = (xml: string) => childrenOfNode(root(parseXml(xml)));

/** A path with its names and ids replaced, so files of the same kind compare equal across solutions. */
function kindOf(path: string): string {
  return path
    .replace(/\{[0-9a-fA-F-]{36}\}/g, '{id}')
    .replace(/^Entities\/[^/]+\//, 'Entities/<table>/')
    .replace(/^Roles\/[^/]+\.xml$/, 'Roles/<role>.xml')
    .replace(/^Other\/Relationships\/[^/]+\.xml$/, 'Other/Relationships/<table>.xml')
    .replace(/^(AppModules|AppModuleSiteMaps)\/[^/]+\//, '$1/<app>/')
    .replace(/^WebResources\/.+\.data\.xml$/, 'WebResources/<name>.data.xml')
    .replace(/^Controls\/[^/]+\//, 'Controls/<control>/')
    .replace(/^environmentvariabledefinitions\/[^/]+\//, 'environmentvariabledefinitions/<name>/');
}

describe('solution/src is the tree `pac solution unpack` writes', () => {
  const microsoftKinds = new Set([
    ...readFileSync(join(MPA, 'tree.txt'), 'utf8').split('\n'),
    ...readFileSync(join(BAK, 'tree.txt'), 'utf8').split('\n'),
  ].filter(Boolean).map(kindOf));

  it('holds only kinds of files that Microsoft\'s unpacked solutions hold', () => {
    // Other/FieldSecurityProfiles.xml is where pac writes column security profiles; neither Microsoft tree has one
    // (a third-party pac tree, HamzehMari/CaseSystem-PowerApps, shows the same path and shape).
    // SdkMessageProcessingSteps/{id}.xml and ServiceEndpoints/{id}.xml hold the review service's webhook: neither
    // Microsoft tree registers one, so their place is SolutionPackager's folder-per-kind layout, not verified here.
    const notInMicrosoftTrees = new Set(['Other/FieldSecurityProfiles.xml', 'SdkMessageProcessingSteps/{id}.xml', 'ServiceEndpoints/{id}.xml']);
    const foreign = [...new Set(ourSourceFiles.map(kindOf))].filter((k) => !microsoftKinds.has(k) && !notInMicrosoftTrees.has(k));
    expect(foreign).toEqual([]);
  });

  it('holds every file pac writes for the component kinds we ship', () => {
    const kinds = new Set(ourSourceFiles.map(kindOf));
    for (const kind of ['Other/Solution.xml', 'Other/Customizations.xml', 'Other/Relationships.xml', 'Other/Relationships/<table>.xml',
      'Entities/<table>/Entity.xml', 'Entities/<table>/RibbonDiff.xml', 'Entities/<table>/FormXml/main/{id}.xml',
      'Entities/<table>/SavedQueries/{id}.xml', 'Entities/<table>/Visualizations/{id}.xml', 'Roles/<role>.xml',
      'AppModules/<app>/AppModule.xml', 'AppModuleSiteMaps/<app>/AppModuleSiteMap.xml', 'WebResources/<name>.data.xml',
      'Controls/<control>/ControlManifest.xml.data.xml', 'environmentvariabledefinitions/<name>/environmentvariabledefinition.xml']) {
      expect(microsoftKinds.has(kind)).toBe(true);
      expect(kinds.has(kind)).toBe(true);
    }
    for (const table of TABLES) {
      for (const file of ['Entity.xml', 'RibbonDiff.xml']) expect(ourSourceFiles).toContain(`Entities/${table.schemaName}/${file}`);
    }
  });

  it('writes Other/Solution.xml and Other/Customizations.xml as pac does', () => {
    const manifest = (nodes: ReturnType<typeof parseXml>) => at(nodes, ['ImportExportXml', 'SolutionManifest'])[0]!;
    expect(childTags(manifest(src('Other', 'Solution.xml')))).toEqual(childTags(manifest(parseFile(join(MPA, 'Other', 'Solution.xml')))));
    const sections = (nodes: ReturnType<typeof parseXml>) => childTags(root(nodes));
    const ourSections = sections(src('Other', 'Customizations.xml'));
    expectSameRelativeOrder(ourSections, sections(parseFile(join(MPA, 'Other', 'Customizations.xml'))));
    expectSameRelativeOrder(ourSections, sections(parseFile(join(BAK, 'Other', 'Customizations.xml'))));
    // pac leaves the split-out sections empty in Other/Customizations.xml.
    expect(childrenOfNode(root(src('Other', 'Customizations.xml'))).filter((n) => tagOf(n) !== 'Languages').every((n) => childrenOfNode(n).length === 0)).toBe(true);
  });

  it('writes each Entity.xml with the split-out parts as empty placeholders, as pac does', () => {
    const reference = childTags(root(parseFile(join(MPA, 'Entities', 'mpa_checklist_templatestep', 'Entity.xml'))));
    for (const table of TABLES) {
      const entity = root(src('Entities', table.schemaName, 'Entity.xml'));
      // mpa_checklist_report, a table with charts in the same tree, has its <Visualizations /> before <RibbonDiffXml />.
      expectSameRelativeOrder(childTags(entity), [...reference.filter((t) => t !== 'RibbonDiffXml'), 'Visualizations', 'RibbonDiffXml']);
      for (const placeholder of ['FormXml', 'SavedQueries', 'RibbonDiffXml']) {
        const node = childrenOfNode(entity).find((n) => tagOf(n) === placeholder);
        expect(node && childrenOfNode(node)).toEqual([]);
      }
    }
  });

  it('files each relationship under the table it refers to, listing them all in Other/Relationships.xml', () => {
    const listed = everywhere(src('Other', 'Relationships.xml'), 'EntityRelationship').map((n) => attrs(n).Name);
    const defined = ourSourceFiles.filter((p) => p.startsWith('Other/Relationships/')).flatMap((p) => {
      const file = p.slice('Other/Relationships/'.length, -'.xml'.length);
      return everywhere(parseFile(join(SOLUTION_SRC, p)), 'EntityRelationship').map((r) => {
        expect(childText(r, 'ReferencedEntityName')).toBe(file);
        return attrs(r).Name;
      });
    });
    expect([...defined].sort()).toEqual([...listed].sort());
    // Microsoft's tree does the same: SystemUser.xml holds the relationships that refer to SystemUser.
    for (const r of everywhere(parseFile(join(MPA, 'Other', 'Relationships', 'SystemUser.xml')), 'EntityRelationship')) {
      expect(childText(r, 'ReferencedEntityName')).toBe('SystemUser');
    }
  });
});

describe('each component kind, element by element', () => {
  const ourEntities = at(customizationsOf(ours['customizations.xml']!), ['Entities', 'Entity']);
  const ourEntity = (schemaName: string) => ourEntities.find((e) => childText(e, 'Name') === schemaName)!;
  const entityInfoOf = (entity: Node) => at(childrenOfNode(entity), ['EntityInfo', 'entity'])[0]!;

  it('tables: the entity properties in the platform\'s order', () => {
    const reference = childTags(entityInfoOf(root(parseFile(join(MPA, 'Entities', 'mpa_checklist_templatestep', 'Entity.xml')))));
    for (const table of TABLES) expectSameRelativeOrder(childTags(entityInfoOf(ourEntity(table.schemaName))), [...reference.slice(0, 4), 'EntityKeys', ...reference.slice(4)]);
  });

  /** One attribute per type, custom ones first: a custom and a system column of a type have the same elements. */
  const attributesByType = (entities: Node[]) => {
    const byType = new Map<string, Node>();
    const all = entities.flatMap((e) => at(childrenOfNode(entityInfoOf(e)), ['attributes', 'attribute']));
    for (const a of [...all.filter((x) => childText(x, 'IsCustomField') === '1'), ...all]) {
      const type = childText(a, 'Type')!;
      if (!byType.has(type)) byType.set(type, a);
    }
    return byType;
  };
  const microsoftAttributes = new Map([
    ...attributesByType(at(customizationsOf(codeInterpreter['customizations.xml']!), ['Entities', 'Entity'])),
    ...attributesByType([root(parseFile(join(MPA, 'Entities', 'mpa_checklist_templatestep', 'Entity.xml')))]),
  ]);
  const ourAttributes = attributesByType(ourEntities);
  it.each([...ourAttributes.keys()].sort())('columns: a %s attribute has the platform\'s elements in its order', (type) => {
    const reference = microsoftAttributes.get(type);
    expect(reference).toBeDefined();
    expect(childTags(ourAttributes.get(type)!)).toEqual(childTags(reference!));
    // Choices, yes/no columns and status: the option set and its options as the platform writes them.
    const [ourSet, referenceSet] = [ourAttributes.get(type)!, reference!].map((a) => everywhere([a], 'optionset')[0]);
    if (referenceSet && ourSet) {
      expectSameRelativeOrder(childTags(ourSet), childTags(referenceSet));
      for (const tag of ['option', 'state', 'status']) {
        const [ours1, theirs] = [ourSet, referenceSet].map((set) => everywhere([set], tag)[0]);
        if (ours1 && theirs) expect(Object.keys(attrs(theirs)).every((k) => k in attrs(ours1))).toBe(true);
      }
    }
  });

  it('alternate keys: written as exports write them, named by schema name', () => {
    const reference = everywhere(customizationsOf(upsert['customizations.xml']!), 'EntityKey')[0]!;
    for (const table of TABLES.filter((t) => t.keys.length > 0)) {
      const keys = everywhere([ourEntity(table.schemaName)], 'EntityKey');
      expect(keys.map((k) => childText(k, 'Name'))).toEqual(table.keys.map((k) => k.schemaName));
      for (const key of keys) {
        expect(childTags(key)).toEqual(childTags(reference));
        expect(childText(key, 'IsCustomizable')).toBe(childText(reference, 'IsCustomizable'));
      }
    }
  });

  it('relationships: the system ones every export lists, and each with the platform\'s elements', () => {
    const ourRelationships = at(customizationsOf(ours['customizations.xml']!), ['EntityRelationships', 'EntityRelationship']);
    // The relationships a table has with system tables (CodeInterpreterSample's money column adds TransactionCurrency).
    const systemNames = (relationships: Node[], table: string) => relationships
      .filter((r) => childText(r, 'ReferencingEntityName')!.toLowerCase() === table && !/^ibal_|^sample_/i.test(childText(r, 'ReferencedEntityName')!)
        && childText(r, 'ReferencedEntityName') !== 'TransactionCurrency' && !/^ibal_/.test(childText(r, 'ReferencingAttributeName')!))
      .map((r) => attrs(r).Name!.replace(table, '<table>')).sort();
    const exported = at(customizationsOf(codeInterpreter['customizations.xml']!), ['EntityRelationships', 'EntityRelationship']);
    for (const table of TABLES) expect(systemNames(ourRelationships, table.logicalName)).toEqual(systemNames(exported, 'sample_example'));

    const systemReference = everywhere(parseFile(join(MPA, 'Other', 'Relationships', 'SystemUser.xml')), 'EntityRelationship')[0]!;
    const lookupReference = everywhere(parseFile(join(MPA, 'Other', 'Relationships', 'mpa_checklist_category.xml')), 'EntityRelationship')[0]!;
    for (const r of ourRelationships) {
      const custom = childrenOfNode(r).some((n) => tagOf(n) === 'EntityRelationshipRoles');
      expect(childTags(r)).toEqual(childTags(custom ? lookupReference : systemReference));
    }
  });

  it('forms: the platform\'s elements, and empty rows under a cell that spans rows', () => {
    const reference = at(parseFile(join(MPA, 'Entities', 'mpa_checklist_category', 'FormXml', 'main',
      readdirSync(join(MPA, 'Entities', 'mpa_checklist_category', 'FormXml', 'main'))[0]!)), ['forms', 'systemform'])[0]!;
    const spannedRowsAreEmpty = (form: Node) => {
      let checked = 0;
      for (const rows of everywhere([form], 'rows')) {
        const list = childrenOfNode(rows);
        list.forEach((row, i) => {
          for (const cell of childrenOfNode(row).filter((c) => tagOf(c) === 'cell')) {
            const span = Number(attrs(cell).rowspan ?? 1);
            for (let k = 1; k < span; k += 1) {
              expect(list[i + k] && childrenOfNode(list[i + k]!)).toEqual([]);
              checked += 1;
            }
          }
        });
      }
      return checked;
    };
    expect(spannedRowsAreEmpty(reference)).toBeGreaterThan(0);
    let ourSpans = 0;
    for (const form of everywhere(ourEntities, 'systemform')) {
      expectSameRelativeOrder(childTags(form), childTags(reference));
      ourSpans += spannedRowsAreEmpty(form);
    }
    expect(ourSpans).toBeGreaterThan(0);
  });

  it('views: the platform\'s elements, the full set of query types, one default of each', () => {
    const referenceViews = readdirSync(join(MPA, 'Entities', 'mpa_checklist_category', 'SavedQueries'))
      .map((f) => at(parseFile(join(MPA, 'Entities', 'mpa_checklist_category', 'SavedQueries', f)), ['savedqueries', 'savedquery'])[0]!);
    const typesOf = (views: Node[]) => [...new Set(views.map((v) => childText(v, 'querytype')!))].sort();
    const oneDefaultEach = (views: Node[]) => typesOf(views).every((type) =>
      views.filter((v) => childText(v, 'querytype') === type && childText(v, 'isdefault') === '1').length === 1);
    expect(oneDefaultEach(referenceViews)).toBe(true);
    for (const table of TABLES) {
      const views = everywhere([ourEntity(table.schemaName)], 'savedquery');
      expect(typesOf(views)).toEqual(typesOf(referenceViews));
      expect(oneDefaultEach(views)).toBe(true);
      for (const v of views) expectSameRelativeOrder(childTags(v), [...childTags(referenceViews[0]!), 'Descriptions']);
      // Public views a maker may delete are the ones beyond the table's standard set.
      const standard = views.filter((v) => childText(v, 'querytype') !== '0' || childText(v, 'isdefault') === '1' || /^Inactive /.test(everywhere([v], 'LocalizedName').map((n) => attrs(n).description)[0]!));
      for (const v of views.filter((x) => !standard.includes(x))) expect(childText(v, 'CanBeDeleted')).toBe('1');
    }
  });

  it('charts: the platform\'s elements, each category naming its group-by alias', () => {
    const reference = root(parseFile(join(MPA, 'Entities', 'mpa_checklist_report', 'Visualizations', readdirSync(join(MPA, 'Entities', 'mpa_checklist_report', 'Visualizations'))[0]!)));
    const categoriesNameTheirGroup = (chart: Node) => everywhere([chart], 'category').every((c) => {
      const groupBy = everywhere([chart], 'attribute').filter((a) => attrs(a).groupby === 'true').map((a) => attrs(a).alias);
      return attrs(c).alias !== undefined && groupBy.includes(attrs(c).alias);
    });
    expect(categoriesNameTheirGroup(reference)).toBe(true);
    const charts = everywhere(ourEntities, 'visualization');
    expect(charts.length).toBeGreaterThan(0);
    for (const chart of charts) {
      expectSameRelativeOrder(childTags(chart), childTags(reference));
      expect(categoriesNameTheirGroup(chart)).toBe(true);
    }
  });

  it('ribbons: the platform\'s sections in its order', () => {
    const reference = childTags(root(parseFile(join(MPA, 'Entities', 'mpa_checklist_category', 'RibbonDiff.xml'))));
    for (const ribbon of everywhere(ourEntities, 'RibbonDiffXml')) expect(childTags(ribbon)).toEqual(reference);
  });

  it('roles: IsAutoAssigned and a description as 2025 exports write them, privileges in the exports\' order', () => {
    const exported = at(customizationsOf(columnSecurity['customizations.xml']!), ['Roles', 'Role']);
    const roles = at(customizationsOf(ours['customizations.xml']!), ['Roles', 'Role']);
    const names = (role: Node) => everywhere([role], 'RolePrivilege').map((p) => attrs(p).name!);
    const sorted = (list: string[]) => [...list].sort(compareIgnoringCase);
    // The order rule is Microsoft's: it reproduces both exports' own order.
    for (const role of [...exported, root(parseFile(join(MPA, 'Roles', 'Checklist App - User.xml')))]) expect(names(role)).toEqual(sorted(names(role)));
    expect(roles).toHaveLength(5);
    for (const role of roles) {
      expect(childTags(role)).toEqual(childTags(exported[0]!));
      expect(childText(role, 'IsAutoAssigned')).toBe('0');
      expect(childText(role, 'Description')?.length).toBeGreaterThan(20);
      expect(names(role)).toEqual(sorted(names(role)));
    }
  });

  it('column security profiles: the platform\'s elements', () => {
    const reference = everywhere(customizationsOf(columnSecurity['customizations.xml']!), 'FieldSecurityProfile')[0]!;
    for (const profile of everywhere(customizationsOf(ours['customizations.xml']!), 'FieldSecurityProfile')) {
      expect(Object.keys(attrs(profile)).sort()).toEqual(Object.keys(attrs(reference)).sort());
      for (const permission of everywhere([profile], 'FieldPermission')) expect(childTags(permission)).toEqual(childTags(everywhere([reference], 'FieldPermission')[0]!));
    }
  });

  it('the app and its sitemap: the platform\'s elements, components grouped by type in its order', () => {
    const reference = root(parseFile(join(MPA, 'AppModules', 'mpa_checklist', 'AppModule.xml')));
    const app = root(src('AppModules', 'ibal_InventoryBalance', 'AppModule.xml'));
    expect(childTags(app)).toEqual(childTags(reference));
    const typeOrder = (node: Node) => [...new Set(everywhere([node], 'AppModuleComponent').map((c) => attrs(c).type!))];
    expectSameRelativeOrder(typeOrder(app), typeOrder(reference));
    const siteMapReference = root(parseFile(join(MPA, 'AppModuleSiteMaps', 'mpa_checklist', 'AppModuleSiteMap.xml')));
    expect(childTags(root(src('AppModuleSiteMaps', 'ibal_InventoryBalance', 'AppModuleSiteMap.xml')))).toEqual(childTags(siteMapReference));
  });

  it('web resources: the definition pac writes next to the file, and the zip entry exports use', () => {
    const references = [parseFile(join(MPA, 'WebResources', 'mpa_checklist_item.data.xml')), parseFile(join(BAK, 'WebResources', 'cat_HomePageLoc.1033.resx.data.xml'))].map(root);
    // Exports name the entry after the web resource without separators, then its id in upper case.
    const entryRule = (node: Node) => childText(node, 'FileName') === `/WebResources/${childText(node, 'Name')!.replace(/[^A-Za-z0-9_]/g, '')}${childText(node, 'WebResourceId')!.replace(/[{}]/g, '').toUpperCase()}`;
    for (const r of references) expect(entryRule(r)).toBe(true);
    const ourDefinitions = ourSourceFiles.filter((p) => p.startsWith('WebResources/')).map((p) => root(parseFile(join(SOLUTION_SRC, p))));
    expect(ourDefinitions.length).toBeGreaterThan(0);
    const referenceTags = [...childTags(everywhere(customizationsOf(secondaryRecordSource['customizations.xml']!), 'WebResource')[0]!)];
    for (const d of ourDefinitions) {
      expectSameRelativeOrder(childTags(d), referenceTags);
      expectSameRelativeOrder(childTags(d), childTags(references[1]!));
      expect(entryRule(d)).toBe(true);
      expect(ours[childText(d, 'FileName')!.slice(1)]).toBeDefined();
    }
    // The review page loads its script: its dependency list says so, in the form exports write it.
    const exportedDependencies = childText(everywhere(customizationsOf(secondaryRecordSource['customizations.xml']!), 'WebResource')[0]!, 'DependencyXml')!;
    const review = ourDefinitions.find((d) => childText(d, 'Name') === 'ibal_/pages/review.html')!;
    const dependencies = parseXml(childText(review, 'DependencyXml')!);
    expect(childTags(root(dependencies))).toEqual(childTags(root(parseXml(exportedDependencies))));
    expect(attrs(everywhere(dependencies, 'Dependency')[0]!)).toEqual(attrs(everywhere(parseXml(exportedDependencies), 'Dependency')[0]!));
    expect(everywhere(dependencies, 'Library').map((l) => attrs(l).name)).toEqual(['ibal_/pages/review.js']);
  });

  it('the control: its definition as pac writes it, its compiled manifest and strings as exported controls carry them', () => {
    const reference = root(parseFile(join(BAK, 'Controls', 'cat_PowerCAT.Panel', 'ControlManifest.xml.data.xml')));
    const ourDefinition = root(src('Controls', 'ibal_InventoryBalance.VarianceGrid', 'ControlManifest.xml.data.xml'));
    expect(childTags(ourDefinition)).toEqual(childTags(reference));
    expect(childText(ourDefinition, 'FileName')).toBe(`/Controls/${childText(ourDefinition, 'Name')}/ControlManifest.xml`);
    const exported = at(parseFile(join(MICROSOFT, 'CodeInterpreterControlSolution', 'Controls', 'dev_CodeInterpreterSample.CodeInterpreterControl', 'ControlManifest.xml')), ['manifest', 'control'])[0]!;
    const ourManifest = at(parseXml(ours['Controls/ibal_InventoryBalance.VarianceGrid/ControlManifest.xml']!), ['manifest', 'control'])[0]!;
    expect(childTags(ourManifest)).toEqual(expect.arrayContaining(['external-service-usage']));
    expectSameRelativeOrder(childTags(ourManifest), childTags(exported));
    const resx = (control: Node) => everywhere([control], 'resx').map((r) => attrs(r).path!);
    for (const path of [...resx(exported), ...resx(ourManifest)]) expect(path).toMatch(/^strings\/[^/]+\.resx$/);
    for (const path of resx(ourManifest)) expect(ours[`Controls/ibal_InventoryBalance.VarianceGrid/${path}`]).toBeDefined();
  });

  it('environment variables: written as exports write them, in the zip and in the tree', () => {
    const references = [
      root(parseXml(Object.entries(contoso).find(([n]) => n.endsWith('environmentvariabledefinition.xml'))![1])),
      root(parseFile(join(BAK, 'environmentvariabledefinitions', 'cat_OutOfOfficeCheckDays', 'environmentvariabledefinition.xml'))),
    ];
    const definitions = Object.entries(ours).filter(([n]) => n.endsWith('environmentvariabledefinition.xml'));
    expect(definitions.length).toBeGreaterThan(0);
    for (const [name, xml] of definitions) {
      expect(ours[name]).toBe(readFileSync(join(SOLUTION_SRC, name), 'utf8'));
      for (const reference of references) expectSameRelativeOrder(childTags(root(parseXml(xml))), childTags(reference));
    }
  });

  it('the zip: manifest files, sections and content types as the platform writes them', () => {
    expectSameRelativeOrder(childTags(root(parseXml(ours['customizations.xml']!))), childTags(root(parseXml(codeInterpreter['customizations.xml']!))));
    const manifest = (xml: string) => at(parseXml(xml), ['ImportExportXml', 'SolutionManifest'])[0]!;
    expect(childTags(manifest(ours['solution.xml']!))).toEqual(childTags(manifest(columnSecurity['solution.xml']!)));
    const defaults = (xml: string) => everywhere(parseXml(xml), 'Default').map(attrs);
    expect(defaults(ours['[Content_Types].xml']!)).toEqual(expect.arrayContaining(defaults(codeInterpreter['[Content_Types].xml']!)));
    expect(Object.keys(ours).every((n) => !n.endsWith('/') && !n.includes('\\'))).toBe(true);
  });
});
