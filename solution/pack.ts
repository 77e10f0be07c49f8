/**
 * The packer: solution/src (SolutionPackager layout) plus the table definitions in core/ → importable
 * unmanaged and managed solution zips, laid out like Microsoft's own exports (solution.md §1).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { ENVIRONMENT_VARIABLES, ENVIRONMENT_VARIABLE_TYPES } from '../core/dataverse/environment.js';
import { SOLUTION_UNIQUE_NAME, type TableDefinition } from '../core/dataverse/schema.js';
import { TABLES } from '../core/dataverse/tables.js';
import { entityChildren, relationshipElements } from './entity-xml.js';
import { attributesOf, childrenOf, elementOf, ordered, parseOrdered, xmlDocument, type Ordered } from './xml.js';

/** Every entry gets this timestamp, so packing the same source twice gives the same bytes. */
const FIXED_TIME = new Date('2026-01-01T00:00:00Z');

/** RootComponent type codes (solution.md §1.3). */
const COMPONENT = { entity: 1, role: 20, savedQuery: 26, chart: 59, webResource: 61, siteMap: 62, control: 66, fieldSecurityProfile: 70, appModule: 80,
  sdkMessageProcessingStep: 92, serviceEndpoint: 95, environmentVariable: 380 } as const;

export interface BuiltFile { path: string; bytes: Uint8Array }

/** Built web resources and PCF controls to include (later issues produce them). */
export interface ExtraComponents {
  webResources?: Array<{ name: string; displayName: string; type: 'js' | 'html' | 'css'; content: Uint8Array }>;
  controls?: Array<{ name: string; files: BuiltFile[] }>;
}

export class SolutionSourceError extends Error { override readonly name = 'SolutionSourceError'; }

function readXml(path: string): Ordered {
  try {
    return parseOrdered(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new SolutionSourceError(`${path}: not well-formed XML (${(error as Error).message})`);
  }
}

const xmlFiles = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.xml')).sort() : []);
const folders = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort() : []);

/** The custom controls a control configuration names. */
function controlsNamed(config: Ordered): string[] {
  return JSON.stringify(config).match(/"@_name":"([^"]+\.[^"]+)"/g)?.map((m) => m.slice(10, -1)) ?? [];
}

/**
 * The forms, views, charts, ribbon and grid-control configuration of one table, read from Entities/<SchemaName>/.
 * A control configuration is included only when every control it names is packed: the import fails otherwise.
 */
function entityParts(src: string, table: TableDefinition, packedControls: ReadonlySet<string>): Ordered {
  const dir = join(src, 'Entities', table.schemaName);
  const forms: Ordered = [];
  for (const type of folders(join(dir, 'FormXml'))) {
    const systemforms = xmlFiles(join(dir, 'FormXml', type)).flatMap((f) => childrenOf(readXml(join(dir, 'FormXml', type, f)), 'forms'));
    forms.push(elementOf('forms', systemforms, { type }));
  }
  const views = xmlFiles(join(dir, 'SavedQueries')).flatMap((f) => childrenOf(readXml(join(dir, 'SavedQueries', f)), 'savedqueries'));
  const charts = xmlFiles(join(dir, 'Visualizations')).flatMap((f) => readXml(join(dir, 'Visualizations', f)).filter((n) => 'visualization' in n));
  const ribbon = existsSync(join(dir, 'RibbonDiff.xml'))
    ? childrenOf(readXml(join(dir, 'RibbonDiff.xml')), 'RibbonDiffXml')
    : ordered({ CustomActions: '', Templates: { RibbonTemplates: { '@_Id': 'Mscrm.Templates' } }, CommandDefinitions: '',
      RuleDefinitions: { TabDisplayRules: '', DisplayRules: '', EnableRules: '' }, LocLabels: '' });
  const controlConfig = existsSync(join(dir, 'CustomControlDefaultConfigs.xml'))
    ? readXml(join(dir, 'CustomControlDefaultConfigs.xml')).filter((n) => 'CustomControlDefaultConfigs' in n) : [];
  const usable = controlConfig.filter((config) => controlsNamed([config]).every((name) => packedControls.has(name)));
  return [
    ...(forms.length > 0 ? [elementOf('FormXml', forms)] : []),
    ...(views.length > 0 ? [elementOf('SavedQueries', [elementOf('savedqueries', views)])] : []),
    ...(charts.length > 0 ? [elementOf('Visualizations', charts)] : []),
    elementOf('RibbonDiffXml', ribbon),
    ...usable,
  ];
}

