// Sync catch-up: 1,000,000 project events (written by SQL with emit_changes in batches of 100,000)
// read back through POST /sync/get, page after page, beside the floors:
//   - a raw SELECT of the same rows (one statement, every row to the client);
//   - the same page read run directly on the same database (readFeed: what /sync/get runs, minus HTTP).
// The catch-up client runs in its own process (bench/sync-client.ts: node:http, keeps the renewed JWT),
// so that its receiving and parsing do not run on the server's event loop. Per page size:
//   - received (the server's share, the target's figure): from sending each request to the last byte
//     of its answer, summed over the pages; the client's decoding and JSON.parse of each page, during
//     which the server waits for the next request, are left out (timed apart);
//   - the whole catch-up with the client's decoding and JSON.parse;
//   - as this bench measured before 2026-11-30 (issue 12): the client (fetch + text) in the server's
//     process, minus its JSON.parse only, so that runs can be compared.
// Pages of 10000 are the default page size; pages of 1000 are what a client asking limit: 1000 gets.
// bench/lib's ratio for rates is floor rate / figure rate (how many times slower than the floor):
// the target (issue 12), at least 0.8x the floor's rate for the pages received, is a ratio of at most 1.25.
import { benchEnv, time, report, printTable } from './lib.ts';
import { readFeed } from '../src/core/feed/read.ts';
import { spawnClient, writeEvents } from './sync-fixture.ts';

const TOTAL = Number(process.env.SYNC_EVENTS ?? 1_000_000);
const ROUNDS = Number(process.env.SYNC_ROUNDS ?? 3);

const env = await benchEnv({ runWorker: false });
try {
  const { pool, project, url } = env;
  console.log(`writing ${TOTAL} events ...`);
  const fx = await writeEvents(env, TOTAL);
  console.log(`  written in ${(fx.ms / 1000).toFixed(1)} s`);
  const { first, jwt } = fx;
  const client = spawnClient(env, fx, TOTAL);

  /** The catch-up with the client in this process, as measured before; ms: wall time, parseMs: of which JSON.parse. */
  async function catchUpHere(limit: number): Promise<{ ms: number; parseMs: number }> {
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
      const page = await readFeed(pool, { keyId: fx.keyId, userGid: env.user.gid }, { project: { gid: project.gid, cursor }, limit });
      count += page.events.length;
      cursor = page.cursor!;
      if (!page.more) break;
    }
    if (count !== TOTAL) throw new Error(`paged floor got ${count}`);
  };

  // The machine is shared: each figure and its floors are measured in alternation, ROUNDS times,
  // and the best run of each is kept.
  const rate = (ms: number) => TOTAL / (ms / 1000);
  let raw = Infinity; // the raw SELECT's best run over the whole bench: one floor for both page sizes
  const figures: { limit: number; paged: number; received: number; whole: number; clientCpu: number; here: number }[] = [];
  for (const limit of [10_000, 1000]) {
    await client.catchUp(limit); // warm-up passes (JIT, caches)
    await catchUpHere(limit);
    let paged = Infinity, received = Infinity, whole = Infinity, clientCpu = Infinity, here = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      raw = Math.min(raw, (await time(rawSelect)).ms);
      paged = Math.min(paged, (await time(() => pagedSql(limit))).ms);
      const c = await client.catchUp(limit);
      received = Math.min(received, c.receiveMs);
      whole = Math.min(whole, c.ms);
      clientCpu = Math.min(clientCpu, c.cpuUs / 1000);
      const h = await catchUpHere(limit);
      here = Math.min(here, h.ms - h.parseMs);
    }
    figures.push({ limit, paged, received, whole, clientCpu, here });
  }
  client.close();
  for (const { limit, paged, received, whole, clientCpu, here } of figures) {
    console.log(`\npage size ${limit}${limit === 10_000 ? ' (the default)' : ''} (client CPU per catch-up: ${clientCpu.toFixed(0)} ms):`);
    // the target is the default page (what the vendor's client gets: it sends no limit); pages of
    // 1000 are shown for what a smaller page costs
    report(`sync catch-up, ${TOTAL} events, /sync/get pages of ${limit} received (server's share), vs raw SELECT`, rate(received), rate(raw), 'events/s', limit === 10_000 ? '>= 0.8x floor rate (ratio <= 1.25)' : '', true);
    report(`sync catch-up, ${TOTAL} events, /sync/get pages of ${limit} received, vs same page SQL direct`, rate(received), rate(paged), 'events/s', '', true);
    report(`sync catch-up, ${TOTAL} events, /sync/get pages of ${limit} + client decoding and JSON.parse, vs raw SELECT`, rate(whole), rate(raw), 'events/s', '', true);
    report(`sync catch-up, ${TOTAL} events, /sync/get pages of ${limit}, client (fetch + text) in the server's process, vs raw SELECT`, rate(here), rate(raw), 'events/s', '', true);
  }
  printTable('Sync catch-up (rates: ratio = figure / floor, higher is better)');
} finally {
  await env.close();
}
