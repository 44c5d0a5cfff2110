// Tree bench (issue 2 §8): builds a 100,000-asset tree through the Unicat API, then times the
// subtree delete, undelete and move of a 100,000-asset subtree through the API, each beside the
// same SQL statements run directly on the same database (the floor).
//
// Batch shape: one folder /Big holding 100 folders (assets/create) of 1,000 small files each,
// 100,101 assets in the subtree. The files of the first BENCH_API_FOLDERS folders (default 10,
// i.e. 10,000 files) are uploaded through assets/upload (multipart, 16 requests in flight); on
// this shared 2-core machine the API builds 50-140 assets/s (load-dependent), so the files of the other 90 folders
// are seeded by SQL (tests/helpers/seed.ts, one INSERT per folder, same row shape, no events).
// Set BENCH_API_FOLDERS=100 to build everything through the API.
// Every uploaded file has the same small content, so the blob store keeps one blob.
import pg from 'pg';
import { benchEnv, time, report, printTable } from './lib.ts';
import { UnicatClient } from '../tests/helpers/unicat-client.ts';
import { seedFiles } from '../tests/helpers/seed.ts';
import { TRASH_SQL, RESTORE_SQL } from '../src/core/assets/trash.ts';
import { MOVE_CLASSIFY_SQL, MOVE_SQL } from '../src/core/assets/move.ts';

