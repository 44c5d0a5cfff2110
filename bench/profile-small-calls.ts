// Profiles the server under the small-call load (not a bench: `node bin/run-ts.js bench/profile-small-calls.ts [seconds]`).
// Runs the same load as bench/small-calls.bench.ts (bench/load.ts in its own process) against assets/get and the
// hello-world, records this process's CPU time per answered request for each (a figure that a loaded machine
// disturbs much less than req/s), and writes a CPU profile of the assets/get load to PROFILE_OUT
// (default .bench-data/small-calls.cpuprofile) with its self-time shares by function and by package.
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { benchEnv } from './lib.ts';
import { load as runLoad, smallCallsTargets, type Load } from './small-calls-fixture.ts';
import { shares, type Node } from './profile-shares.ts';

const SECONDS = Number(process.argv[2] ?? 5);
const CONNS = Number(process.env.SMALL_CONNS ?? 16);
const OUT = process.env.PROFILE_OUT ?? '.bench-data/small-calls.cpuprofile';

const load = (url: string, method: string, headers: Record<string, string>, body: string): Promise<Load> => runLoad(url, method, headers, body, CONNS, SECONDS);
/** CPU time (us) of this database's PostgreSQL backends so far, from /proc (clock ticks of 10 ms). */
async function pgCpu(pool: { query: (q: string) => Promise<{ rows: { pid: number }[] }> }): Promise<Map<number, number>> {
  const { rows } = await pool.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  const m = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      m.set(pid, (Number(f[11]) + Number(f[12])) * 10_000);
    } catch { /* gone */ }
  }
  return m;
}
const db = { pool: undefined as unknown as Parameters<typeof pgCpu>[0] };
async function measured(f: () => Promise<Load>) {
  const p0 = await pgCpu(db.pool);
  const c0 = process.cpuUsage();
  const r = await f();
  const c = process.cpuUsage(c0);
  const p1 = await pgCpu(db.pool);
  let pg = 0;
  for (const [pid, t] of p1) pg += t - (p0.get(pid) ?? 0);
  return { ...r, clientUs: r.cpuUs, cpuUs: (c.user + c.system) / r.n, pgUs: pg / r.n, sysShare: c.system / (c.user + c.system) };
}

const env = await benchEnv({ runWorker: false });
db.pool = env.pool as unknown as typeof db.pool;
const t = await smallCallsTargets(env);
try {
  const { helloUrl, getUrl, getHeaders, getBody } = t;
  await load(helloUrl, 'GET', {}, '');
  await load(getUrl, 'POST', getHeaders, getBody);
  const h = await measured(() => load(helloUrl, 'GET', {}, ''));
  const g = await measured(() => load(getUrl, 'POST', getHeaders, getBody));
  const line = (name: string, x: typeof h) => console.log(`${name}: ${x.rps.toFixed(0)} req/s; CPU per request: server ${x.cpuUs.toFixed(0)} us (${(100 * x.sysShare).toFixed(0)}% system), PostgreSQL ${x.pgUs.toFixed(0)} us, load client ${x.clientUs.toFixed(0)} us`);
  line('hello-world', h);
  line('assets/get ', g);
  const total = (x: typeof h) => x.cpuUs + x.pgUs + x.clientUs;
  console.log(`ratios to the hello-world: req/s ${(g.rps / h.rps).toFixed(3)}x; server CPU/request ${(h.cpuUs / g.cpuUs).toFixed(3)}x; ` +
    `all CPU/request (server + PostgreSQL + client: the req/s two free cores would allow) ${(total(h) / total(g)).toFixed(3)}x`);
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.setSamplingInterval', { interval: 200 });
  await s.post('Profiler.start');
  const p = await load(getUrl, 'POST', getHeaders, getBody);
  const { profile } = await s.post('Profiler.stop');
  s.disconnect();
  writeFileSync(OUT, JSON.stringify(profile));
  console.log(`profiled assets/get: ${p.rps.toFixed(0)} req/s; profile in ${OUT}`);
  shares(profile as unknown as { nodes: Node[]; samples: number[] });
} finally {
  await t.close();
  await env.close();
}
