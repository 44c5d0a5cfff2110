// Libraries through Uplynk v4: add then remove 10,000 assets in one request, and a one-asset add
// repeated 1,000 times. Each figure beside its floor: the same membership statement
// (membershipSql, incl. its feed triggers) run directly on the same database.
// Targets: 10k add/remove <= 1.3x the floor; one-asset add p50 <= 3 ms on loopback.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { deflateSync } from 'node:zlib';
import { benchEnv, time, report, printTable, percentile } from './lib.ts';
import { seedFolder, seedFiles } from '../tests/helpers/seed.ts';
import { membershipSql, failingOutcomes, POLICY_IDEMPOTENT } from '../src/core/libraries/index.ts';

const N = 10_000;
const ROUNDS = 5;
const SINGLES = 1000;

const env = await benchEnv({ runWorker: false });
try {
  const { pool, url, user, project } = env;
  const sign = () => {
    const msg = deflateSync(Buffer.from(JSON.stringify({ _owner: user.gid, _timestamp: Math.floor(Date.now() / 1000) })), { level: 9 }).toString('base64');
    return `msg=${encodeURIComponent(msg)}&sig=${createHmac('sha256', user.key).update(msg).digest('hex')}`;
  };
  async function call(method: string, path: string, body?: unknown, query = ''): Promise<any> {
    const res = await fetch(`${url}/api/v4${path}?${sign()}${query}`, {
      method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const j = await res.json();
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(j)}`);
    return j;
  }

  const folder = await seedFolder(pool, project.id, 'bench');
  await seedFiles(pool, project.id, folder.id, N + SINGLES);
  const gids: string[] = (await pool.query('SELECT gid::text FROM assets WHERE parent_id = $1 ORDER BY id', [folder.id])).rows.map((r) => r.gid);
  const big = gids.slice(0, N);
  const singles = gids.slice(N);
  await pool.query('ANALYZE');

  const lib = await call('POST', '/libraries', { desc: 'Bench library' });
  const failing = failingOutcomes(POLICY_IDEMPOTENT);
  const direct = (op: 'add' | 'remove', ids: string[]) =>
    pool.query(membershipSql(op), [lib.id, ids, project.id, user.id, failing, false, true]);

  // warm up both paths
  await call('PATCH', `/libraries/${lib.id}/assets`, { asset_ids: big.slice(0, 500) });
  await call('DELETE', `/libraries/${lib.id}/assets`, undefined, `&ids=${big.slice(0, 500).join(',')}`);
  await direct('add', big.slice(0, 500));
  await direct('remove', big.slice(0, 500));

  const addMs: number[] = [];
  const removeMs: number[] = [];
  const addFloor: number[] = [];
  const removeFloor: number[] = [];
  const hexIds = big.map((g) => g.replace(/-/g, '')).join(',');
  for (let r = 0; r < ROUNDS; r++) {
    const a = await time(() => call('PATCH', `/libraries/${lib.id}/assets`, { asset_ids: big }));
    if (a.value.added !== N) throw new Error(`added ${a.value.added}`);
    addMs.push(a.ms);
    const d = await time(() => call('DELETE', `/libraries/${lib.id}/assets`, undefined, `&ids=${hexIds}`));
    if (d.value.removed !== N) throw new Error(`removed ${d.value.removed}`);
    removeMs.push(d.ms);
    const fa = await time(() => direct('add', big));
    addFloor.push(fa.ms);
    const fd = await time(() => direct('remove', big));
    removeFloor.push(fd.ms);
  }
  const med = (xs: number[]) => percentile(xs, 50);
  console.log(`10k rounds (ms): add ${addMs.map((x) => x.toFixed(0)).join(' ')} | floor ${addFloor.map((x) => x.toFixed(0)).join(' ')}; ` +
    `remove ${removeMs.map((x) => x.toFixed(0)).join(' ')} | floor ${removeFloor.map((x) => x.toFixed(0)).join(' ')}`);
  report('Uplynk add 10,000 assets, one PATCH (median of 5)', med(addMs), med(addFloor), 'ms', '<= 1.3x');
  report('Uplynk remove 10,000 assets, one DELETE ?ids= (median of 5)', med(removeMs), med(removeFloor), 'ms', '<= 1.3x');

  // the same after ANALYZE of the emptied library_assets (as autovacuum does after a mass removal:
  // PostgreSQL then estimates one row whatever the table holds; issue 12, docs/perf-plans.md)
  const trapAdd: number[] = [];
  const trapRemove: number[] = [];
  const trapAddFloor: number[] = [];
  const trapRemoveFloor: number[] = [];
  for (let r = 0; r < 3; r++) {
    await pool.query('ANALYZE library_assets');
    const a = await time(() => call('PATCH', `/libraries/${lib.id}/assets`, { asset_ids: big }));
    if (a.value.added !== N) throw new Error(`added ${a.value.added}`);
    trapAdd.push(a.ms);
    const d = await time(() => call('DELETE', `/libraries/${lib.id}/assets`, undefined, `&ids=${hexIds}`));
    if (d.value.removed !== N) throw new Error(`removed ${d.value.removed}`);
    trapRemove.push(d.ms);
    await pool.query('ANALYZE library_assets');
    trapAddFloor.push((await time(() => direct('add', big))).ms);
    trapRemoveFloor.push((await time(() => direct('remove', big))).ms);
  }
  report('Uplynk add 10,000 after ANALYZE of the emptied table (median of 3)', med(trapAdd), med(trapAddFloor), 'ms', '<= 1.3x');
  report('Uplynk remove 10,000 after ANALYZE of the emptied table (median of 3)', med(trapRemove), med(trapRemoveFloor), 'ms', '<= 1.3x');

  // one-asset adds, 1,000 times (distinct assets): sequential requests on one keep-alive
  // connection with a plain node:http client (fetch() alone costs ~0.4 ms per request on the
  // client side) and the signature computed before the clock starts (it is the client's work);
  // each followed by the same one-id statement run directly (interleaved, so load swings hit both).
  await direct('remove', singles);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(url);
  const patchOne = (query: string, body: string) => new Promise<void>((resolve, reject) => {
    const r = http.request({ host: u.hostname, port: u.port, path: `/api/v4/libraries/${lib.id}/assets?${query}`, method: 'PATCH', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PATCH -> ${res.statusCode} ${text}`))));
    });
    r.on('error', reject);
    r.end(body);
  });
  const one: number[] = [];
  const oneFloor: number[] = [];
  for (let i = 0; i < SINGLES; i++) {
    const query = sign();
    const body = JSON.stringify({ asset_id: singles[i] });
    one.push((await time(() => patchOne(query, body))).ms);
    await direct('remove', [singles[i]]);
    oneFloor.push((await time(() => direct('add', [singles[i]]))).ms);
  }
  agent.destroy();
  report('Uplynk one-asset add (PATCH asset_id) p50, 1,000 requests', percentile(one, 50), percentile(oneFloor, 50), 'ms', 'p50 <= 3 ms');
  report('Uplynk one-asset add p99', percentile(one, 99), percentile(oneFloor, 99), 'ms');
  // a read for comparison (no commit): GET /libraries/{id} beside getLibrary's query run directly
  const { actorForKey } = await import('../src/core/keys.ts');
  const { getLibrary } = await import('../src/core/libraries/index.ts');
  const actor = await actorForKey(pool, user.key);
  const reads: number[] = [];
  const readFloor: number[] = [];
  for (let i = 0; i < SINGLES; i++) {
    reads.push((await time(() => call('GET', `/libraries/${lib.id}`))).ms);
    readFloor.push((await time(() => getLibrary(pool, actor, lib.id))).ms);
  }
  report('Uplynk GET /libraries/{id} p50 (read: auth + one query, no commit)', percentile(reads, 50), percentile(readFloor, 50), 'ms');
  printTable('Libraries through Uplynk v4 (floor: the same membership statement run directly)');
} finally {
  await env.close();
}
