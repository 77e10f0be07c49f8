import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TABLES, discrepancy, postingBatch, reviewRequest, snapshotRun, thresholdRule } from '../../core/dataverse/tables';
import { ENVIRONMENT_VARIABLES, ENVIRONMENT_VARIABLE_TYPES } from '../../core/dataverse/environment';
import { PUBLISHER, SOLUTION_UNIQUE_NAME, allColumns, type ColumnDefinition, type TableDefinition } from '../../core/dataverse/schema';
import { packSolution } from '../../solution/pack';
import { ROOT, SOLUTION_SRC, builtOutputs, copyOfSource, english, entries, list, packed, parse, type Xml } from '../helpers/solution';

const zip = entries(packed().unmanaged);
const customizations = parse(zip['customizations.xml']!).ImportExportXml;
const solution = parse(zip['solution.xml']!).ImportExportXml.SolutionManifest;
const entityOf = (table: TableDefinition): Xml =>
  list(customizations.Entities.Entity).find((e: Xml) => e.Name['#text'] === table.schemaName);
const attributesOf = (table: TableDefinition): Xml[] => list(entityOf(table).EntityInfo.entity.attributes.attribute);
const SYSTEM_COLUMNS = ['createdby', 'createdon', 'createdonbehalfby', 'importsequencenumber', 'modifiedby', 'modifiedon',
  'modifiedonbehalfby', 'overriddencreatedon', 'ownerid', 'owningbusinessunit', 'owningteam', 'owninguser', 'statecode',
  'statuscode', 'timezoneruleversionnumber', 'utcconversiontimezonecode'];
const columnNamesOf = (table: TableDefinition) => new Set([...SYSTEM_COLUMNS, `${table.logicalName}id`, ...allColumns(table).map((c) => c.logicalName)]);
const packageVersion = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const viewName = (view: Xml): string => english(view.LocalizedNames.LocalizedName)!;

describe('solution zip layout', () => {
  it('has the three manifest files at its root, forward-slash names and no folder entries', () => {
    const names = Object.keys(zip);
    expect(names).toEqual(expect.arrayContaining(['[Content_Types].xml', 'solution.xml', 'customizations.xml']));
    expect(names.every((n) => !n.includes('\\') && !n.endsWith('/'))).toBe(true);
  });

  it('declares a content type for every file it holds: its extension, or the file itself when it has none', () => {
    const types = parse(zip['[Content_Types].xml']!).Types;
    const declared = new Set(list(types.Default).map((d: Xml) => d.Extension));
    const overridden = new Set(list(types.Override).map((o: Xml) => o.PartName));
    for (const name of Object.keys(zip)) {
      const file = name.split('/').pop()!;
      expect(file.includes('.') ? declared.has(file.split('.').pop()!) : overridden.has(`/${name}`)).toBe(true);
    }
  });

  it('is byte-identical when packed twice, and differs between managed and unmanaged only in solution.xml', () => {
    const again = packSolution(SOLUTION_SRC, builtOutputs());
    expect(Buffer.from(again.unmanaged).equals(Buffer.from(packed().unmanaged))).toBe(true);
    expect(Buffer.from(again.managed).equals(Buffer.from(packed().managed))).toBe(true);
    const managed = entries(packed().managed);
    expect(parse(managed['solution.xml']!).ImportExportXml.SolutionManifest.Managed).toBe('1');
    expect(solution.Managed).toBe('0');
    for (const name of Object.keys(zip).filter((n) => n !== 'solution.xml')) expect(managed[name]).toBe(zip[name]);
  });

  it('refuses a version in Other/Solution.xml that Dataverse would not accept, naming the file', () => {
    const src = copyOfSource();
    const path = join(src, 'Other', 'Solution.xml');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/<Version>[^<]*<\/Version>/, '<Version>1.2.3-beta</Version>'));
    expect(() => packSolution(src, builtOutputs())).toThrow(/Solution\.xml: <Version> '1\.2\.3-beta'/);
  });

  it('refuses a web resource the build did not produce, saying to build', () => {
    expect(() => packSolution(SOLUTION_SRC, { ...builtOutputs(), webResources: [] })).toThrow(/no built file for web resource 'ibal_\/.*run `npm run build`/);
  });
});

