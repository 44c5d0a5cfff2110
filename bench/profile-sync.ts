// Profiles the server during a sync catch-up (not a bench: `node bin/run-ts.js bench/profile-sync.ts`).
// SYNC_EVENTS events (default 200,000) are written as bench/sync.bench.ts does; the catch-up client
// (bench/sync-client.ts) runs in its own process. Prints the CPU time per catch-up of this process
// (the server), of the PostgreSQL backends and of the client, the pieces of one page timed in this
// process, and writes a CPU profile of the server during one catch-up to PROFILE_OUT
// (default .bench-data/sync.cpuprofile) with its self-time shares by function and by package.
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { benchEnv, time } from './lib.ts';
import { readFeed } from '../src/core/feed/read.ts';
import { spawnClient, writeEvents } from './sync-fixture.ts';
import { shares, type Node } from './profile-shares.ts';

const TOTAL = Number(process.env.SYNC_EVENTS ?? 200_000);
const LIMIT = Number(process.env.SYNC_LIMIT ?? 10_000);
const OUT = process.env.PROFILE_OUT ?? '.bench-data/sync.cpuprofile';

async function pgCpu(pool: { query: (q: string) => Promise<{ rows: { pid: number }[] }> }): Promise<number> {
  const { rows } = await pool.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  let us = 0;
  for (const { pid } of rows) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      us += (Number(f[11]) + Number(f[12])) * 10_000;
    } catch { /* gone */ }
  }
  return us;
}

const env = await benchEnv({ runWorker: false });
try {
  const { pool, project } = env;
  const fx = await writeEvents(env, TOTAL);
  const { first } = fx;
  const client = spawnClient(env, fx, TOTAL);
  const catchUp = (limit: number) => client.catchUp(limit);

  const measured = async <T>(f: () => Promise<T>) => {
    const p0 = await pgCpu(pool), c0 = process.cpuUsage();
    const r = await time(f);
    const c = process.cpuUsage(c0), p1 = await pgCpu(pool);
    return { ...r, serverMs: (c.user + c.system) / 1000, sysMs: c.system / 1000, pgMs: (p1 - p0) / 1000 };
  };
  await catchUp(LIMIT);
  for (let i = 0; i < 2; i++) {
    const h = await measured(() => catchUp(LIMIT));
    console.log(`HTTP catch-up (pages of ${LIMIT}): ${h.ms.toFixed(0)} ms wall, received ${h.value.receiveMs.toFixed(0)} ms: ${(TOTAL / h.value.receiveMs * 1000).toFixed(0)} events/s; CPU: server ${h.serverMs.toFixed(0)} ms (system ${h.sysMs.toFixed(0)}), PostgreSQL ${h.pgMs.toFixed(0)} ms, client ${(h.value.cpuUs / 1000).toFixed(0)} ms (decode + JSON.parse ${h.value.parseMs.toFixed(0)} ms), ${(h.value.bytes / 1e6).toFixed(1)} MB`);
    const d = await measured(async () => {
      let cursor = first;
      for (;;) {
        const page = await readFeed(pool, { keyId: fx.keyId, userGid: env.user.gid }, { project: { gid: project.gid, cursor }, limit: LIMIT });
        cursor = page.cursor!;
        if (!page.more) break;
      }
    });
    console.log(`readFeed direct:              ${d.ms.toFixed(0)} ms wall, ${(TOTAL / d.ms * 1000).toFixed(0)} events/s; CPU: node ${d.serverMs.toFixed(0)} ms, PostgreSQL ${d.pgMs.toFixed(0)} ms`);
  }
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.setSamplingInterval', { interval: 200 });
  await s.post('Profiler.start');
  const p = await catchUp(LIMIT);
  const { profile } = await s.post('Profiler.stop');
  s.disconnect();
  writeFileSync(OUT, JSON.stringify(profile));
  console.log(`profiled catch-up: ${p.ms.toFixed(0)} ms; profile in ${OUT}`);
  shares(profile as unknown as { nodes: Node[]; samples: number[] });
  client.close();
} finally {
  await env.close();
}
