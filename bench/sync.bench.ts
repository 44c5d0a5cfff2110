// Sync catch-up: 1,000,000 project events (written by SQL with emit_changes in batches of 100,000)
// read back through POST /sync/get, page after page, beside the floors:
//   - a raw SELECT of the same rows (one statement, every row to the client);
//   - the same page read run directly on the same database (readFeed: what /sync/get runs, minus HTTP).
// Two figures per page size: the pages received (the bytes of every answer, read as text: the
// server's share, what the goal is about) and the same with the bench client's own
// JSON.parse of each page (measured apart, so a slow client is not counted against the server).
// Pages of 10000 are the default page size; pages of 1000 are what a client asking limit: 1000 gets.
// bench/lib's ratio for rates is floor rate / figure rate (how many times slower than the floor):
// the target (issue 12), at least 0.8x the floor's rate for the pages received, is a ratio of at most 1.25.
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

  /** The whole catch-up; ms: wall time, parseMs: of which the client's JSON.parse of the pages. */
  async function catchUp(limit: number): Promise<{ ms: number; parseMs: number }> {
    let cursor = first;
    let count = 0;
    let parseNs = 0n;
    const t0 = process.hrtime.bigint();
    for (;;) {
      const res = await fetch(`${url}/sync/get`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
        body: JSON.stringify({ project: project.gid, cursor, limit }),
      });
      const text = await res.text();
      const p0 = process.hrtime.bigint();
      const body = JSON.parse(text) as { success: boolean; result: { sync: unknown[]; next: { cursor: number }; warning?: string } };
      parseNs += process.hrtime.bigint() - p0;
      if (!body.success) throw new Error(JSON.stringify(body));
      count += body.result.sync.length;
      cursor = body.result.next.cursor;
      if (!body.result.warning) break;
    }
    if (count !== TOTAL) throw new Error(`caught up ${count} events, expected ${TOTAL}`);
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, parseMs: Number(parseNs) / 1e6 };
  }

  // floor 1: one raw SELECT of the same rows, decoded by the same driver
  const rawSelect = async () => {
    const { rows } = await pool.query(
      'SELECT cursor, action, data_type, data_key, data FROM changes WHERE project_id = $1 AND cursor > $2 ORDER BY cursor', [project.id, first]);
    if (rows.length !== TOTAL) throw new Error(`raw select got ${rows.length}`);
  };
  // floor 2: the page read of /sync/get (its statement and the events' JSON text), run directly, page after page
  const pagedSql = async (limit: number) => {
    let cursor = first;
    let count = 0;
    for (;;) {
      const page = await readFeed(pool, { keyId: key.id, userGid: env.user.gid }, { project: { gid: project.gid, cursor }, limit });
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
  const figures: { limit: number; paged: number; api: number; received: number }[] = [];
  for (const limit of [10_000, 1000]) {
    await catchUp(limit); // warm-up pass (JIT, caches)
    let paged = Infinity, api = Infinity, received = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      raw = Math.min(raw, (await time(rawSelect)).ms);
      paged = Math.min(paged, (await time(() => pagedSql(limit))).ms);
      const c = await catchUp(limit);
      api = Math.min(api, c.ms);
      received = Math.min(received, c.ms - c.parseMs);
    }
    figures.push({ limit, paged, api, received });
  }
  for (const { limit, paged, api, received } of figures) {
    console.log(`\npage size ${limit}${limit === 10_000 ? ' (the default)' : ''}:`);
    report(`sync catch-up, ${TOTAL} events, /sync/get pages of ${limit} received (server's share), vs raw SELECT`, rate(received), rate(raw), 'events/s', '>= 0.8x floor rate (ratio <= 1.25)', true);
    report(`sync catch-up, ${TOTAL} events, /sync/get pages of ${limit} received + client JSON.parse, vs raw SELECT`, rate(api), rate(raw), 'events/s', '', true);
    report(`sync catch-up, ${TOTAL} events, /sync/get pages of ${limit} received, vs same page SQL direct`, rate(received), rate(paged), 'events/s', '', true);
  }
  printTable('Sync catch-up (rates: ratio = figure / floor, higher is better)');
} finally {
  await env.close();
}
