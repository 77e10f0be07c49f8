/**
 * What the build produced for the solution: web resource bundles in out/webresources (named ibal_/<path>, bundled by
 * tools/build-webresources.mjs) and the control pcf-scripts writes to out/controls (named
 * <prefix>_<namespace>.<constructor> from its manifest, the prefix the solution's, as a managed import requires).
 * The control's string resources go under strings/, where exported controls keep them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative, sep } from 'node:path';
import { PUBLISHER } from '../core/dataverse/schema.js';
import { attributesOf, childrenOf, parseOrdered } from './xml.js';

export interface BuiltFile { path: string; bytes: Uint8Array }
export interface BuiltWebResource { name: string; content: Uint8Array }
export interface BuiltControl { name: string; files: BuiltFile[] }

/** The built parts the solution ships; the solution source names them, the build makes their content. */
export interface BuiltComponents {
  webResources: BuiltWebResource[];
  controls: BuiltControl[];
}

/** Every file below a folder, in name order; none when it does not exist. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Web resource types by file extension (webresource.webresourcetype). */
export const WEB_RESOURCE_TYPES: Readonly<Record<string, number>> = {
  '.html': 1, '.htm': 1, '.css': 2, '.js': 3, '.xml': 4, '.png': 5, '.jpg': 6, '.gif': 7, '.xsl': 9, '.ico': 10, '.svg': 11, '.resx': 12,
};

/** Moves the control's resx files to strings/ and points the compiled manifest at them there. */
function withStringsFolder(files: BuiltFile[]): BuiltFile[] {
  const moved = new Map<string, string>();
  for (const f of files) if (f.path.endsWith('.resx') && !f.path.startsWith('strings/')) moved.set(f.path, `strings/${basename(f.path)}`);
  return files.map((f) => {
    if (moved.has(f.path)) return { path: moved.get(f.path)!, bytes: f.bytes };
    if (f.path !== 'ControlManifest.xml') return f;
    let manifest = Buffer.from(f.bytes).toString('utf8');
    for (const [from, to] of moved) manifest = manifest.replaceAll(`path="${from}"`, `path="${to}"`);
    return { path: f.path, bytes: Buffer.from(manifest, 'utf8') };
  });
}

export function builtComponents(root: string): BuiltComponents {
  const webResourceDir = join(root, 'out', 'webresources');
  const webResources = existsSync(webResourceDir) ? filesUnder(webResourceDir).flatMap((path) => {
    if (WEB_RESOURCE_TYPES[extname(path).toLowerCase()] === undefined) return [];
    return [{ name: `${PUBLISHER.prefix}_/${relative(webResourceDir, path).split(sep).join('/')}`, content: readFileSync(path) }];
  }) : [];

  const controlDir = join(root, 'out', 'controls');
  const manifestPath = join(controlDir, 'ControlManifest.xml');
  const controls: BuiltControl[] = [];
  if (existsSync(manifestPath)) {
    const control = childrenOf(parseOrdered(readFileSync(manifestPath, 'utf8')), 'manifest').find((n) => 'control' in n);
    const { namespace, constructor } = control ? attributesOf(control) : {};
    if (!namespace || !constructor) throw new Error(`${manifestPath}: no <control namespace=… constructor=…>`);
    const files = filesUnder(controlDir).map((path) => ({ path: relative(controlDir, path).split(sep).join('/'), bytes: readFileSync(path) }));
    controls.push({ name: `${PUBLISHER.prefix}_${namespace}.${constructor}`, files: withStringsFolder(files) });
  }
  return { webResources, controls };
}