const FOLDERS = Number(process.env.BENCH_FOLDERS ?? 100);
const FILES = Number(process.env.BENCH_FILES ?? 1000);
const API_FOLDERS = Math.min(FOLDERS, Number(process.env.BENCH_API_FOLDERS ?? 10));
const INFLIGHT = 16;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const env = await benchEnv({ runWorker: false });
try {
  const c = new UnicatClient(env.url, env.project.gid);
  await c.auth(env.user.key);
  const root = (await c.call('assets/get', { pathname: '/' })).result.asset as string;
  const big = (await c.call('assets/create', { parent: root, name: 'Big' })).result.asset as string;
  const dest = (await c.call('assets/create', { parent: root, name: 'Dest' })).result.asset as string;

  console.log(`building ${FOLDERS} folders x ${FILES} files under /Big through the API ...`);
  const built = await time(async () => {
    const folders: string[] = [];
    for (let i = 0; i < FOLDERS; i++) folders.push((await c.call('assets/create', { parent: big, name: `folder-${i}` })).result.asset);
    const jobs: (() => Promise<void>)[] = [];
    for (const f of folders.slice(0, API_FOLDERS)) {
      for (let j = 0; j < FILES; j++) {
        jobs.push(async () => {
          const r = await c.upload({ parent: f }, { name: `file-${j}.jpg`, content: 'tiny jpeg stand-in', type: 'image/jpeg' });
          if (r.status !== 200) throw new Error(`upload failed: ${r.status} ${JSON.stringify(r.body)}`);
        });
      }
    }
    let next = 0;
    await Promise.all(Array.from({ length: INFLIGHT }, async () => {
      while (next < jobs.length) await jobs[next++]();
    }));
  });
  const apiBuilt = API_FOLDERS * FILES + FOLDERS + 1;
  const seeded = await time(async () => {
    const { rows: named } = await env.pool.query(
      `SELECT c.id, c.name FROM assets c JOIN assets b ON b.id = c.parent_id WHERE b.gid = $1`, [big]);
    const idOf = new Map(named.map((r) => [r.name as string, Number(r.id)]));
    for (let i = API_FOLDERS; i < FOLDERS; i++) await seedFiles(env.pool, env.project.id, idOf.get(`folder-${i}`)!, FILES);
  });
  const { rows: [ids] } = await env.pool.query(
    `SELECT (SELECT id FROM assets WHERE gid = $1) AS big, (SELECT id FROM assets WHERE gid = $2) AS dest,
            (SELECT id FROM assets WHERE gid = $3) AS root,
            (SELECT count(*)::int FROM assets a, assets b WHERE b.gid = $1 AND a.path >= b.path AND a.path < left(b.path, -1) || '0') AS n`, [big, dest, root]);
  const n = ids.n as number;
  console.log(`built ${apiBuilt} assets through the API in ${(built.ms / 1000).toFixed(1)} s (${(apiBuilt / (built.ms / 1000)).toFixed(0)} assets/s); ` +
    `seeded ${(FOLDERS - API_FOLDERS) * FILES} files by SQL in ${(seeded.ms / 1000).toFixed(1)} s; ${n} assets in the subtree`);
  await env.pool.query('VACUUM ANALYZE assets');

  /** The floor: the same statements in one transaction on a direct connection (no HTTP, no app). */
  // same session settings as the server's pool (src/db/pool.ts sets jit=off)
  const direct = new pg.Client({ connectionString: (env.pool as any).options.connectionString, options: (env.pool as any).options.options });
  await direct.connect();
  const sql = async (statements: [string, unknown[]][]) => {
    await direct.query('BEGIN');
    await direct.query('SELECT pg_advisory_xact_lock($1, $2::int)', [727_271_002, env.project.id]);
    for (const [s, p] of statements) await direct.query(s, p);
    await direct.query('COMMIT');
  };
  const P = env.project.id;
  const api = async (call: string, body: object) => {
    const r = await c.raw(call, body);
    if (r.status !== 200) throw new Error(`${call}: ${r.status} ${JSON.stringify(r.body)}`);
  };

  const t: Record<string, number[]> = { del: [], delF: [], undel: [], undelF: [], move: [], moveF: [] };
  // Each timed operation starts from the same conditions: the dead row versions of the previous
  // one vacuumed away and dirty pages flushed (neither is timed); in odd rounds the floor goes first.
  const settle = async () => { await env.pool.query('VACUUM assets'); await env.pool.query('VACUUM changes'); await env.pool.query('CHECKPOINT'); };
  const measure = async (key: string, fn: () => Promise<void>) => { await settle(); t[key].push((await time(fn)).ms); };
  for (let round = 0; round < ROUNDS; round++) {
    const pairs: [string, () => Promise<void>][][] = [
      [['del', () => api('assets/delete', { asset: big })], ['undel', () => api('assets/undelete', { asset: big })]],
      [['delF', () => sql([[TRASH_SQL, [P, [ids.big]]]])], ['undelF', () => sql([[RESTORE_SQL, [P, [ids.big]]]])]],
    ];
    for (const [key, fn] of [...pairs[round % 2], ...pairs[(round + 1) % 2]]) await measure(key, fn);
    // move there through the API and back by SQL, or the other way round
    const toDest: [string, () => Promise<void>] = ['move', () => api('assets/move', { asset: big, parent: dest })];
    const back: [string, () => Promise<void>] = ['moveF', () => sql([[MOVE_CLASSIFY_SQL, [P, [ids.big], ids.root]], [MOVE_SQL, [P, [ids.big], ids.root]]])];
    const toDestF: [string, () => Promise<void>] = ['moveF', () => sql([[MOVE_CLASSIFY_SQL, [P, [ids.big], ids.dest]], [MOVE_SQL, [P, [ids.big], ids.dest]]])];
    const backApi: [string, () => Promise<void>] = ['move', () => api('assets/move', { asset: big, parent: root })];
    for (const [key, fn] of (round % 2 === 0 ? [toDest, back] : [toDestF, backApi])) await measure(key, fn);
    console.log(`round ${round + 1}: delete ${t.del[round].toFixed(0)}/${t.delF[round].toFixed(0)} ms, undelete ${t.undel[round].toFixed(0)}/${t.undelF[round].toFixed(0)} ms, move ${t.move[round].toFixed(0)}/${t.moveF[round].toFixed(0)} ms (API/floor)`);
  }
  await direct.end();
  const { rows: [check] } = await env.pool.query(
    `SELECT count(*) FILTER (WHERE deleted_on IS NOT NULL)::int AS deleted, count(*) FILTER (WHERE pathname NOT LIKE '/Big%')::int AS misplaced
     FROM assets a, (SELECT path FROM assets WHERE id = $1) b WHERE a.path >= b.path AND a.path < left(b.path, -1) || '0'`, [ids.big]);
  if (check.deleted !== 0 || check.misplaced !== 0) throw new Error(`unexpected final state ${JSON.stringify(check)}`);

  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  report(`build through the API (${FOLDERS + 1} x assets/create, ${API_FOLDERS * FILES} x assets/upload, ${INFLIGHT} in flight; ${(FOLDERS - API_FOLDERS) * FILES} files seeded by SQL)`, apiBuilt / (built.ms / 1000), undefined, 'assets/s');
  report(`assets/delete of a ${n}-asset subtree (median of ${ROUNDS})`, med(t.del), med(t.delF), 'ms', '<= 1.5x');
  report(`assets/undelete of a ${n}-asset subtree (median of ${ROUNDS})`, med(t.undel), med(t.undelF), 'ms', '<= 1.5x');
  report(`assets/move of a ${n}-asset subtree (median of ${ROUNDS})`, med(t.move), med(t.moveF), 'ms', '<= 1.5x');
  printTable('tree: subtree operations through the Unicat API vs the same SQL run directly');
} finally {
  await env.close();
}