describe('solution manifest', () => {
  it('names the solution, the version package.json gives, and the publisher', () => {
    expect(solution.UniqueName).toBe('InventoryBalance');
    expect(solution.Version).toBe(packageVersion);
    expect(solution.Publisher.UniqueName).toBe('inventorybalance');
    expect(solution.Publisher.CustomizationPrefix).toBe('ibal');
    const prefix = Number(solution.Publisher.CustomizationOptionValuePrefix);
    expect(prefix).toBeGreaterThanOrEqual(10000);
    expect(prefix).toBeLessThanOrEqual(99999);
  });

  it('takes its publisher from Other/Solution.xml, which must be the one core/ numbers choices with', () => {
    expect(solution.UniqueName).toBe(SOLUTION_UNIQUE_NAME);
    expect(solution.Publisher.UniqueName).toBe(PUBLISHER.uniqueName);
    expect(solution.Publisher.CustomizationPrefix).toBe(PUBLISHER.prefix);
    expect(Number(solution.Publisher.CustomizationOptionValuePrefix)).toBe(PUBLISHER.optionValuePrefix);
    expect(english(solution.Publisher.LocalizedNames.LocalizedName)).toBe(PUBLISHER.displayName);
  });

  it('lists every table, role, profile, web resource, the control, the app and its sitemap as root components', () => {
    const roots = list(solution.RootComponents.RootComponent).map((r: Xml) => `${r.type}:${r.schemaName ?? r.id}`);
    for (const table of TABLES) expect(roots).toContain(`1:${table.logicalName}`);
    expect(roots.filter((r) => r.startsWith('20:'))).toHaveLength(5);
    expect(roots.filter((r) => r.startsWith('70:'))).toHaveLength(3);
    // The review service's webhook: its endpoint and the two steps on the review request's create.
    expect(roots.filter((r) => r.startsWith('95:'))).toHaveLength(1);
    expect(roots.filter((r) => r.startsWith('92:'))).toHaveLength(2);
    expect(roots).toEqual(expect.arrayContaining(['62:ibal_InventoryBalance', '80:ibal_InventoryBalance', '66:ibal_InventoryBalance.VarianceGrid',
      '61:ibal_/scripts/commands.js', '61:ibal_/pages/review.html', '61:ibal_/pages/review.js']));
    // Microsoft's exports carry environment variable definitions in their folder, not as root components.
    expect(roots.some((r) => r.startsWith('380:'))).toBe(false);
  });
});

