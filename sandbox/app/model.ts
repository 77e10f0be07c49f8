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
  views: AppView[];
}
export interface AppCommand { id: string; label: string; functionName: string; enableRules: string[]; minSelection: number; passesPrimaryControl: boolean; library: string }
export interface AppModel {
  name: string;
  sitemap: Array<{ group: string; items: Array<{ id: string; title: string; entity: string }> }>;
  tables: Record<string, AppTable>;
  commands: AppCommand[];
}

type Element = Record<string, unknown>;
const ARRAYS = new Set(['Group', 'SubArea', 'Title', 'cell', 'CustomAction', 'CommandDefinition', 'EnableRule', 'CrmParameter', 'LocLabel', 'LocalizedName']);
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ARRAYS.has(name), parseTagValue: false });
const read = (path: string): Element => parser.parse(readFileSync(path, 'utf8')) as Element;
const list = (value: unknown): Element[] => (Array.isArray(value) ? value as Element[] : value === undefined || value === '' ? [] : [value as Element]);
const englishTitle = (titles: unknown): string => String(list((titles as Element | undefined)?.Title).find((t) => t['@LCID'] === '1033')?.['@Title'] ?? '');

/** The raw fetch element of a saved query, exactly as in the file (the XML parser would reorder it). */
const fetchOf = (text: string): string => /<fetch [\s\S]*?<\/fetch>/.exec(text)?.[0] ?? '';

function viewsOf(dir: string): AppView[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.xml')).sort().flatMap((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const query = (parser.parse(text) as { savedqueries: { savedquery: Element } }).savedqueries.savedquery;
    // Public views only (querytype 0): lookup, quick find and associated views are not offered in the selector.
    if (String(query.querytype) !== '0') return [];
    const name = String(list((query.LocalizedNames as Element).LocalizedName).find((n) => n['@languagecode'] === '1033')?.['@description'] ?? file);
    const cells = list(((((query.layoutxml as Element).grid as Element).row as Element).cell));
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
      const call = (definition.Actions as Element).JavaScriptFunction as Element;
      const enable = list((definition.EnableRules as Element).EnableRule).map((r) => rules.get(String(r['@Id']))!);
      return {
        id: String(button['@Id']),
        label: labels.get(String(button['@LabelText']).replace('$LocLabels:', '')) ?? String(button['@Id']),
        functionName: String(call['@FunctionName']),
        library: String(call['@Library']).replace('$webresource:', ''),
        enableRules: enable.filter((r) => r.CustomRule).map((r) => String((r.CustomRule as Element)['@FunctionName'])),
        minSelection: Math.max(0, ...enable.filter((r) => r.SelectionCountRule).map((r) => Number((r.SelectionCountRule as Element)['@Minimum'] ?? 0))),
        passesPrimaryControl: list(call.CrmParameter).some((p) => p['@Value'] === 'PrimaryControl'),
      };
    });
}

export function appModel(solutionSourceDir: string): AppModel {
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
    };
  }
  return {
    name: String(list((sitemap.LocalizedNames as Element).LocalizedName)[0]?.['@description'] ?? 'App'),
    sitemap: list(area.Group).map((group) => ({ group: englishTitle(group.Titles),
      items: list(group.SubArea).map((s) => ({ id: String(s['@Id']), title: englishTitle(s.Titles), entity: String(s['@Entity']) })) })),
    tables,
    commands: commandsOf(join(solutionSourceDir, 'Entities', 'ibal_Discrepancy', 'RibbonDiff.xml')),
  };
}
