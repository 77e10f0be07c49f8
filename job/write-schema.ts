/** `npm run schema` (from the repository root): writes job/config.schema.json for editors. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configJsonSchemaText } from './config-schema.js';

writeFileSync(resolve('job', 'config.schema.json'), configJsonSchemaText());
