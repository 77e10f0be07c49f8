/**
 * The sandbox's settings file (sandbox/settings.json): environment variable values it writes on start, the way an
 * admin sets them after importing the solution. Names must be the solution's; values are text as Dataverse stores them.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ENVIRONMENT_VARIABLES } from '../core/dataverse/environment.js';

const names = Object.values(ENVIRONMENT_VARIABLES).map((v) => v.schemaName) as [string, ...string[]];

export const sandboxSettingsSchema = z.strictObject({
  $comment: z.string().optional(),
  environmentVariables: z.partialRecord(z.enum(names), z.string()).default({}),
});
export type SandboxSettings = z.infer<typeof sandboxSettingsSchema>;

export function loadSandboxSettings(path: string): SandboxSettings {
  const parsed = sandboxSettingsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
