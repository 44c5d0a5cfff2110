// Large selections over 1,000,000 assets: a selection of 100,000 entries parsed, then resolved and
// checked in one statement the way assets/bulk/get's first page does (countSelection: the totals
// and the first invalid {children} entry), beside a floor: the plainest SQL that finds the same
// rows (`gid = ANY(...)`, a join on the parents), run directly, which checks nothing.
// Seeds one folder with 100,000 subfolders of 9 files each (100,000 + 900,000 assets).
import { benchEnv, time, report, printTable, percentile } from './lib.ts';
import { seedFolder, seedFolders } from '../tests/helpers/seed.ts';
import type { Actor } from '../src/core/keys.ts';
import { parseSelection, countSelectionSql, countResult } from '../src/core/selection/index.ts';
import { readFileSync } from 'node:fs';

const FOLDERS = Number(process.env.BENCH_SELECTION_FOLDERS ?? 100_000);
const FILES = 9;
const RUNS = 5;

const env = await benchEnv({ runWorker: false });
try {
  const pool = env.pool;
  const projectId = env.project.id;
  console.log(`seeding ${FOLDERS} folders x ${FILES} files ...`);
  const top = await seedFolder(pool, projectId, 'top');
  const folders = await seedFolders(pool, projectId, top.id, FOLDERS, 'f-');
  await pool.query(
    `WITH d AS (SELECT nextval('assets_id_seq') AS nid, a.*, g AS i FROM assets a, generate_series(1, $2::int) g WHERE a.parent_id = $1)
     INSERT INTO assets(id, project_id, parent_id, path, depth, name, pathname, is_file, type, mime, size)
     SELECT d.nid, d.project_id, d.id, d.path || d.nid || '/', d.depth + 1, 'x-' || d.i || '.jpg', d.pathname || '/x-' || d.i || '.jpg', true, 'image', 'image/jpeg', 1000
     FROM d`, [top.id, FILES]);
  await pool.query('VACUUM ANALYZE assets');
  const { rows: [{ n }] } = await pool.query('SELECT count(*)::int AS n FROM assets WHERE project_id = $1', [projectId]);
  console.log(`project holds ${n} assets`);
  // each folder with its first file, in one order
  const { rows: pairs } = await pool.query(
    `SELECT f.gid::text AS folder, a.gid::text AS file FROM assets a JOIN assets f ON a.parent_id = f.id
     WHERE f.parent_id = $1 AND a.name = 'x-1.jpg' ORDER BY f.id`, [top.id]);
  const files = pairs.map((r) => r.file as string);
  if (pairs.length !== folders.length) throw new Error('seeding went wrong');
  folders.splice(0, folders.length, ...pairs.map((r) => r.folder as string));
  const actor = { projectId } as Actor;

  // countSelection (src/core/selection/sql.ts) with its statement timed on its own
  const count = async (raw: unknown[]) => {
    const sel = parseSelection(raw);
    const s = countSelectionSql(actor, sel, { trashed: 'exclude' });
    const st = await time(() => pool.query(s.sql, s.params));
    return { n: countResult(sel, st.value.rows[0]).resolved, statementMs: st.ms };
  };
  const cases: [string, unknown[], string, unknown[]][] = [
    [`${files.length} gid entries`, files,
      'SELECT count(*)::int AS n FROM assets WHERE gid = ANY($1::uuid[]) AND project_id = $2', [files, projectId]],
    [`${folders.length} {children} entries`, folders.map((g) => ({ children: g })),
      'SELECT count(*)::int AS n FROM assets f JOIN assets a ON a.parent_id = f.id WHERE f.gid = ANY($1::uuid[]) AND f.project_id = $2 AND a.deleted_on IS NULL', [folders, projectId]],
    [`${folders.length} {children} entries, each with an exclude`, folders.map((g, i) => ({ children: g, exclude: [files[i]] })),
      'SELECT count(*)::int AS n FROM assets f JOIN assets a ON a.parent_id = f.id WHERE f.gid = ANY($1::uuid[]) AND f.project_id = $2 AND a.deleted_on IS NULL AND a.gid <> ALL($3::uuid[])', [folders, projectId, files]],
  ];
  for (const [name, raw, floorSql, floorParams] of cases) {
    const api: number[] = [];
    const stmt: number[] = [];
    const floor: number[] = [];
    let got = -1;
    let want = -2;
    for (let r = 0; r < RUNS; r++) {
      const a = await time(() => count(raw));
      got = a.value.n;
      api.push(a.ms);
      stmt.push(a.value.statementMs);
      const fl = await time(() => pool.query(floorSql, floorParams));
      want = fl.value.rows[0].n;
      floor.push(fl.ms);
    }
    if (got !== want) throw new Error(`${name}: resolved ${got}, the floor counts ${want}`);
    report(`resolve ${name}: the statement (count ${got}) median`, percentile(stmt, 50), percentile(floor, 50), 'ms', '< 1000 ms');
    report(`resolve ${name}: parse + statement (resolve and check) median`, percentile(api, 50), percentile(floor, 50), 'ms', '< 1000 ms');
    console.log(`${name}: load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  }
  printTable(`selections over ${n} assets`);
} finally {
  await env.close();
}
