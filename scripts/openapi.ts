// Writes the API document (docs/api.md) without starting a server: the app is built (no database
// connection is made: nothing queries it) and asked for its document. Usage:
//   node bin/run-ts.js scripts/openapi.ts [out.json]   (default: stdout)
import { writeFileSync } from 'node:fs';
import { apiDocument } from '../src/http/openapi-document.ts';

const text = `${JSON.stringify(await apiDocument(), null, 2)}\n`;
const out = process.argv[2];
if (out) writeFileSync(out, text);
else process.stdout.write(text);
