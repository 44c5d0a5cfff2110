// Where a bulk job's time goes, per statement (issue 12 §3): every query of the process is timed
// (wall, from send to answer) and grouped by its first words; a folder of PROF_N files is deleted
// as a job through the API. `node bin/run-ts.js bench/profile-job.ts`
import pg from 'pg';
import { benchEnv } from './lib.ts';
import { seedFolder, seedFiles } from '../tests/helpers/seed.ts';
import { UnicatClient } from '../tests/helpers/unicat-client.ts';

const N = Number(process.env.PROF_N ?? 200_000);
const stats = new Map<string, { n: number; ms: number }>();
let on = false;
const orig = pg.Client.prototype.query as any;
(pg.Client.prototype as any).query = function (this: unknown, ...args: any[]) {
  const cfg = args[0];
  const text: string = typeof cfg === 'string' ? cfg : cfg?.text ?? cfg?.name ?? '?';
  const key = text.replace(/\s+/g, ' ').trim().slice(0, 70);
  const t0 = process.hrtime.bigint();
  const r = orig.apply(this, args);
  if (on && r && typeof r.then === 'function') {
    r.then(() => {
      const s = stats.get(key) ?? { n: 0, ms: 0 };
      s.n++; s.ms += Number(process.hrtime.bigint() - t0) / 1e6;
      stats.set(key, s);
    }, () => undefined);
  }
  return r;
};

const env = await benchEnv({ runWorker: true });
try {
  const folder = await seedFolder(env.pool, env.project.id, 'big');
  for (let done = 0; done < N; done += 250_000) await seedFiles(env.pool, env.project.id, folder.id, Math.min(250_000, N - done), `f${done}-`);
  await env.pool.query('VACUUM ANALYZE assets');
  await env.pool.query('CHECKPOINT');
  const client = new UnicatClient(env.url, env.project.gid);
  await client.auth(env.user.key);
  on = true;
  const t0 = process.hrtime.bigint();
  const { result } = await client.call('assets/bulk/delete', { selection: [{ children: folder.gid }] });
  const token = result['job.token'];
  for (;;) {
    const { rows: [j] } = await env.pool.query('SELECT status FROM jobs WHERE token = $1', [token]);
    if (j.status === 'done' || j.status === 'rejected') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  on = false;
  const total = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`job of ${N}: ${total.toFixed(0)} ms`);
  for (const [k, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
    console.log(`${s.ms.toFixed(0).padStart(7)} ms ${String(s.n).padStart(5)}x ${(s.ms / s.n).toFixed(2).padStart(7)} ms  ${k}`);
  }
} finally {
  await env.close();
}