describe('tables match their definitions in core/', () => {
  const TYPE = { text: 'nvarchar', memo: 'ntext', integer: 'int', decimal: 'decimal', datetime: 'datetime', boolean: 'bit', choice: 'picklist', lookup: 'lookup' };

  it.each(TABLES.map((t) => [t.logicalName, t] as const))('%s: names, set name, every column with its type and limits', (_, table) => {
    const entity = entityOf(table);
    expect(entity.EntityInfo.entity.EntitySetName).toBe(table.entitySetName);
    expect(entity.EntityInfo.entity.OwnershipTypeMask).toBe('UserOwned');
    expect(english(entity.EntityInfo.entity.LocalizedNames.LocalizedName)).toBe(table.displayName);
    const attributes = attributesOf(table);
    const byName = new Map(attributes.map((a: Xml) => [a.LogicalName, a]));
    expect(byName.get(`${table.logicalName}id`).Type).toBe('primarykey');
    for (const column of allColumns(table)) {
      const a = byName.get(column.logicalName);
      expect(a).toBeDefined();
      expect(a.PhysicalName).toBe(column.schemaName);
      expect(a.Type).toBe(TYPE[column.type.kind]);
      expect(a.RequiredLevel).toBe(column.required);
      expect(a.IsSecured).toBe(column.secured ? '1' : '0');
      expect(english(a.displaynames.displayname)).toBe(column.displayName);
      checkTypeDetails(column, a);
    }
    expect(byName.get(table.primaryName.logicalName).DisplayMask).toMatch(/^PrimaryName\|/);
  });

  function checkTypeDetails(column: ColumnDefinition, a: Xml): void {
    const t = column.type;
    if (t.kind === 'text') expect([a.MaxLength, a.Length]).toEqual([String(t.maxLength), String(t.maxLength * 2)]);
    if (t.kind === 'memo') expect(a.MaxLength).toBe(String(t.maxLength));
    if (t.kind === 'decimal') expect([a.Accuracy, Number(a.MinValue), Number(a.MaxValue)]).toEqual([String(t.precision), t.min, t.max]);
    if (t.kind === 'choice') {
      const options = list(a.optionset.options.option).map((o: Xml) => [Number(o.value), english(o.labels.label)] as const);
      expect(options).toEqual(t.choices.map((c) => [c.value, c.label]));
      for (const [value] of options) expect(Math.floor(value / 10000)).toBe(PUBLISHER.optionValuePrefix);
    }
    if (t.kind === 'datetime') expect(a.Behavior).toBe(String({ UserLocal: 1, DateOnly: 2, TimeZoneIndependent: 3 }[t.behavior]));
  }

  it('declares the alternate keys, so a re-run upserts instead of duplicating', () => {
    for (const table of TABLES) {
      const keys = list(entityOf(table).EntityInfo.entity.EntityKeys?.EntityKey);
      expect(keys.map((k: Xml) => [k.LogicalName, list(k.EntityKeyAttributes.AttributeName)]))
        .toEqual(table.keys.map((k) => [k.logicalName, [...k.columns]]));
    }
    expect(discrepancy.keys[0]!.columns).toEqual(['ibal_run', 'ibal_keyhash']);
  });

  it('relates every lookup, deleting a run with its discrepancies and keeping referenced posting batches', () => {
    const relationships = list(customizations.EntityRelationships.EntityRelationship);
    for (const table of TABLES) {
      for (const column of Object.values(table.columns)) {
        if (column.type.kind !== 'lookup') continue;
        const r = relationships.find((x: Xml) => x.ReferencingAttributeName === column.schemaName && x.ReferencingEntityName === table.schemaName);
        expect(r).toBeDefined();
        expect(r.CascadeDelete).toBe(column.type.onDelete);
      }
    }
    expect(discrepancy.columns.run.type).toMatchObject({ onDelete: 'Cascade' });
    expect(discrepancy.columns.postingBatch.type).toMatchObject({ onDelete: 'Restrict' });
  });
});

