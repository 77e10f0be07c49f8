/**
 * The generated part of solution/src, the solution in the layout `pac solution unpack` writes: each table's
 * Entity.xml (its <EntityInfo> from core/, its other children kept as they are), the relationships, the environment
 * variable definitions, the web resource and control definitions of what the build produced, and in
 * Other/Solution.xml the version (package.json's) and the root components. Forms, views, charts, ribbons, the app,
 * its sitemap, roles and column security profiles are written by hand or by makers, and read here only to list them.
 * `npm run solution:src` writes these files; a test checks that the checked-in ones agree with core/.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENT_VARIABLES, type EnvironmentVariableDefinition } from '../core/dataverse/environment.js';
import type { TableDefinition } from '../core/dataverse/schema.js';
import { TABLES } from '../core/dataverse/tables.js';
import type { BuiltComponents } from './components.js';
import { entityInfo, relationshipsOf } from './entity-xml.js';
import { environmentVariablePath, environmentVariableXml } from './environment-variable-xml.js';
import { GERMAN_LABELS, type GermanLabels } from './german-labels.js';
import { LabelBook, LANGUAGES } from './labels.js';
import { webResourceDataXml } from './web-resource-xml.js';
import { attributesOf, childrenOf, compareIgnoringCase, elementOf, ordered, parseOrdered, textOf, xmlDocument, type Ordered } from './xml.js';

export interface SourceFile { path: string; content: string }

/** What the generated files are generated from: core/dataverse and the German labels. */
export interface Definitions {
  tables: readonly TableDefinition[];
  environmentVariables: readonly EnvironmentVariableDefinition[];
  german: GermanLabels;
}

export const DEFINITIONS: Definitions = { tables: TABLES, environmentVariables: Object.values(ENVIRONMENT_VARIABLES), german: GERMAN_LABELS };

export class SolutionSourceError extends Error { override readonly name = 'SolutionSourceError'; }

