/**
 * The sandbox app's model, read from the solution source as a model-driven app reads its metadata: the sitemap, each
 * table's public views (fetchxml and layoutxml as makers left them), the column names, and the discrepancy command
 * bar from RibbonDiff.xml. A maker's change to these files shows up in the sandbox without code changes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { allColumns } from '../../core/dataverse/schema.js';
import { TABLES } from '../../core/dataverse/tables.js';

export interface AppView { id: string; name: string; isDefault: boolean; fetchXml: string; columns: Array<{ name: string; width: number }> }
export interface AppTable {
  logicalName: string; entitySetName: string; primaryId: string; displayName: string; pluralName: string;
  columns: Record<string, { displayName: string; kind: string }>;
  /** The public views, offered in the view selector. */
  views: AppView[];
  /** Every view by id (associated and lookup views too), for subgrids. */
  viewsById: Record<string, AppView>;
  /** The main form, when the table has one. */
  form?: AppForm | undefined;
}

export type AppFormCell =
  | { kind: 'field'; name: string }
  | { kind: 'subgrid'; label: string; targetEntity: string; viewId: string; lookup: string }
  | { kind: 'webresource'; label: string; name: string; data: string; rows: number };
export interface AppForm { tabs: Array<{ label: string; sections: Array<{ label: string; cells: AppFormCell[] }> }> }
export interface AppCommand {
  id: string; label: string; functionName: string; minSelection: number; passesPrimaryControl: boolean; library: string;
  /** Every library the command's actions load, in order (the command's own last). */
  libraries: string[];
  /** The CustomRule enable rules: the function and the CrmParameters the ribbon passes it. */
  enableRules: Array<{ functionName: string; parameters: string[] }>;
  /** The CrmParameters the command's function is called with, in order. */
  parameters: string[];
}
export interface AppModel {
  name: string;
  /** Each entry opens a table's grid, or (with `dashboard`) a system dashboard. */
  sitemap: Array<{ group: string; items: Array<{ id: string; title: string; entity: string; dashboard?: string | undefined }> }>;
  tables: Record<string, AppTable>;
  commands: AppCommand[];
  /** Charts (savedqueryvisualization) by id: their aggregate FetchXML, the category and measure aliases, the chart type. */
  charts: Record<string, AppChart>;
  /** System dashboards by id: sections of chart cells, each a chart over a view. */
  dashboards: Record<string, AppDashboard>;
}
export interface AppChart { id: string; table: string; name: string; fetchXml: string; category: string; measures: string[]; chartType: string }
export interface AppDashboard { id: string; name: string; sections: Array<Array<{ label: string; table: string; viewId: string; chartId: string }>> }

type Element = Record<string, unknown>;
const ARRAYS = new Set(['Group', 'SubArea', 'Title', 'cell', 'CustomAction', 'CommandDefinition', 'EnableRule', 'CrmParameter', 'LocLabel', 'LocalizedName', 'JavaScriptFunction',
  'tab', 'section', 'row', 'label', 'EntityRelationship', 'measurecollection', 'measure']);
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ARRAYS.has(name), parseTagValue: false });
const read = (path: string): Element => parser.parse(readFileSync(path, 'utf8')) as Element;
const list = (value: unknown): Element[] => (Array.isArray(value) ? value as Element[] : value === undefined || value === '' ? [] : [value as Element]);
const englishTitle = (titles: unknown): string => String(list((titles as Element | undefined)?.Title).find((t) => t['@LCID'] === '1033')?.['@Title'] ?? '');

/** The raw fetch element of a saved query, exactly as in the file (the XML parser would reorder it). */
const fetchOf = (text: string): string => /<fetch [\s\S]*?<\/fetch>/.exec(text)?.[0] ?? '';

function viewsOf(dir: string, publicOnly = true): AppView[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.xml')).sort().flatMap((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const query = (parser.parse(text) as { savedqueries: { savedquery: Element } }).savedqueries.savedquery;
    // Public views only (querytype 0): lookup, quick find and associated views are not offered in the selector.
    if (publicOnly && String(query.querytype) !== '0') return [];
    const name = String(list((query.LocalizedNames as Element).LocalizedName).find((n) => n['@languagecode'] === '1033')?.['@description'] ?? file);
    const layout = (query.layoutxml as Element | undefined)?.grid as Element | undefined;
    const cells = layout ? list(list(layout.row)[0]?.cell) : [];
    return [{ id: String(query.savedqueryid).replace(/[{}]/g, ''), name, isDefault: String(query.isdefault) === '1', fetchXml: fetchOf(text),
      columns: cells.map((c) => ({ name: String(c['@name']), width: Number(c['@width'] ?? 100) })) }];
  }).sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.name.localeCompare(b.name));
}

