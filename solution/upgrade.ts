/**
 * What importing one solution zip over another does, as Dataverse's upgrade sees it: the components the new version
 * adds, removes (an upgrade deletes them, with their data) and changes, and what would make the import fail or not be
 * an upgrade at all. Components are matched by their identity (a table's and column's schema name, a form's or view's
 * id, a web resource's name), which is why ids must stay stable from build to build.
 */
import { createHash } from 'node:crypto';
import { strFromU8, unzipSync } from 'fflate';
import { attributesOf, childrenOf, parseOrdered, textOf, type Ordered } from './xml.js';

export interface SolutionInventory {
  uniqueName: string;
  version: string;
  publisherPrefix: string;
  managed: boolean;
  /** Component key (kind:identity) → a fingerprint of its definition. */
  components: Map<string, string>;
  /** Column key → its Dataverse type. */
  columnTypes: Map<string, string>;
  /** Web resource name → its id. */
  webResourceIds: Map<string, string>;
}

export interface UpgradeReport {
  from: string;
  to: string;
  added: string[];
  removed: string[];
  changed: string[];
  /** Tables, columns and environment variables the upgrade deletes, with whatever they hold. */
  dataDeleted: string[];
  /** Why the import would fail or would not upgrade the installed solution. */
  problems: string[];
}

const tagOf = (node: Record<string, unknown>): string => Object.keys(node).find((k) => k !== ':@')!;
const elements = (nodes: Ordered, tag: string): Ordered => nodes.filter((n) => tagOf(n) === tag);
const fingerprint = (node: unknown): string => createHash('sha256').update(JSON.stringify(node)).digest('hex').slice(0, 16);

export class NotASolutionError extends Error { override readonly name = 'NotASolutionError'; }

