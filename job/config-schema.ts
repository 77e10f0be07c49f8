/** The JSON Schema of config.json, generated from the zod schema so the two never disagree. */
import { z } from 'zod';
import { reconcileConfigSchema } from '../core/config.js';

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(reconcileConfigSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'Inventory Balance reconcile job configuration',
  };
}

export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