describe('views and forms', () => {
  const views = (table: TableDefinition): Xml[] => list(entityOf(table).SavedQueries?.savedqueries?.savedquery);
  const fetchNames = (node: Xml): string[] => {
    const names: string[] = [];
    const walk = (n: Xml, inLink: boolean) => {
      if (n === null || typeof n !== 'object') return;
      for (const [key, value] of Object.entries(n)) {
        for (const item of list(value as Xml)) {
          if (!inLink && (key === 'attribute' || key === 'order' || key === 'condition') && item.attribute !== undefined) names.push(item.attribute);
          if (!inLink && key === 'attribute' && item.name !== undefined) names.push(item.name);
          walk(item, inLink || key === 'link-entity');
        }
      }
    };
    walk(node, false);
    return names;
  };

  it('gives every table the views a new table has, one default of each query type', () => {
    // Public, Advanced Find, Associated, Quick Find, Lookup and the offline "My" view (CodeInterpreterSample, mpa_Checklist).
    for (const table of TABLES) {
      const types = views(table).map((v: Xml) => v.querytype);
      expect([...new Set(types)].sort()).toEqual(['0', '1', '2', '4', '64', '8192']);
      for (const type of new Set(types)) expect(views(table).filter((v: Xml) => v.querytype === type && v.isdefault === '1')).toHaveLength(1);
    }
  });

  it('lets Quick Find on discrepancies search the item, warehouse, location and batch (its default view is the one used)', () => {
    const quickFind = views(discrepancy).find((v: Xml) => v.querytype === '4' && v.isdefault === '1');
    expect(quickFind.isquickfindquery).toBe('1');
    const filters = list(quickFind.fetchxml.fetch.entity.filter).find((f: Xml) => f.isquickfindfields === '1');
    expect(list(filters.condition).map((c: Xml) => c.attribute)).toEqual(expect.arrayContaining(
      [discrepancy.columns.item, discrepancy.columns.warehouse, discrepancy.columns.location, discrepancy.columns.batch].map((c) => c.logicalName)));
  });

  it('offers the review views on discrepancies', () => {
    expect(views(discrepancy).map(viewName)).toEqual(expect.arrayContaining([
      'Material (latest run)', 'Awaiting count', 'Awaiting approval', 'Audit recommended', 'Posting errors', 'All discrepancies']));
  });

  it('names only columns that exist, in every view and form', () => {
    for (const table of TABLES) {
      const known = columnNamesOf(table);
      for (const view of views(table)) {
        const cells = view.layoutxml ? list(view.layoutxml.grid.row.cell).map((c: Xml) => c.name) : [];
        for (const name of [...cells, ...fetchNames(view.fetchxml.fetch.entity)]) {
          if (!known.has(name)) throw new Error(`${table.logicalName} view '${viewName(view)}' names unknown column ${name}`);
        }
      }
      const form = entityOf(table).FormXml.forms.systemform;
      const fields = JSON.stringify(form).match(/"datafieldname":"([^"]+)"/g) ?? [];
      for (const f of fields) expect(known.has(f.split(':')[1]!.replace(/"/g, ''))).toBe(true);
    }
  });

  it('puts every discrepancy column on its form, grouped in the four sections', () => {
    const form = entityOf(discrepancy).FormXml.forms.systemform.form;
    const sections = list(list(form.tabs.tab)[0].columns.column.sections.section);
    expect(sections.map((s: Xml) => english(s.labels.label))).toEqual(['Key', 'Quantities', 'Review', 'Inventory Visibility']);
    const onForm = new Set((JSON.stringify(form).match(/"datafieldname":"([^"]+)"/g) ?? []).map((f) => f.split(':')[1]!.replace(/"/g, '')));
    const missing = allColumns(discrepancy).map((c) => c.logicalName).filter((n) => !onForm.has(n));
    expect(missing).toEqual(['ibal_keyhash', 'ibal_absolutevalue', 'ibal_approvalseal']);
  });
});

