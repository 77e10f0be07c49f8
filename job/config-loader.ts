/**
 * Reads and validates config.json; every error names its key path. Relative paths resolve against the config's folder.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { describeConfigIssues, reconcileConfigSchema, type ReconcileConfig } from '../core/config.js';
import { InputError } from './errors.js';
import { isUri } from './sources.js';

export interface LoadedConfig {
  config: ReconcileConfig;
  /** Absolute path of a file named in the config; a storage address (abfss://…) as it is. */
  resolvePath(path: string): string;
}

export function loadConfig(configPath: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch {
    throw new InputError(`config file not found: ${configPath}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new InputError(`${configPath}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = reconcileConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new InputError(`${configPath} is not a valid configuration:\n  ${describeConfigIssues(parsed.error).join('\n  ')}`);
  }
  const folder = dirname(resolve(configPath));
  return { config: parsed.data, resolvePath: (path) => (isAbsolute(path) || isUri(path) ? path : resolve(folder, path)) };
}