/** The components of a packed solution zip. */
export function inventoryOf(zip: Uint8Array, label = 'solution zip'): SolutionInventory {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (error) {
    throw new NotASolutionError(`${label}: not a zip file (${(error as Error).message})`);
  }
  const read = (name: string): Ordered => {
    const bytes = files[name];
    if (!bytes) throw new NotASolutionError(`${label}: no ${name} (not a Dataverse solution zip)`);
    return parseOrdered(strFromU8(bytes).replace(/^\uFEFF/, ''));
  };
  const manifest = childrenOf(childrenOf(read('solution.xml'), 'ImportExportXml'), 'SolutionManifest');
  const customizations = childrenOf(read('customizations.xml'), 'ImportExportXml');
  const components = new Map<string, string>();
  const columnTypes = new Map<string, string>();
  const webResourceIds = new Map<string, string>();

  for (const entity of elements(childrenOf(customizations, 'Entities'), 'Entity')) {
    const parts = entity.Entity as Ordered;
    const info = childrenOf(childrenOf(parts, 'EntityInfo'), 'entity');
    const table = (textOf(parts, 'Name') ?? '').toLowerCase();
    components.set(`table:${table}`, fingerprint(elements(info, 'EntitySetName')));
    for (const attribute of elements(childrenOf(info, 'attributes'), 'attribute')) {
      const a = attribute.attribute as Ordered;
      const key = `column:${table}.${textOf(a, 'LogicalName')}`;
      components.set(key, fingerprint(a));
      columnTypes.set(key, textOf(a, 'Type') ?? '');
    }
    for (const key of elements(childrenOf(info, 'EntityKeys'), 'EntityKey')) {
      components.set(`key:${table}.${textOf(key.EntityKey as Ordered, 'LogicalName')}`, fingerprint(key));
    }
    for (const forms of elements(childrenOf(parts, 'FormXml'), 'forms')) {
      for (const form of elements(forms.forms as Ordered, 'systemform')) components.set(`form:${textOf(form.systemform as Ordered, 'formid')}`, fingerprint(form));
    }
    for (const view of elements(childrenOf(childrenOf(parts, 'SavedQueries'), 'savedqueries'), 'savedquery')) {
      components.set(`view:${textOf(view.savedquery as Ordered, 'savedqueryid')}`, fingerprint(view));
    }
    for (const chart of elements(childrenOf(parts, 'Visualizations'), 'visualization')) {
      components.set(`chart:${textOf(chart.visualization as Ordered, 'savedqueryvisualizationid')}`, fingerprint(chart));
    }
    components.set(`ribbon:${table}`, fingerprint(childrenOf(parts, 'RibbonDiffXml')));
  }
  for (const r of elements(childrenOf(customizations, 'EntityRelationships'), 'EntityRelationship')) components.set(`relationship:${attributesOf(r).Name}`, fingerprint(r));
  for (const r of elements(childrenOf(customizations, 'Roles'), 'Role')) components.set(`role:${attributesOf(r).id}`, fingerprint(r));
  for (const p of elements(childrenOf(customizations, 'FieldSecurityProfiles'), 'FieldSecurityProfile')) {
    components.set(`column security profile:${attributesOf(p).fieldsecurityprofileid}`, fingerprint(p));
  }
  for (const w of elements(childrenOf(customizations, 'WebResources'), 'WebResource')) {
    const nodes = w.WebResource as Ordered;
    const name = textOf(nodes, 'Name') ?? '';
    webResourceIds.set(name, (textOf(nodes, 'WebResourceId') ?? '').toLowerCase());
    const entry = (textOf(nodes, 'FileName') ?? '').replace(/^\//, '');
    components.set(`web resource:${name}`, fingerprint([nodes, fingerprint(files[entry] ? Buffer.from(files[entry]).toString('base64') : '')]));
  }
  for (const c of elements(childrenOf(customizations, 'CustomControls'), 'CustomControl')) {
    const name = textOf(c.CustomControl as Ordered, 'Name') ?? '';
    const bundle = Object.entries(files).filter(([path]) => path.startsWith(`Controls/${name}/`)).map(([path, bytes]) => [path, fingerprint(Buffer.from(bytes).toString('base64'))]);
    components.set(`control:${name}`, fingerprint(bundle));
  }
  for (const m of elements(childrenOf(customizations, 'AppModuleSiteMaps'), 'AppModuleSiteMap')) components.set(`sitemap:${textOf(m.AppModuleSiteMap as Ordered, 'SiteMapUniqueName')}`, fingerprint(m));
  for (const m of elements(childrenOf(customizations, 'AppModules'), 'AppModule')) components.set(`app:${textOf(m.AppModule as Ordered, 'UniqueName')}`, fingerprint(m));
  for (const [path, bytes] of Object.entries(files)) {
    const variable = /^environmentvariabledefinitions\/([^/]+)\/environmentvariabledefinition\.xml$/.exec(path)?.[1];
    if (variable) components.set(`environment variable:${variable}`, fingerprint(strFromU8(bytes)));
  }

  return {
    uniqueName: textOf(manifest, 'UniqueName') ?? '',
    version: textOf(manifest, 'Version') ?? '',
    publisherPrefix: textOf(childrenOf(manifest, 'Publisher'), 'CustomizationPrefix') ?? '',
    managed: textOf(manifest, 'Managed') === '1',
    components, columnTypes, webResourceIds,
  };
}

/** -1, 0 or 1 as Dataverse orders solution versions (2 to 4 numbers, missing parts 0). */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < 4; i += 1) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** What importing `incoming` as an upgrade of the installed `installed` would do. */
export function compareForUpgrade(installed: SolutionInventory, incoming: SolutionInventory): UpgradeReport {
  const problems: string[] = [];
  if (installed.uniqueName !== incoming.uniqueName) {
    problems.push(`the zips are different solutions (${installed.uniqueName}, ${incoming.uniqueName}): an import does not upgrade one with the other`);
  }
  if (installed.publisherPrefix !== incoming.publisherPrefix) {
    problems.push(`the publisher prefix changed from '${installed.publisherPrefix}' to '${incoming.publisherPrefix}': every component would be a new one`);
  }
  if (!incoming.managed) problems.push('the new zip is unmanaged: only a managed solution is upgraded (import the _managed zip)');
  if (compareVersions(incoming.version, installed.version) <= 0) {
    problems.push(`version ${incoming.version} is not higher than the installed ${installed.version}: raise "version" in package.json and run npm run solution:src`);
  }
  const added = [...incoming.components.keys()].filter((k) => !installed.components.has(k)).sort();
  const removed = [...installed.components.keys()].filter((k) => !incoming.components.has(k)).sort();
  const changed = [...incoming.components.keys()]
    .filter((k) => installed.components.has(k) && installed.components.get(k) !== incoming.components.get(k)).sort();
  for (const [column, type] of incoming.columnTypes) {
    const before = installed.columnTypes.get(column);
    if (before !== undefined && before !== type) problems.push(`${column} changes type from ${before} to ${type}: Dataverse cannot change a column's type, the import fails`);
  }
  for (const [name, id] of incoming.webResourceIds) {
    const before = installed.webResourceIds.get(name);
    if (before !== undefined && before !== id) problems.push(`web resource ${name} has a new id (${before} → ${id}): the import fails on the name already in use`);
  }
  const dataDeleted = removed.filter((k) => /^(table|column|environment variable):/.test(k));
  return { from: installed.version, to: incoming.version, added, removed, changed, dataDeleted, problems };
}
