// `npm run queries`: writes the rendered SQL of every statement module to src/db/queries/<name>.sql.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATEMENTS } from '../src/core/statements.ts';
import { snapshotOf } from '../src/db/statement.ts';

const dir = 'src/db/queries';
const names = new Set(STATEMENTS.map((s) => `${s.name}.sql`));
for (const f of readdirSync(dir)) if (f.endsWith('.sql') && !names.has(f)) rmSync(join(dir, f));
for (const st of STATEMENTS) writeFileSync(join(dir, `${st.name}.sql`), snapshotOf(st));
console.log(`wrote ${STATEMENTS.length} files to ${dir}`);
