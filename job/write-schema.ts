/** `npm run schema`: writes job/config.schema.json for editors. */
import { writeFileSync } from 'node:fs';
import { configJsonSchemaText } from './config-schema.js';

writeFileSync(new URL('../../job/config.schema.json', import.meta.url), configJsonSchemaText());
