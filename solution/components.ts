/**
 * Finds the built web resources and PCF control to pack, when a build has produced them: web resource bundles in
 * out/webresources (named ibal_/<path>, bundled by tools/build-webresources.mjs), and the control pcf-scripts writes to out/controls (named
 * <prefix>_<namespace>.<constructor> from its manifest, the prefix the solution's, as a managed import requires).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { PUBLISHER } from '../core/dataverse/schema.js';
import type { BuiltFile, ExtraComponents } from './pack.js';
import { attributesOf, childrenOf, parseOrdered } from './xml.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const WEB_RESOURCE_TYPES = { '.js': 'js', '.html': 'html', '.htm': 'html', '.css': 'css' } as const;

export function builtComponents(root: string): ExtraComponents {
  const webResourceDir = join(root, 'out', 'webresources');
  const webResources = existsSync(webResourceDir) ? filesUnder(webResourceDir).flatMap((path) => {
    const type = WEB_RESOURCE_TYPES[extname(path).toLowerCase() as keyof typeof WEB_RESOURCE_TYPES];
    if (!type) return [];
    const name = `${PUBLISHER.prefix}_/${relative(webResourceDir, path).split(sep).join('/')}`;
    return [{ name, displayName: name.slice(PUBLISHER.prefix.length + 2), type, content: readFileSync(path) }];
  }) : [];

  const controlDir = join(root, 'out', 'controls');
  const manifestPath = join(controlDir, 'ControlManifest.xml');
  const controls = [];
  if (existsSync(manifestPath)) {
    const control = childrenOf(parseOrdered(readFileSync(manifestPath, 'utf8')), 'manifest').find((n) => 'control' in n);
    const { namespace, constructor } = control ? attributesOf(control) : {};
    if (!namespace || !constructor) throw new Error(`${manifestPath}: no <control namespace=… constructor=…>`);
    const files: BuiltFile[] = filesUnder(controlDir).map((path) => ({ path: relative(controlDir, path).split(sep).join('/'), bytes: readFileSync(path) }));
    controls.push({ name: `${PUBLISHER.prefix}_${namespace}.${constructor}`, files });
  }
  return { webResources, controls };
}
