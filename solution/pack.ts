/**
 * The packer: solution/src, in the layout `pac solution unpack` writes, plus the built web resources and control →
 * importable unmanaged and managed solution zips laid out like Microsoft's own exports (solution.md §1), as
 * `pac solution pack` would build them. Everything, the version included, comes from the source tree: the packer
 * puts the split-out parts back into customizations.xml and adds nothing of its own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { filesUnder, type BuiltComponents, type BuiltFile } from './components.js';
import { SPLIT_ENTITY_PARTS, SolutionSourceError, folders, readXml, xmlFiles } from './source-tree.js';
import { attributesOf, childrenOf, elementOf, textOf, xmlDocument, type Ordered } from './xml.js';

export { SolutionSourceError } from './source-tree.js';

/** Every entry gets this timestamp, so packing the same source twice gives the same bytes. */
const FIXED_TIME = new Date('2026-01-01T00:00:00Z');

export interface PackedSolution {
  uniqueName: string;
  version: string;
  unmanaged: Uint8Array;
  managed: Uint8Array;
}

const tagOf = (node: Record<string, unknown>): string => Object.keys(node).find((k) => k !== ':@')!;

/** An element without the namespace declaration its own file carried (inline in customizations.xml it has none). */
function inline(node: Record<string, unknown>): Record<string, unknown> {
  const tag = tagOf(node);
  const attributes = Object.fromEntries(Object.entries(attributesOf(node)).filter(([k]) => !k.startsWith('xmlns')));
  return elementOf(tag, node[tag] as Ordered, attributes);
}

/** The root element of a file, or an error naming the file. */
function rootOf(path: string, tag: string): Record<string, unknown> {
  const root = readXml(path).find((n) => tag in n);
  if (!root) throw new SolutionSourceError(`${path}: no <${tag}> root element`);
  return root;
}

/** The custom controls a control configuration names. */
function controlsNamed(config: Record<string, unknown>): string[] {
  return JSON.stringify(config).match(/"@_name":"([^"]+\.[^"]+)"/g)?.map((m) => m.slice(10, -1)) ?? [];
}

/**
 * A table's <Entity>: Entity.xml with its placeholders filled from the forms, views, charts and ribbon files. A grid
 * control configuration is left out when a control it names is not packed: the import would fail on it.
 */
function entityElement(src: string, folder: string, packedControls: ReadonlySet<string>): Record<string, unknown> {
  const dir = join(src, 'Entities', folder);
  if (!existsSync(join(dir, 'Entity.xml'))) {
    throw new SolutionSourceError(`${dir} has no Entity.xml: run \`npm run solution:src\`, or delete the folder of a table core/ no longer defines`);
  }
  const entity = rootOf(join(dir, 'Entity.xml'), 'Entity');
  const filled = (entity.Entity as Ordered).flatMap((node) => {
    const tag = tagOf(node);
    const part = SPLIT_ENTITY_PARTS.find((p) => p.element === tag);
    if (tag === 'CustomControlDefaultConfigs') {
      return controlsNamed(node).every((name) => packedControls.has(name)) ? [node] : [];
    }
    if (!part) return [node];
    if (part.element === 'RibbonDiffXml') return [inline(rootOf(join(dir, 'RibbonDiff.xml'), 'RibbonDiffXml'))];
    if (part.element === 'FormXml') {
      return [elementOf('FormXml', folders(join(dir, 'FormXml')).map((type) => elementOf('forms',
        xmlFiles(join(dir, 'FormXml', type)).filter((f) => !f.endsWith('_managed.xml'))
          .flatMap((f) => childrenOf(readXml(join(dir, 'FormXml', type, f)), 'forms')), { type })))];
    }
    if (part.element === 'SavedQueries') {
      return [elementOf('SavedQueries', [elementOf('savedqueries',
        xmlFiles(join(dir, 'SavedQueries')).flatMap((f) => childrenOf(readXml(join(dir, 'SavedQueries', f)), 'savedqueries')))])];
    }
    return [elementOf('Visualizations', xmlFiles(join(dir, 'Visualizations'))
      .map((f) => inline(rootOf(join(dir, 'Visualizations', f), 'visualization'))))];
  });
  return elementOf('Entity', filled);
}

