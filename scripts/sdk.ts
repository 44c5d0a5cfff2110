// npm run sdk: regenerates sdk/schema.ts (the SDK's types) from the API document of this build.
import { writeFileSync } from 'node:fs';
import { sdkSchemaText } from '../sdk/generate.ts';

writeFileSync(new URL('../sdk/schema.ts', import.meta.url), await sdkSchemaText());