function commandsOf(ribbonPath: string): AppCommand[] {
  if (!existsSync(ribbonPath)) return [];
  const ribbon = read(ribbonPath).RibbonDiffXml as Element;
  const labels = new Map(list((ribbon.LocLabels as Element).LocLabel).map((l) => [String(l['@Id']), englishTitle({ Title: list((l.Titles as Element).Title).map((t) => ({ '@LCID': t['@languagecode'], '@Title': t['@description'] })) })]));
  const rules = new Map(list(((ribbon.RuleDefinitions as Element).EnableRules as Element).EnableRule).map((r) => [String(r['@Id']), r]));
  const definitions = new Map(list((ribbon.CommandDefinitions as Element).CommandDefinition).map((c) => [String(c['@Id']), c]));
  return list((ribbon.CustomActions as Element).CustomAction)
    .filter((a) => String(a['@Location']).startsWith('Mscrm.HomepageGrid.'))
    .map((action) => {
      const button = (action.CommandUIDefinition as Element).Button as Element;
      const definition = definitions.get(String(button['@Command']))!;
      // A command may load other libraries first (a JavaScriptFunction of theirs, often isNaN); the last one is the command.
      const calls = list((definition.Actions as Element).JavaScriptFunction);
      const call = calls.at(-1)!;
      const enable = list((definition.EnableRules as Element).EnableRule).map((r) => rules.get(String(r['@Id']))!);
      return {
        id: String(button['@Id']),
        label: labels.get(String(button['@LabelText']).replace('$LocLabels:', '')) ?? String(button['@Id']),
        functionName: String(call['@FunctionName']),
        library: String(call['@Library']).replace('$webresource:', ''),
        libraries: calls.map((c) => String(c['@Library']).replace('$webresource:', '')),
        enableRules: enable.filter((r) => r.CustomRule).map((r) => ({ functionName: String((r.CustomRule as Element)['@FunctionName']),
          parameters: list((r.CustomRule as Element).CrmParameter).map((p) => String(p['@Value'])) })),
        minSelection: Math.max(0, ...enable.filter((r) => r.SelectionCountRule).map((r) => Number((r.SelectionCountRule as Element)['@Minimum'] ?? 0))),
        passesPrimaryControl: list(call.CrmParameter).some((p) => p['@Value'] === 'PrimaryControl'),
        parameters: list(call.CrmParameter).map((p) => String(p['@Value'])),
      };
    });
}

const english = (labels: unknown): string => String(list((labels as Element | undefined)?.label).find((l) => l['@languagecode'] === '1033')?.['@description'] ?? '');

/** Relationship name → the lookup column on the many side (Other/Relationships/*.xml). */
function lookupsOf(solutionSourceDir: string): Map<string, string> {
  const dir = join(solutionSourceDir, 'Other', 'Relationships');
  const lookups = new Map<string, string>();
  if (!existsSync(dir)) return lookups;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.xml'))) {
    const root = read(join(dir, file)).EntityRelationships as Element | undefined;
    for (const r of list(root?.EntityRelationship)) lookups.set(String(r['@Name']), String(r.ReferencingAttributeName ?? '').toLowerCase());
  }
  return lookups;
}

/** A table's main form as the shell draws it: tabs, sections, and each cell's field, subgrid or web resource. */
function formOf(dir: string, lookups: Map<string, string>): AppForm | undefined {
  if (!existsSync(dir)) return undefined;
  const file = readdirSync(dir).find((f) => f.endsWith('.xml'));
  if (!file) return undefined;
  const form = ((read(join(dir, file)).forms as Element).systemform as Element).form as Element;
  return { tabs: list((form.tabs as Element).tab).map((tab) => ({
    label: english(tab.labels),
    sections: list((((tab.columns as Element).column as Element).sections as Element).section).map((section) => ({
      label: english(section.labels),
      cells: list((section.rows as Element).row).flatMap((row) => list((row as Element).cell)).flatMap((cell): AppFormCell[] => {
        const control = cell.control as Element | undefined;
        if (!control) return [];
        const parameters = (control.parameters ?? {}) as Element;
        const classId = String(control['@classid']).toUpperCase();
        if (classId === '{E7A81278-8635-4D9E-8D4D-59480B391C5B}') {
          return [{ kind: 'subgrid', label: english(cell.labels), targetEntity: String(parameters.TargetEntityType), viewId: String(parameters.ViewId).replace(/[{}]/g, ''),
            lookup: lookups.get(String(parameters.RelationshipName)) ?? '' }];
        }
        if (classId === '{9FDF5F91-88B1-47F4-AD53-C11EFC01A01D}') {
          return [{ kind: 'webresource', label: english(cell.labels), name: String(parameters.Url), data: String(parameters.Data ?? ''), rows: Number(cell['@rowspan'] ?? 6) }];
        }
        return control['@datafieldname'] ? [{ kind: 'field', name: String(control['@datafieldname']) }] : [];
      }),
    })),
  })) };
}

