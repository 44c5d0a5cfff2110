// Oracle collections bench: add then remove 10,000 assets in one request (POST and DELETE
// /collections/{id}/files with a 10,000-id idList), each beside its floor (the core's membership
// statement run directly on the same database, same ids, same state), and a one-asset add
// (POST /collections/{id}/files/{fileId}) repeated 1,000 times: p50 and p99 beside the same
// statement's p50 run directly. Targets: 10k add/remove <= 1.3x the floor; one-asset add p50 <= 3 ms.
import http from 'node:http';
import { benchEnv, percentile, printTable, report, time } from './lib.ts';
import { rootOf, seedFiles, seedFolder } from '../tests/helpers/seed.ts';
import { failingOutcomes, membershipSql } from '../src/core/libraries/index.ts';

const N = 10_000;
const ROUNDS = 7;
const SINGLES = 1_000;

const env = await benchEnv({ runWorker: false });
try {
  const { pool, project, user } = env;
  const auth = `Basic ${Buffer.from(`${user.email}:${user.key}`).toString('base64')}`;
  const base = `${env.url}/documents/api/1.1`;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? { authorization: auth } : { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path} -> ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };

  const folder = await seedFolder(pool, project.id, 'bench', (await rootOf(pool, project.id)).id);
  await seedFiles(pool, project.id, folder.id, N + SINGLES);
  const { rows } = await pool.query('SELECT gid::text FROM assets WHERE parent_id = $1 ORDER BY id', [folder.id]);
  const all: string[] = rows.map((r) => r.gid);
  const bulk = all.slice(0, N);
  const singles = all.slice(N);
  const idList = bulk.join(',');
  await pool.query('ANALYZE');

  const coll = (await api('POST', '/collections', { name: 'bench' })).id;
  const floorColl = (await api('POST', '/collections', { name: 'bench-floor' })).id;
  const strict = failingOutcomes('strict');
  // the core's statement with its parameters ($1 library gid ... $7 the caller may write)
  const direct = (op: 'add' | 'remove', ids: string[]) =>
    pool.query(membershipSql(op), [floorColl, ids, project.id, user.id, strict, false, true]);
  const floor = (op: 'add' | 'remove') => direct(op, bulk);

  // warm up both paths once
  await api('POST', `/collections/${coll}/files`, { idList });
  await api('DELETE', `/collections/${coll}/files`, { idList });
  await floor('add'); await floor('remove');

  const addMs: number[] = []; const removeMs: number[] = []; const floorAdd: number[] = []; const floorRemove: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const a = await time(() => api('POST', `/collections/${coll}/files`, { idList }));
    if (a.value.errorCode !== '0') throw new Error('add failed');
    addMs.push(a.ms);
    const fa = await time(() => floor('add'));
    if (fa.value.rowCount !== N) throw new Error('floor add returned the wrong row count');
    floorAdd.push(fa.ms);
    const d = await time(() => api('DELETE', `/collections/${coll}/files`, { idList }));
    removeMs.push(d.ms);
    const fd = await time(() => floor('remove'));
    floorRemove.push(fd.ms);
  }
  const { rows: check } = await pool.query('SELECT count(*)::int AS n FROM library_assets la JOIN libraries l ON l.id = la.library_id WHERE l.gid = $1', [coll]);
  if (check[0].n !== 0) throw new Error('the collection should be empty after the removes');

  console.log(`10k add/remove: median of ${ROUNDS} rounds, each request through HTTP (Basic auth, JSON in and out, strict policy)`);
  report('Oracle add 10,000 assets (1 request)', percentile(addMs, 50), percentile(floorAdd, 50), 'ms', '<= 1.3x');
  report('Oracle remove 10,000 assets (1 request)', percentile(removeMs, 50), percentile(floorRemove, 50), 'ms', '<= 1.3x');

  // one-asset adds: distinct assets, sequential requests on one keep-alive connection (a plain
  // node:http client: fetch() alone costs ~0.4 ms per request on the client side), each followed
  // by the same one-id statement run directly (interleaved, so load swings hit both)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(env.url);
  const post = (path: string) => new Promise<void>((resolve, reject) => {
    const r = http.request({ host: u.hostname, port: u.port, path: `/documents/api/1.1${path}`, method: 'POST', agent, headers: { authorization: auth } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`POST ${path} -> ${res.statusCode} ${text}`))));
    });
    r.on('error', reject);
    r.end();
  });
  const single: number[] = [];
  const floorSingle: number[] = [];
  for (const id of singles) {
    const t = await time(() => post(`/collections/${coll}/files/${id}`));
    single.push(t.ms);
    const fl = await time(() => direct('add', [id]));
    floorSingle.push(fl.ms);
  }
  report('Oracle one-asset add p50 (x1,000)', percentile(single, 50), percentile(floorSingle, 50), 'ms', '<= 3 ms');
  report('Oracle one-asset add p99 (x1,000)', percentile(single, 99), percentile(floorSingle, 99), 'ms');
  // for scale: what one committed write costs on this database (WAL flush), and one round trip
  const commit: number[] = []; const trip: number[] = [];
  for (let i = 0; i < 200; i++) {
    commit.push((await time(() => pool.query('UPDATE project_cursors SET cursor = cursor WHERE project_id = $1', [project.id]))).ms);
    trip.push((await time(() => pool.query('SELECT 1'))).ms);
  }
  report('context: one committed one-row write p50', percentile(commit, 50), undefined, 'ms');
  report('context: one SELECT 1 round trip p50', percentile(trip, 50), undefined, 'ms');
  agent.destroy();
  printTable('libraries-oracle');
} finally {
  await env.close();
}
