/**
 * A web resource's definition as pac writes it next to the file (WebResources/<name>.data.xml): a stable id, the type
 * from the extension, the zip entry name exports use (the name without separators, then the upper-case id), and for
 * an HTML page the scripts and styles it loads, so Dataverse loads them with it (web resource dependencies).
 */
import { extname, posix } from 'node:path';
import { PUBLISHER } from '../core/dataverse/schema.js';
import { WEB_RESOURCE_TYPES, type BuiltWebResource } from './components.js';
import { stableId } from './stable-id.js';
import { ordered, xmlDocument, type XmlNode } from './xml.js';

export const webResourceId = (name: string): string => stableId('webresource', name);

/** The zip entry of a web resource, as exports name it. */
export const webResourceEntry = (name: string): string =>
  `WebResources/${name.replace(/[^A-Za-z0-9_]/g, '')}${webResourceId(name).replace(/[{}]/g, '').toUpperCase()}`;

/** The other web resources an HTML page loads by relative `src` or `href`. */
export function dependenciesOf(resource: BuiltWebResource, all: readonly BuiltWebResource[]): string[] {
  if (!/\.html?$/i.test(resource.name)) return [];
  const html = Buffer.from(resource.content).toString('utf8');
  const references = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/gi)].map((m) => m[1]!)
    .filter((ref) => !/^[a-z]+:|^\/\//i.test(ref));
  const folder = posix.dirname(resource.name);
  const names = new Set(all.map((r) => r.name));
  return [...new Set(references.map((ref) => posix.normalize(posix.join(folder, ref))))].filter((name) => names.has(name)).sort();
}

function dependencyXml(resource: BuiltWebResource, dependencies: readonly string[]): string {
  const libraries = dependencies.map((name) => `<Library name="${name}" displayName="${displayNameOf(name)}" languagecode="" description="" `
    + `libraryUniqueId="${stableId('webresource-dependency', resource.name, name)}" />`).join('');
  return `<Dependencies><Dependency componentType="WebResource">${libraries}</Dependency></Dependencies>`;
}

const displayNameOf = (name: string): string => name.slice(PUBLISHER.prefix.length + 2);

/** The `<WebResource>` element of a built web resource. */
export function webResourceElement(resource: BuiltWebResource, all: readonly BuiltWebResource[]): XmlNode {
  const type = WEB_RESOURCE_TYPES[extname(resource.name).toLowerCase()];
  if (type === undefined) throw new Error(`${resource.name}: no web resource type for its extension`);
  const dependencies = dependenciesOf(resource, all);
  return {
    WebResourceId: webResourceId(resource.name),
    Name: resource.name,
    DisplayName: displayNameOf(resource.name),
    WebResourceType: type,
    IntroducedVersion: '1.0',
    IsEnabledForMobileClient: '0',
    IsAvailableForMobileOffline: '0',
    ...(dependencies.length > 0 ? { DependencyXml: dependencyXml(resource, dependencies) } : {}),
    IsCustomizable: '1',
    CanBeDeleted: '1',
    IsHidden: '0',
    FileName: `/${webResourceEntry(resource.name)}`,
  };
}

/** The .data.xml file of a built web resource. */
export const webResourceDataXml = (resource: BuiltWebResource, all: readonly BuiltWebResource[]): string =>
  xmlDocument(ordered({ WebResource: { '@_xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', ...webResourceElement(resource, all) } }));