function chartsOf(solutionSourceDir: string): Record<string, AppChart> {
  const charts: Record<string, AppChart> = {};
  const entities = join(solutionSourceDir, 'Entities');
  for (const folder of existsSync(entities) ? readdirSync(entities) : []) {
    const dir = join(entities, folder, 'Visualizations');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.xml'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      const v = read(join(dir, file)).visualization as Element;
      const definition = ((v.datadescription as Element).datadefinition as Element);
      const category = ((definition.categorycollection as Element).category as Element);
      const measures = list(category.measurecollection).flatMap((m) => list((m as Element).measure).map((x) => String(x['@alias'])));
      const series = (((v.presentationdescription as Element).Chart as Element).Series as Element).Series as Element;
      const id = String(v.savedqueryvisualizationid).replace(/[{}]/g, '').toLowerCase();
      charts[id] = { id, table: /<entity name="([^"]+)"/.exec(text)?.[1] ?? '', name: String(list((v.LocalizedNames as Element).LocalizedName).find((n) => n['@languagecode'] === '1033')?.['@description'] ?? file),
        fetchXml: fetchOf(text), category: String(category['@alias']), measures, chartType: String(series['@ChartType'] ?? 'Column') };
    }
  }
  return charts;
}

function dashboardsOf(solutionSourceDir: string): Record<string, AppDashboard> {
  const dir = join(solutionSourceDir, 'Dashboards');
  const dashboards: Record<string, AppDashboard> = {};
  for (const file of existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.xml')) : []) {
    const dashboard = read(join(dir, file)).Dashboard as Element;
    const form = ((dashboard.FormXml as Element).forms as Element).form as Element;
    const id = String(dashboard.FormId).replace(/[{}]/g, '').toLowerCase();
    const sections = list((form.tabs as Element).tab).flatMap((tab) => list((((tab.columns as Element).column as Element).sections as Element).section))
      .map((section) => list((section.rows as Element).row).flatMap((row) => list((row as Element).cell)).flatMap((cell) => {
        const parameters = ((cell.control as Element | undefined)?.parameters ?? {}) as Element;
        if (!parameters.VisualizationId) return [];
        return [{ label: english(cell.labels), table: String(parameters.TargetEntityType), viewId: String(parameters.ViewId).replace(/[{}]/g, '').toLowerCase(),
          chartId: String(parameters.VisualizationId).replace(/[{}]/g, '').toLowerCase() }];
      }));
    dashboards[id] = { id, name: String(list((dashboard.LocalizedNames as Element).LocalizedName).find((n) => n['@languagecode'] === '1033')?.['@description'] ?? file), sections };
  }
  return dashboards;
}

export function appModel(solutionSourceDir: string): AppModel {
  const lookups = lookupsOf(solutionSourceDir);
  const sitemapDir = join(solutionSourceDir, 'AppModuleSiteMaps');
  const sitemapFile = join(sitemapDir, readdirSync(sitemapDir)[0]!, 'AppModuleSiteMap.xml');
  const sitemap = read(sitemapFile).AppModuleSiteMap as Element;
  const area = (sitemap.SiteMap as Element).Area as Element;
  const tables: Record<string, AppTable> = {};
  for (const table of TABLES) {
    tables[table.logicalName] = {
      logicalName: table.logicalName, entitySetName: table.entitySetName, primaryId: table.primaryId, displayName: table.displayName, pluralName: table.pluralName,
      columns: Object.fromEntries([...allColumns(table).map((c) => [c.logicalName, { displayName: c.displayName, kind: c.type.kind }]),
        ['createdon', { displayName: 'Created on', kind: 'datetime' }], ['modifiedon', { displayName: 'Modified on', kind: 'datetime' }]]),
      views: viewsOf(join(solutionSourceDir, 'Entities', table.schemaName, 'SavedQueries')),
      viewsById: Object.fromEntries(viewsOf(join(solutionSourceDir, 'Entities', table.schemaName, 'SavedQueries'), false).map((v) => [v.id, v])),
      form: formOf(join(solutionSourceDir, 'Entities', table.schemaName, 'FormXml', 'main'), lookups),
    };
  }
  return {
    name: String(list((sitemap.LocalizedNames as Element).LocalizedName)[0]?.['@description'] ?? 'App'),
    sitemap: list(area.Group).map((group) => ({ group: englishTitle(group.Titles),
      items: list(group.SubArea).map((s) => ({ id: String(s['@Id']), title: englishTitle(s.Titles), entity: String(s['@Entity'] ?? ''),
        ...(s['@DefaultDashboard'] ? { dashboard: String(s['@DefaultDashboard']).replace(/[{}]/g, '').toLowerCase() } : {}) })) })),
    tables,
    commands: commandsOf(join(solutionSourceDir, 'Entities', 'ibal_Discrepancy', 'RibbonDiff.xml')),
    charts: chartsOf(solutionSourceDir),
    dashboards: dashboardsOf(solutionSourceDir),
  };
}