describe('app and column security', () => {
  const roles = list(customizations.Roles.Role);
  const privileges = (name: string): Set<string> =>
    new Set(list(roles.find((r: Xml) => r.name === name).RolePrivileges.RolePrivilege).map((p: Xml) => `${p.name}@${p.level}`));

  it('lets business users only read and ask: no write or delete on the workflow\'s tables, their own review requests only', () => {
    for (const name of ['Inventory Balance Reviewer', 'Inventory Balance Approver', 'Inventory Balance Administrator']) {
      const held = privileges(name);
      for (const table of [discrepancy, snapshotRun, postingBatch, reviewRequest]) {
        // Administrators may assign and share (read access only: they hold no write to share).
        for (const access of name.endsWith('Administrator') ? ['Write', 'Delete'] : ['Write', 'Delete', 'Assign', 'Share']) {
          expect([name, table.schemaName, access, [...held].some((p) => p.startsWith(`prv${access}${table.schemaName}@`))]).toEqual([name, table.schemaName, access, false]);
        }
      }
    }
    for (const name of ['Inventory Balance Reviewer', 'Inventory Balance Approver']) {
      expect([...privileges(name)].filter((p) => p.includes(reviewRequest.schemaName)).sort())
        .toEqual([`prvAppend${reviewRequest.schemaName}@Basic`, `prvCreate${reviewRequest.schemaName}@Basic`, `prvRead${reviewRequest.schemaName}@Basic`]);
    }
    const writeRules = `prvWrite${thresholdRule.schemaName}@Global`;
    expect(['Inventory Balance Reviewer', 'Inventory Balance Approver', 'Inventory Balance Administrator'].map((r) => privileges(r).has(writeRules))).toEqual([false, false, true]);
    // Only the service's application user changes discrepancies and posting batches; only the job's writes runs.
    expect(privileges('Inventory Balance Review Service').has(`prvWrite${discrepancy.schemaName}@Global`)).toBe(true);
    expect(privileges('Inventory Balance Review Service').has(`prvWrite${snapshotRun.schemaName}@Global`)).toBe(false);
    expect(privileges('Inventory Balance Reconcile Job').has(`prvWrite${postingBatch.schemaName}@Global`)).toBe(false);
  });


  it('restricts the secured columns with column security: business users read them, only the review service sets them', () => {
    const secured = [...allColumns(discrepancy), ...allColumns(reviewRequest)].filter((c) => c.secured).map((c) => c.logicalName);
    expect(secured.length).toBeGreaterThan(0);
    const profiles = list(customizations.FieldSecurityProfiles.FieldSecurityProfile);
    const permissions = (name: string) => list(profiles.find((p: Xml) => p.name === name).FieldPermissions.FieldPermission);
    expect(permissions('Inventory Balance Review Service').map((p: Xml) => p.AttributeName).sort()).toEqual([...secured].sort());
    expect(permissions('Inventory Balance Review Service').every((p: Xml) => p.CanUpdate === '4' && p.CanCreate === '4')).toBe(true);
    for (const name of ['Inventory Balance Approvers', 'Inventory Balance Reviewers']) {
      expect(permissions(name).map((p: Xml) => p.AttributeName).sort()).toEqual([...secured].sort());
      expect(permissions(name).every((p: Xml) => p.CanUpdate === '0' && p.CanCreate === '0')).toBe(true);
      expect(permissions(name).filter((p: Xml) => p.CanRead !== '4').map((p: Xml) => p.AttributeName)).toEqual(['ibal_approvalseal']);
    }
  });

  it('builds the app from the four tables, its sitemap, every view and form, and the three roles', () => {
    const app = customizations.AppModules.AppModule;
    const components = list(app.AppModuleComponents.AppModuleComponent);
    for (const table of TABLES) expect(components).toContainEqual({ type: '1', schemaName: table.logicalName });
    expect(components).toContainEqual({ type: '62', schemaName: 'ibal_InventoryBalance' });
    // The app opens for the business roles; the job's and the service's application users do not use it.
    const roleIds = roles.filter((r: Xml) => !/Reconcile Job|Review Service/.test(r.name)).map((r: Xml) => r.id);
    const mapped = list(app.AppModuleRoleMaps.Role).map((r: Xml) => r.id);
    for (const id of roleIds) expect(mapped).toContain(id);
    const viewIds = TABLES.flatMap((t) => list(entityOf(t).SavedQueries.savedqueries.savedquery).map((v: Xml) => v.savedqueryid));
    expect(components.filter((c: Xml) => c.type === '26').map((c: Xml) => c.id).sort()).toEqual(viewIds.sort());
    const formIds = [...TABLES.flatMap((t) => list(entityOf(t).FormXml.forms.systemform).map((f: Xml) => f.formid)),
      ...list(customizations.Dashboards.Dashboard).map((d: Xml) => d.FormId)];
    expect(components.filter((c: Xml) => c.type === '60').map((c: Xml) => c.id).sort()).toEqual(formIds.sort());
  });

  it('lists in the app every table its lookups reach, so a lookup to a user opens in the app', () => {
    const app = customizations.AppModules.AppModule;
    const inApp = new Set(list(app.AppModuleComponents.AppModuleComponent).filter((c: Xml) => c.type === '1').map((c: Xml) => c.schemaName));
    const targets = TABLES.flatMap((t) => Object.values(t.columns).flatMap((c) => (c.type.kind === 'lookup' ? [c.type.target] : [])));
    expect(targets).toContain('systemuser');
    for (const target of targets) expect(inApp.has(target)).toBe(true);
  });

  it('navigates to the finance dashboard, Snapshot runs, Discrepancies, Posting batches and Threshold rules', () => {
    const siteMap = customizations.AppModuleSiteMaps.AppModuleSiteMap.SiteMap;
    const subAreas = list(siteMap.Area.Group).flatMap((g: Xml) => list(g.SubArea));
    expect(subAreas.map((s: Xml) => english(s.Titles.Title))).toEqual(['Finance dashboard', 'Snapshot runs', 'Discrepancies', 'Posting batches', 'Review requests', 'Threshold rules']);
    expect(subAreas.filter((s: Xml) => s.Entity).map((s: Xml) => s.Entity).sort()).toEqual(TABLES.map((t) => t.logicalName).sort());
    expect(subAreas[0].DefaultDashboard).toBe(String(list(customizations.Dashboards.Dashboard)[0].FormId).replace(/[{}]/g, ''));
  });
});