function environmentVariableFiles(): BuiltFile[] {
  return Object.values(ENVIRONMENT_VARIABLES).map((v) => ({
    path: `environmentvariabledefinitions/${v.schemaName}/environmentvariabledefinition.xml`,
    bytes: strToU8(xmlDocument(ordered({
      environmentvariabledefinition: {
        '@_schemaname': v.schemaName,
        ...('defaultValue' in v ? { defaultvalue: v.defaultValue } : {}),
        description: { '@_default': v.description, label: { '@_description': v.description, '@_languagecode': 1033 } },
        displayname: { '@_default': v.displayName, label: { '@_description': v.displayName, '@_languagecode': 1033 } },
        introducedversion: '1.0',
        iscustomizable: '1',
        isrequired: '0',
        secretstore: '0',
        type: ENVIRONMENT_VARIABLE_TYPES[v.type],
      },
    }))),
  }));
}

export interface PackedSolution {
  version: string;
  /** Entry name → content, for both flavours. */
  unmanaged: Uint8Array;
  managed: Uint8Array;
}

export function packSolution(src: string, version: string, extra: ExtraComponents = {}): PackedSolution {
  if (!/^\d+(\.\d+){1,3}$/.test(version)) throw new SolutionSourceError(`version '${version}' is not 2 to 4 numbers (package.json "version")`);
  const roots: Array<Record<string, string>> = [];
  const packedControls = new Set((extra.controls ?? []).map((c) => c.name));
  const entities = TABLES.map((table) => {
    roots.push({ type: String(COMPONENT.entity), schemaName: table.logicalName });
    return elementOf('Entity', entityChildren(table, entityParts(src, table, packedControls)));
  });
  // Forms, views and charts are subcomponents of their entity: exports list only the entity as the root.
  const roles = xmlFiles(join(src, 'Roles')).flatMap((f) => readXml(join(src, 'Roles', f)).filter((n) => 'Role' in n));
  for (const role of roles) roots.push({ type: String(COMPONENT.role), id: attributesOf(role).id ?? '' });
  const fieldSecurity = existsSync(join(src, 'Other', 'FieldSecurityProfiles.xml'))
    ? childrenOf(readXml(join(src, 'Other', 'FieldSecurityProfiles.xml')), 'FieldSecurityProfiles') : [];
  for (const profile of fieldSecurity) roots.push({ type: String(COMPONENT.fieldSecurityProfile), id: attributesOf(profile).fieldsecurityprofileid ?? '' });
  const siteMaps = folders(join(src, 'AppModuleSiteMaps')).flatMap((name) => {
    roots.push({ type: String(COMPONENT.siteMap), schemaName: name });
    return readXml(join(src, 'AppModuleSiteMaps', name, 'AppModuleSiteMap.xml')).filter((n) => 'AppModuleSiteMap' in n);
  });
  const appModules = folders(join(src, 'AppModules')).flatMap((name) => {
    roots.push({ type: String(COMPONENT.appModule), schemaName: name });
    return readXml(join(src, 'AppModules', name, 'AppModule.xml')).filter((n) => 'AppModule' in n);
  });
  for (const v of Object.values(ENVIRONMENT_VARIABLES)) roots.push({ type: String(COMPONENT.environmentVariable), schemaName: v.schemaName });
  // The review service's webhook: its service endpoint and the steps that call it (the admin sets its URL and key).
  const serviceEndpoints = xmlFiles(join(src, 'ServiceEndpoints')).flatMap((f) => readXml(join(src, 'ServiceEndpoints', f)).filter((n) => 'ServiceEndpoint' in n));
  for (const endpoint of serviceEndpoints) roots.push({ type: String(COMPONENT.serviceEndpoint), id: attributesOf(endpoint).ServiceEndpointId ?? '' });
  const steps = xmlFiles(join(src, 'SdkMessageProcessingSteps')).flatMap((f) => readXml(join(src, 'SdkMessageProcessingSteps', f)).filter((n) => 'SdkMessageProcessingStep' in n));
  for (const step of steps) roots.push({ type: String(COMPONENT.sdkMessageProcessingStep), id: attributesOf(step).SdkMessageProcessingStepId ?? '' });

  const webResources = (extra.webResources ?? []).map((w) => {
    roots.push({ type: String(COMPONENT.webResource), schemaName: w.name });
    return w;
  });
  const controls = (extra.controls ?? []).map((c) => {
    roots.push({ type: String(COMPONENT.control), schemaName: c.name });
    return c;
  });

  const customizations = () => xmlDocument([elementOf('ImportExportXml', [
    elementOf('Entities', entities),
    elementOf('Roles', roles),
    elementOf('Workflows', []),
    elementOf('FieldSecurityProfiles', fieldSecurity),
    elementOf('Templates', []),
    elementOf('EntityMaps', []),
    elementOf('EntityRelationships', relationshipElements(TABLES).map((r) => ordered({ EntityRelationship: r })[0]!)),
    elementOf('OrganizationSettings', []),
    elementOf('optionsets', []),
    elementOf('WebResources', webResources.map((w) => ordered({ WebResource: {
      WebResourceId: webResourceId(w.name), Name: w.name, DisplayName: w.displayName,
      WebResourceType: { html: 1, css: 2, js: 3 }[w.type], IntroducedVersion: '1.0', IsEnabledForMobileClient: '0',
      IsAvailableForMobileOffline: '0', IsCustomizable: '1', CanBeDeleted: '1', IsHidden: '0',
      FileName: `/WebResources/${webResourceEntry(w.name)}`,
    } })[0]!)),
    elementOf('CustomControls', controls.map((c) => ordered({ CustomControl: { Name: c.name, FileName: `/Controls/${c.name}/ControlManifest.xml` } })[0]!)),
    elementOf('SolutionPluginAssemblies', []),
    elementOf('SdkMessageProcessingSteps', steps),
    elementOf('ServiceEndpoints', serviceEndpoints),
    elementOf('AppModuleSiteMaps', siteMaps),
    elementOf('AppModules', appModules),
    elementOf('EntityDataProviders', []),
    elementOf('Languages', languages),
  ], { 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance' })]);

  // The manifest comes from Other/Solution.xml (name, descriptions, publisher); the packer sets the rest.
  const source = readXml(join(src, 'Other', 'Solution.xml'));
  const root = source.find((n) => 'ImportExportXml' in n);
  if (!root) throw new SolutionSourceError(`${join(src, 'Other', 'Solution.xml')}: no <ImportExportXml>`);
  const manifest = childrenOf(source, 'ImportExportXml').find((n) => 'SolutionManifest' in n)?.SolutionManifest as Ordered | undefined;
  if (!manifest) throw new SolutionSourceError(`${join(src, 'Other', 'Solution.xml')}: no <SolutionManifest>`);
  const generated = ['Version', 'Managed', 'RootComponents', 'MissingDependencies'];
  const kept = manifest.filter((n) => !generated.some((g) => g in n));
  const publisherAt = kept.findIndex((n) => 'Publisher' in n);
  const solutionXml = (managed: boolean) => xmlDocument([elementOf('ImportExportXml', [
    elementOf('SolutionManifest', [
      ...kept.slice(0, publisherAt),
      ...ordered({ Version: version, Managed: managed ? '1' : '0' }),
      ...kept.slice(publisherAt),
      elementOf('RootComponents', roots.map((r) => elementOf('RootComponent', [], { ...r, behavior: '0' }))),
      elementOf('MissingDependencies', []),
    ]),
  ], attributesOf(root))]);

  const languages = existsSync(join(src, 'Other', 'Customizations.xml'))
    ? childrenOf(childrenOf(readXml(join(src, 'Other', 'Customizations.xml')), 'ImportExportXml'), 'Languages')
    : ordered({ Language: '1033' });

  const files = (managed: boolean): BuiltFile[] => [
    { path: '[Content_Types].xml', bytes: strToU8(contentTypes(extra)) },
    { path: 'solution.xml', bytes: strToU8(solutionXml(managed)) },
    { path: 'customizations.xml', bytes: strToU8(customizations()) },
    ...environmentVariableFiles(),
    ...webResources.map((w) => ({ path: `WebResources/${webResourceEntry(w.name)}`, bytes: w.content })),
    ...controls.flatMap((c) => c.files.map((f) => ({ path: `Controls/${c.name}/${f.path}`, bytes: f.bytes }))),
  ];
  return { version, unmanaged: zip(files(false)), managed: zip(files(true)) };
}

function contentTypes(extra: ExtraComponents): string {
  const extensions = new Set(['xml']);
  const overrides: string[] = [];
  for (const w of extra.webResources ?? []) overrides.push(`/WebResources/${webResourceEntry(w.name)}`);
  for (const c of extra.controls ?? []) {
    for (const f of c.files) {
      const ext = f.path.split('.').pop()!;
      extensions.add(ext);
      if (f.path === 'ControlManifest.xml') overrides.push(`/Controls/${c.name}/ControlManifest.xml`);
    }
  }
  return xmlDocument([elementOf('Types', [
    ...[...extensions].sort().map((ext) => elementOf('Default', [], { Extension: ext, ContentType: 'application/octet-stream' })),
    ...overrides.map((part) => elementOf('Override', [], { PartName: part, ContentType: 'application/octet-stream' })),
  ], { xmlns: 'http://schemas.openxmlformats.org/package/2006/content-types' })]);
}

/** A stable id per web resource name (a name-based UUID, version 5 layout), so re-imports update instead of duplicating. */
function webResourceId(name: string): string {
  const hash = createHash('sha1').update(`${SOLUTION_UNIQUE_NAME}/webresource/${name}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `{${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}}`;
}

/** Zip entry of a web resource, as exports name it: the name without separators, then the upper-case id. */
const webResourceEntry = (name: string): string => `${name.replace(/[^A-Za-z0-9_]/g, '')}${webResourceId(name).replace(/[{}]/g, '').toUpperCase()}`;

function zip(files: BuiltFile[]): Uint8Array {
  const entries = Object.fromEntries(files.map((f) => [f.path, [f.bytes, { mtime: FIXED_TIME, level: 6 }] as const]));
  return zipSync(entries as never, { mtime: FIXED_TIME });
}
