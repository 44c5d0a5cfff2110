// The committed SQL of every statement module (src/db/queries/*.sql) matches what the code renders
// today: a change to a statement shows up as a diff of its .sql file. `npm run queries` rewrites
// them. Each rendered sample is also prepared by PostgreSQL (EXPLAIN), so the files hold SQL that runs.
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATEMENTS } from '../../src/core/statements.ts';
import { snapshotOf } from '../../src/db/statement.ts';
import { openCoreDb, type CoreDb } from '../helpers/server.ts';

const dir = 'src/db/queries';
let t: CoreDb;
beforeAll(async () => { t = await openCoreDb(); });
afterAll(() => t?.close());

describe('statements as reviewed artifacts', () => {
  it('every statement has a committed .sql file, and nothing else is there', () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()).toEqual(STATEMENTS.map((s) => `${s.name}.sql`).sort());
  });

  for (const st of STATEMENTS) {
    it(`${st.name}.sql matches the code (run \`npm run queries\` after changing the statement)`, () => {
      expect(readFileSync(`${dir}/${st.name}.sql`, 'utf8')).toBe(snapshotOf(st));
    });
    it(`${st.name}: each sample is valid SQL for PostgreSQL`, async () => {
      for (const s of st.samples) {
        const { text, values } = st.render(s.params);
        await t.db.query(`EXPLAIN ${text}`, values);
      }
    });
  }
});