describe('environment variables', () => {
  it('ships each definition from core/ with its type and default', () => {
    for (const v of Object.values(ENVIRONMENT_VARIABLES)) {
      const file = zip[`environmentvariabledefinitions/${v.schemaName}/environmentvariabledefinition.xml`];
      expect(file).toBeDefined();
      const definition = parse(file!).environmentvariabledefinition;
      expect(definition.schemaname).toBe(v.schemaName);
      expect(Number(definition.type)).toBe(ENVIRONMENT_VARIABLE_TYPES[v.type]);
      expect(definition.defaultvalue).toBe('defaultValue' in v ? v.defaultValue : undefined);
    }
    expect(ENVIRONMENT_VARIABLES.ivMaxLinesPerCall.defaultValue).toBe('512');
  });
});

describe('charts', () => {
  it('chart material count and value per run, and discrepancies by reason code, over existing columns', () => {
    const charts = TABLES.flatMap((t) => list(entityOf(t).Visualizations?.visualization).map((v: Xml) => ({ table: t, v })));
    expect(charts.map(({ v }) => english(v.LocalizedNames.LocalizedName)).sort())
      .toEqual(['Discrepancies by reason', 'Material differences per run', 'Material value by warehouse', 'Open lines by run (age)', 'Value by likely cause']);
    for (const { table, v } of charts) {
      const attributes = list(v.datadescription.datadefinition.fetchcollection.fetch.entity.attribute);
      for (const a of attributes) expect(columnNamesOf(table).has(a.name)).toBe(true);
      const measures = list(v.datadescription.datadefinition.categorycollection.category.measurecollection).map((m: Xml) => m.measure.alias);
      expect(measures.every((alias: string) => attributes.some((a: Xml) => a.alias === alias && a.aggregate))).toBe(true);
    }
  });
});

describe('the snapshot run form', () => {
  it('lists the run\'s discrepancies in a subgrid over an existing relationship and view', () => {
    const form = entityOf(TABLES[0]!).FormXml.forms.systemform.form;
    const text = JSON.stringify(form);
    const relationship = /"RelationshipName":"([^"]+)"/.exec(text)?.[1];
    const viewId = /"ViewId":"([^"]+)"/.exec(text)?.[1];
    expect(list(customizations.EntityRelationships.EntityRelationship).map((r: Xml) => r.Name)).toContain(relationship);
    const discrepancyViews = list(entityOf(discrepancy).SavedQueries.savedqueries.savedquery);
    expect(discrepancyViews.find((v: Xml) => v.savedqueryid === viewId)?.querytype).toBe('2');
  });
});