/** The relationships listed in Other/Relationships.xml, in its order, each from Other/Relationships/<table>.xml. */
function relationships(src: string): Ordered {
  const listPath = join(src, 'Other', 'Relationships.xml');
  if (!existsSync(listPath)) return [];
  const defined = new Map<string, Record<string, unknown>>();
  for (const f of xmlFiles(join(src, 'Other', 'Relationships'))) {
    for (const r of childrenOf(readXml(join(src, 'Other', 'Relationships', f)), 'EntityRelationships').filter((n) => 'EntityRelationship' in n)) {
      defined.set(attributesOf(r).Name ?? '', r);
    }
  }
  return childrenOf(readXml(listPath), 'EntityRelationships').filter((n) => 'EntityRelationship' in n).map((entry) => {
    const name = attributesOf(entry).Name ?? '';
    const found = defined.get(name);
    if (!found) throw new SolutionSourceError(`${listPath} lists relationship '${name}', which no file in Other/Relationships/ defines`);
    return found;
  });
}

export function packSolution(src: string, built: BuiltComponents): PackedSolution {
  const solutionPath = join(src, 'Other', 'Solution.xml');
  const solutionRoot = rootOf(solutionPath, 'ImportExportXml');
  const manifest = childrenOf([solutionRoot], 'ImportExportXml').find((n) => 'SolutionManifest' in n)?.SolutionManifest as Ordered | undefined;
  if (!manifest) throw new SolutionSourceError(`${solutionPath}: no <SolutionManifest>`);
  const version = textOf(manifest, 'Version') ?? '';
  const uniqueName = textOf(manifest, 'UniqueName') ?? '';
  if (!/^\d+(\.\d+){1,3}$/.test(version)) throw new SolutionSourceError(`${solutionPath}: <Version> '${version}' is not 2 to 4 numbers`);

  const webResources = new Map(built.webResources.map((w) => [w.name, w]));
  const controls = new Map(built.controls.map((c) => [c.name, c]));
  const zipFiles: BuiltFile[] = [];

  const webResourceElements = filesUnder(join(src, 'WebResources')).filter((p) => p.endsWith('.data.xml')).map((path) => {
    const element = rootOf(path, 'WebResource');
    const nodes = element.WebResource as Ordered;
    const name = textOf(nodes, 'Name') ?? '';
    const content = webResources.get(name);
    if (!content) throw new SolutionSourceError(`${path}: no built file for web resource '${name}' in out/webresources (run \`npm run build\`)`);
    zipFiles.push({ path: (textOf(nodes, 'FileName') ?? '').replace(/^\//, ''), bytes: content.content });
    return inline(element);
  });
  const controlElements = folders(join(src, 'Controls')).map((folder) => {
    const path = join(src, 'Controls', folder, 'ControlManifest.xml.data.xml');
    const element = rootOf(path, 'CustomControl');
    const name = textOf(element.CustomControl as Ordered, 'Name') ?? '';
    const control = controls.get(name);
    if (!control) throw new SolutionSourceError(`${path}: no built control '${name}' in out/controls (run \`npm run build\`)`);
    zipFiles.push(...control.files.map((f) => ({ path: `Controls/${name}/${f.path}`, bytes: f.bytes })));
    return inline(element);
  });
  const packedControls = new Set(controlElements.map((c) => textOf(c.CustomControl as Ordered, 'Name') ?? ''));

  const fill: Record<string, () => Ordered> = {
    Entities: () => folders(join(src, 'Entities')).map((f) => entityElement(src, f, packedControls)),
    Roles: () => xmlFiles(join(src, 'Roles')).map((f) => inline(rootOf(join(src, 'Roles', f), 'Role'))),
    FieldSecurityProfiles: () => (existsSync(join(src, 'Other', 'FieldSecurityProfiles.xml'))
      ? childrenOf(readXml(join(src, 'Other', 'FieldSecurityProfiles.xml')), 'FieldSecurityProfiles') : []),
    EntityRelationships: () => relationships(src),
    optionsets: () => xmlFiles(join(src, 'OptionSets')).map((f) => inline(rootOf(join(src, 'OptionSets', f), 'optionset'))),
    Dashboards: () => xmlFiles(join(src, 'Dashboards')).map((f) => inline(rootOf(join(src, 'Dashboards', f), 'Dashboard'))),
    WebResources: () => webResourceElements,
    CustomControls: () => controlElements,
    SdkMessageProcessingSteps: () => xmlFiles(join(src, 'SdkMessageProcessingSteps'))
      .map((f) => inline(rootOf(join(src, 'SdkMessageProcessingSteps', f), 'SdkMessageProcessingStep'))),
    ServiceEndpoints: () => xmlFiles(join(src, 'ServiceEndpoints')).map((f) => inline(rootOf(join(src, 'ServiceEndpoints', f), 'ServiceEndpoint'))),
    AppModuleSiteMaps: () => folders(join(src, 'AppModuleSiteMaps'))
      .map((name) => inline(rootOf(join(src, 'AppModuleSiteMaps', name, 'AppModuleSiteMap.xml'), 'AppModuleSiteMap'))),
    AppModules: () => folders(join(src, 'AppModules')).map((name) => inline(rootOf(join(src, 'AppModules', name, 'AppModule.xml'), 'AppModule'))),
  };
  const skeletonPath = join(src, 'Other', 'Customizations.xml');
  const skeleton = rootOf(skeletonPath, 'ImportExportXml');
  const sections = (skeleton.ImportExportXml as Ordered).filter((n) => !('#text' in n));
  for (const tag of Object.keys(fill)) {
    if (!sections.some((n) => tagOf(n) === tag)) throw new SolutionSourceError(`${skeletonPath}: no <${tag}> section (run \`npm run solution:src\`)`);
  }
  const customizations = xmlDocument([elementOf('ImportExportXml',
    sections.map((n) => (fill[tagOf(n)] ? elementOf(tagOf(n), fill[tagOf(n)]!()) : n)), attributesOf(skeleton))]);

  const solutionXml = (managed: boolean) => xmlDocument([elementOf('ImportExportXml', [elementOf('SolutionManifest',
    manifest.map((n) => ('Managed' in n ? elementOf('Managed', [{ '#text': managed ? '1' : '0' }]) : n)))], attributesOf(solutionRoot))]);

  const environmentVariables = filesUnder(join(src, 'environmentvariabledefinitions'))
    .map((path) => ({ path: relative(src, path).split(sep).join('/'), bytes: readFileSync(path) }));

  const files = (managed: boolean): BuiltFile[] => [
    { path: '[Content_Types].xml', bytes: strToU8(contentTypes([...environmentVariables, ...zipFiles])) },
    { path: 'solution.xml', bytes: strToU8(solutionXml(managed)) },
    { path: 'customizations.xml', bytes: strToU8(customizations) },
    ...environmentVariables,
    ...zipFiles,
  ];
  return { uniqueName, version, unmanaged: zip(files(false)), managed: zip(files(true)) };
}

/** One Default per extension, an Override for each file without one and for a control's manifest, as pac writes them. */
function contentTypes(files: readonly BuiltFile[]): string {
  const extensions = new Set(['xml']);
  const overrides: string[] = [];
  for (const f of files) {
    const name = f.path.split('/').pop()!;
    if (name.includes('.')) extensions.add(name.split('.').pop()!);
    if (!name.includes('.') || (f.path.startsWith('Controls/') && name === 'ControlManifest.xml')) overrides.push(`/${f.path}`);
  }
  return xmlDocument([elementOf('Types', [
    ...[...extensions].sort().map((ext) => elementOf('Default', [], { Extension: ext, ContentType: 'application/octet-stream' })),
    ...overrides.map((part) => elementOf('Override', [], { PartName: part, ContentType: 'application/octet-stream' })),
  ], { xmlns: 'http://schemas.openxmlformats.org/package/2006/content-types' })]);
}

function zip(files: BuiltFile[]): Uint8Array {
  const entries = Object.fromEntries(files.map((f) => [f.path, [f.bytes, { mtime: FIXED_TIME, level: 6 }] as const]));
  return zipSync(entries as never, { mtime: FIXED_TIME });
}