const XSI = { 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance' };

/** RootComponent type codes (solution.md §1.3). */
export const COMPONENT = {
  entity: 1, role: 20, savedQuery: 26, chart: 59, systemForm: 60, webResource: 61, siteMap: 62, control: 66,
  fieldSecurityProfile: 70, appModule: 80, sdkMessageProcessingStep: 92, serviceEndpoint: 95, environmentVariable: 380,
} as const;

export function readXml(path: string): Ordered {
  try {
    return parseOrdered(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new SolutionSourceError(`${path}: not well-formed XML (${(error as Error).message})`);
  }
}

export const xmlFiles = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.xml')).sort() : []);
export const folders = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort() : []);

/** The children of Entity.xml that pac splits out into their own files, in the order it writes their placeholders. */
export const SPLIT_ENTITY_PARTS = [
  { element: 'FormXml', folder: 'FormXml' },
  { element: 'SavedQueries', folder: 'SavedQueries' },
  { element: 'Visualizations', folder: 'Visualizations' },
  { element: 'RibbonDiffXml', folder: undefined },
] as const;

const EMPTY_RIBBON = ordered({
  RibbonDiffXml: {
    '@_xmlns:xsi': XSI['xmlns:xsi'],
    CustomActions: '', Templates: { RibbonTemplates: { '@_Id': 'Mscrm.Templates' } }, CommandDefinitions: '',
    RuleDefinitions: { TabDisplayRules: '', DisplayRules: '', EnableRules: '' }, LocLabels: '',
  },
});

function entityFiles(src: string, table: TableDefinition, book: LabelBook): SourceFile[] {
  const dir = join(src, 'Entities', table.schemaName);
  const existing = existsSync(join(dir, 'Entity.xml')) ? childrenOf(readXml(join(dir, 'Entity.xml')), 'Entity') : [];
  const generated = new Set(['Name', 'EntityInfo', ...SPLIT_ENTITY_PARTS.map((p) => p.element)]);
  // What makers or engineers added to the table beyond core/ (a grid's control configuration) stays as it is.
  const kept = existing.filter((n) => !Object.keys(n).some((k) => generated.has(k)) && !('#text' in n));
  const placeholders = SPLIT_ENTITY_PARTS.filter((p) => p.folder === undefined || existsSync(join(dir, p.folder))).map((p) => elementOf(p.element, []));
  const files = [{
    path: `Entities/${table.schemaName}/Entity.xml`,
    content: xmlDocument([elementOf('Entity', [...entityInfo(table, book), ...placeholders, ...kept], XSI)]),
  }];
  if (!existsSync(join(dir, 'RibbonDiff.xml'))) files.push({ path: `Entities/${table.schemaName}/RibbonDiff.xml`, content: xmlDocument(EMPTY_RIBBON) });
  return files;
}

function relationshipFiles(tables: readonly TableDefinition[]): SourceFile[] {
  const relationships = relationshipsOf(tables);
  const byReferenced = new Map<string, typeof relationships>();
  for (const r of relationships) byReferenced.set(r.referencedSchemaName, [...(byReferenced.get(r.referencedSchemaName) ?? []), r]);
  return [
    {
      path: 'Other/Relationships.xml',
      content: xmlDocument([elementOf('EntityRelationships', relationships.map((r) => elementOf('EntityRelationship', [], { Name: r.name })), XSI)]),
    },
    ...[...byReferenced].map(([referenced, list]) => ({
      path: `Other/Relationships/${referenced}.xml`,
      content: xmlDocument([elementOf('EntityRelationships', list.flatMap((r) => ordered({ EntityRelationship: r.xml })), XSI)]),
    })),
  ];
}

/** Other/Customizations.xml: the sections of customizations.xml that pac does not split out, in the platform's order. */
function customizationsFile(): SourceFile {
  const sections = ['Entities', 'Roles', 'Workflows', 'FieldSecurityProfiles', 'Templates', 'EntityMaps', 'EntityRelationships',
    'OrganizationSettings', 'optionsets', 'Dashboards', 'WebResources', 'CustomControls', 'SolutionPluginAssemblies', 'SdkMessageProcessingSteps',
    'ServiceEndpoints', 'AppModuleSiteMaps', 'AppModules', 'EntityDataProviders'];
  return {
    path: 'Other/Customizations.xml',
    content: xmlDocument([elementOf('ImportExportXml', [
      ...sections.map((s) => elementOf(s, [])),
      elementOf('Languages', LANGUAGES.map((code) => elementOf('Language', [{ '#text': String(code) }]))),
    ], XSI)]),
  };
}

interface RootComponent { type: number; schemaName?: string; id?: string }

function rootComponents(src: string, built: BuiltComponents, tables: readonly TableDefinition[]): RootComponent[] {
  const roots: RootComponent[] = [
    ...tables.map((t) => ({ type: COMPONENT.entity, schemaName: t.logicalName })),
    ...xmlFiles(join(src, 'Roles')).flatMap((f) => readXml(join(src, 'Roles', f)).filter((n) => 'Role' in n))
      .map((role) => ({ type: COMPONENT.role, id: attributesOf(role).id ?? '' })),
    ...(existsSync(join(src, 'Other', 'FieldSecurityProfiles.xml'))
      ? childrenOf(readXml(join(src, 'Other', 'FieldSecurityProfiles.xml')), 'FieldSecurityProfiles').filter((n) => 'FieldSecurityProfile' in n)
        .map((p) => ({ type: COMPONENT.fieldSecurityProfile, id: attributesOf(p).fieldsecurityprofileid ?? '' }))
      : []),
    // System dashboards are system forms (Dashboards/<id>.xml, as pac unpacks them).
    ...xmlFiles(join(src, 'Dashboards')).flatMap((f) => readXml(join(src, 'Dashboards', f)).filter((n) => 'Dashboard' in n))
      .map((dashboard) => ({ type: COMPONENT.systemForm, id: (textOf(dashboard.Dashboard as Ordered, 'FormId') ?? '').toLowerCase() })),
    ...built.webResources.map((w) => ({ type: COMPONENT.webResource, schemaName: w.name })),
    ...folders(join(src, 'AppModuleSiteMaps')).map((name) => ({ type: COMPONENT.siteMap, schemaName: name })),
    ...built.controls.map((c) => ({ type: COMPONENT.control, schemaName: c.name })),
    ...folders(join(src, 'AppModules')).map((name) => ({ type: COMPONENT.appModule, schemaName: name })),
    // The review service's webhook: its service endpoint and the steps that call it (the admin sets its URL and key).
    ...xmlFiles(join(src, 'SdkMessageProcessingSteps')).flatMap((f) => readXml(join(src, 'SdkMessageProcessingSteps', f)).filter((n) => 'SdkMessageProcessingStep' in n))
      .map((step) => ({ type: COMPONENT.sdkMessageProcessingStep, id: attributesOf(step).SdkMessageProcessingStepId ?? '' })),
    ...xmlFiles(join(src, 'ServiceEndpoints')).flatMap((f) => readXml(join(src, 'ServiceEndpoints', f)).filter((n) => 'ServiceEndpoint' in n))
      .map((endpoint) => ({ type: COMPONENT.serviceEndpoint, id: attributesOf(endpoint).ServiceEndpointId ?? '' })),
    // Environment variable definitions are not root components in Microsoft's exports (Contoso_sample, the business
    // approvals kit): their folder carries them.
  ];
  // Exports order root components by type, compared as text, then by name.
  return roots.sort((a, b) => compareIgnoringCase(String(a.type), String(b.type)) || compareIgnoringCase(a.schemaName ?? a.id ?? '', b.schemaName ?? b.id ?? ''));
}

function solutionFile(src: string, built: BuiltComponents, version: string, tables: readonly TableDefinition[]): SourceFile {
  const path = join(src, 'Other', 'Solution.xml');
  if (!existsSync(path)) throw new SolutionSourceError(`${path} does not exist: it names the solution and its publisher`);
  const source = readXml(path);
  const root = source.find((n) => 'ImportExportXml' in n);
  const manifest = childrenOf(source, 'ImportExportXml').find((n) => 'SolutionManifest' in n)?.SolutionManifest as Ordered | undefined;
  if (!root || !manifest) throw new SolutionSourceError(`${path}: no <ImportExportXml><SolutionManifest>`);
  const roots = rootComponents(src, built, tables).map((r) => elementOf('RootComponent', [], {
    type: String(r.type), ...(r.schemaName ? { schemaName: r.schemaName } : { id: r.id ?? '' }), behavior: '0',
  }));
  const rewritten = manifest.map((n) => {
    if ('Version' in n) return elementOf('Version', [{ '#text': version }]);
    if ('RootComponents' in n) return elementOf('RootComponents', roots);
    return n;
  });
  return { path: 'Other/Solution.xml', content: xmlDocument([elementOf('ImportExportXml', [elementOf('SolutionManifest', rewritten)], attributesOf(root))]) };
}

function controlFiles(built: BuiltComponents): SourceFile[] {
  return built.controls.map((c) => ({
    path: `Controls/${c.name}/ControlManifest.xml.data.xml`,
    content: xmlDocument(ordered({ CustomControl: { '@_xmlns:xsi': XSI['xmlns:xsi'], Name: c.name, FileName: `/Controls/${c.name}/ControlManifest.xml` } })),
  }));
}

/** Whether pac-layout path (relative to src, forward slashes) is one the generator owns. */
export function isGeneratedPath(path: string): boolean {
  return /^Entities\/[^/]+\/Entity\.xml$/.test(path)
    || /^Other\/(Solution|Customizations|Relationships)\.xml$/.test(path)
    || /^Other\/Relationships\/[^/]+\.xml$/.test(path)
    || /^environmentvariabledefinitions\//.test(path)
    || (/^WebResources\//.test(path) && path.endsWith('.data.xml'))
    || /^Controls\/[^/]+\/ControlManifest\.xml\.data\.xml$/.test(path);
}

/**
 * Every generated file of the solution source for this version and build. Throws MissingGermanLabels, naming each,
 * when german-labels.ts lacks a label of something core/ defines.
 */
export function generateSource(src: string, built: BuiltComponents, version: string, definitions: Definitions = DEFINITIONS): SourceFile[] {
  if (!/^\d+(\.\d+){1,3}$/.test(version)) throw new SolutionSourceError(`version '${version}' is not 2 to 4 numbers (package.json "version")`);
  if (built.webResources.length === 0 || built.controls.length === 0) {
    throw new SolutionSourceError('no built web resources or control in out/: run `npm run build` first (the solution ships them)');
  }
  const { tables, environmentVariables } = definitions;
  const book = new LabelBook(definitions.german);
  const files = [
    ...tables.flatMap((t) => entityFiles(src, t, book)),
    ...relationshipFiles(tables),
    customizationsFile(),
    solutionFile(src, built, version, tables),
    ...environmentVariables.map((v) => ({ path: environmentVariablePath(v), content: environmentVariableXml(v, book) })),
    ...built.webResources.map((w) => ({ path: `WebResources/${w.name}.data.xml`, content: webResourceDataXml(w, built.webResources) })),
    ...controlFiles(built),
  ];
  book.assertComplete();
  return files;
}
