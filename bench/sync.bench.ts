// Sync catch-up: 1,000,000 project events (written by SQL with emit_changes in batches of 100,000)
// read back through POST /sync/get, page after page, beside the floors:
//   - a raw SELECT of the same rows (one statement, every row to the client);
//   - the same page read run directly on the same database (readFeed: what /sync/get runs, minus HTTP).
// Pages of 10000 are the default page size; pages of 1000 are what a client asking limit: 1000 gets.
// bench/lib's ratio for rates is floor rate / figure rate (how many times slower than the floor):
// the target, at least 0.5x the floor's rate, is a ratio of at most 2.
import { benchEnv, time, report, printTable } from './lib.ts';
import { readFeed } from '../src/core/feed/read.ts';

const TOTAL = Number(process.env.SYNC_EVENTS ?? 1_000_000);
const BATCH = 100_000;
const ROUNDS = Number(process.env.SYNC_ROUNDS ?? 3);

const env = await benchEnv({ runWorker: false });
try {
  const { pool, project, url } = env;
  console.log(`writing ${TOTAL} events ...`);
  const w = await time(async () => {
    for (let done = 0; done < TOTAL; done += BATCH) {
      const n = Math.min(BATCH, TOTAL - done);
      await pool.query(
        `SELECT emit_changes($1, 'UPDATE', 'assets', ARRAY(SELECT gen_random_uuid()::text FROM generate_series(1, $2::int)))`, [project.id, n]);
    }
  });
  console.log(`  written in ${(w.ms / 1000).toFixed(1)} s`);
  await pool.query('VACUUM ANALYZE changes');
  const { rows: [start] } = await pool.query('SELECT cursor FROM project_cursors WHERE project_id = $1', [project.id]);
  const first = start.cursor - TOTAL; // the cursor before our events

  const auth = await fetch(`${url}/api/p/${project.gid}/auth`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: env.user.key }),
  });
  const jwt = auth.headers.get('authorization')!;
  const { rows: [key] } = await pool.query('SELECT id FROM api_keys WHERE user_id = $1', [env.user.id]);

  async function catchUp(limit: number): Promise<number> {
    let cursor = first;
    let count = 0;
    for (;;) {
      const res = await fetch(`${url}/sync/get`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
        body: JSON.stringify({ project: project.gid, cursor, limit }),
      });
      const body = await res.json() as { success: boolean; result: { sync: unknown[]; next: { cursor: number }; warning?: string } };
      if (!body.success) throw new Error(JSON.stringify(body));
      count += body.result.sync.length;
      cursor = body.result.next.cursor;
      if (!body.result.warning) break;
    }
    if (count !== TOTAL) throw new Error(`caught up ${count} events, expected ${TOTAL}`);
    return count;
  }

  // floor 1: one raw SELECT of the same rows, decoded by the same driver
  const rawSelect = async () => {
    const { rows } = await pool.query(
      'SELECT cursor, action, data_type, data_key, data FROM changes WHERE project_id = $1 AND cursor > $2 ORDER BY cursor', [project.id, first]);
    if (rows.length !== TOTAL) throw new Error(`raw select got ${rows.length}`);
  };
  // floor 2: the page read of /sync/get (its statement and the events' JSON), run directly, page after page
  const pagedSql = async (limit: number) => {
    let cursor = first;
    let count = 0;
    for (;;) {
      const page = await readFeed(pool, { keyId: key.id, userGid: env.user.gid }, { project: { gid: project.gid, cursor }, limit });
      JSON.parse(`[${page.json}]`); // what the client does with the page
      count += page.count;
      cursor = page.cursor!;
      if (!page.more) break;
    }
    if (count !== TOTAL) throw new Error(`paged floor got ${count}`);
  };

  // The machine is shared: each figure and its floors are measured in alternation, ROUNDS times,
  // and the best run of each is kept.
  const rate = (ms: number) => TOTAL / (ms / 1000);
  let raw = Infinity; // the raw SELECT's best run over the whole bench: one floor for both page sizes
  const figures: { limit: number; paged: number; api: number }[] = [];
  for (const limit of [10_000, 1000]) {
    await catchUp(limit); // warm-up pass (JIT, caches)
    let paged = Infinity, api = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      raw = Math.min(raw, (await time(rawSelect)).ms);
      paged = Math.min(paged, (await time(() => pagedSql(limit))).ms);
      api = Math.min(api, (await time(() => catchUp(limit))).ms);
    }
    figures.push({ limit, paged, api });
  }
  for (const { limit, paged, api } of figures) {
    console.log(`\npage size ${limit}${limit === 10_000 ? ' (the default)' : ''}:`);
    report(`sync catch-up, ${TOTAL} events, /sync/get pages of ${limit}, vs raw SELECT`, rate(api), rate(raw), 'events/s', '<= 2x (rate >= 0.5x floor)', true);
    report(`sync catch-up, ${TOTAL} events, /sync/get pages of ${limit}, vs same page SQL direct`, rate(api), rate(paged), 'events/s', '', true);
  }
  printTable('Sync catch-up (rates: ratio = figure / floor, higher is better)');
} finally {
  await env.close();
}
