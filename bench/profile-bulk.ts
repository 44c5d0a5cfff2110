// Profile of one bulk-delete batch (issue 12 §3): the tree-trash statement beside its two floors
// (the bare UPDATE of the same ids, and that UPDATE plus emit_changes), each run on its own slice of
// PROF_BATCH ids (tree order) of a folder of PROF_N files, variants interleaved, committed.
// Prints the wall time and the backend's CPU time (from /proc: far less sensitive to the machine's
// load) of each, and its buffers; first the job's materialise statement of the whole folder (in
// the order `PROF_ORDER`, id or tree), rolled back. `node bin/run-ts.js bench/profile-bulk.ts`
import { benchEnv } from './lib.ts';
import { seedFolder, seedFiles } from '../tests/helpers/seed.ts';
import { readFileSync } from 'node:fs';
import { TRASH_SQL, TRASH_FILES_SQL } from '../src/core/assets/trash.ts';
import { materialiseStatement } from '../src/core/jobs/store.ts';
import { selectionSql } from '../src/core/selection/sql.ts';
import { parseSelection } from '../src/core/selection/parse.ts';
import type { Actor } from '../src/core/keys.ts';

// PROF_BEFORE: a rendered tree-trash.sql of another checkout (e.g. main's), run beside this tree's;
// PROF_MAIN_STORE: another checkout's src/core/jobs/store.ts, its materialise beside this tree's;
// PROF_EXPLAIN=1: the materialise's EXPLAIN ANALYZE too; PROF_IDORDER=1: batches cut in id order
// (the job's order for children of one folder), else tree order
const BEFORE = process.env.PROF_BEFORE
  ? readFileSync(process.env.PROF_BEFORE, 'utf8').split('\n').filter((l) => !/^--/.test(l)).join('\n').replace(/;\s*$/, '')
  : undefined;

const N = Number(process.env.PROF_N ?? 200_000);
const B = Number(process.env.PROF_BATCH ?? 5000);
const ROUNDS = Number(process.env.PROF_ROUNDS ?? 5);

const variants: Record<string, string> = {
  'bare UPDATE': 'UPDATE assets SET deleted_on = now(), deleted_root = id WHERE id = ANY ($2::bigint[]) AND project_id = $1',
  'UPDATE + events': `WITH u AS (UPDATE assets SET deleted_on = now(), deleted_root = id WHERE id = ANY ($2::bigint[]) AND project_id = $1 RETURNING gid)
       SELECT emit_changes($1, 'DELETE', 'assets', (SELECT array_agg(gid::text) FROM u))`,
  ...(BEFORE ? { 'tree-trash (before)': BEFORE } : {}),
  'tree-trash (now)': TRASH_SQL,
  'files-trash': TRASH_FILES_SQL,
};

/** CPU time (ms) of a PostgreSQL backend so far, from /proc (utime + stime, clock ticks of 10 ms). */
function cpuOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(parts[11]) + Number(parts[12])) * 10;
}

function sumBuffers(plan: any): number {
  return (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
}

const env = await benchEnv({ runWorker: false });
const { pool } = env;
try {
  const folder = await seedFolder(pool, env.project.id, 'big');
  for (let done = 0; done < N; done += 250_000) await seedFiles(pool, env.project.id, folder.id, Math.min(250_000, N - done), `f${done}-`);
  await pool.query('VACUUM ANALYZE assets');
  if (process.env.PROF_MATERIALISE !== '0') {
    // the job's materialise statement of {children: folder}, EXPLAIN ANALYZE, rolled back
    const actor = { userId: env.user.id, projectId: env.project.id, role: 'owner' } as Actor;
    const sel = selectionSql(actor, parseSelection([{ children: folder.gid }]), { trashed: 'exclude' }, 3);
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const { rows: [j] } = await c.query(`INSERT INTO jobs(project_id, user_id, kind, params, info) VALUES ($1, $2, 'bulk_delete_assets', '{}', '{}') RETURNING id`, [env.project.id, env.user.id]);
      const { text, values } = materialiseStatement.render({ jobId: j.id, batchSize: B, order: (process.env.PROF_ORDER ?? 'id') as 'id' | 'tree', selection: sel });
      const pid = (await c.query('SELECT pg_backend_pid() AS p')).rows[0].p;
      const before = process.env.PROF_MAIN_STORE
        ? (await import(process.env.PROF_MAIN_STORE)).materialiseStatement.render({ jobId: j.id, batchSize: B, selection: sel }).text as string
        : undefined;
      const runs: [string, string, string][] = [];
      for (let i = 0; i < 3; i++) runs.push(...(before ? [['before', '', before] as [string, string, string]] : []), ['now', '', text]);
      if (process.env.PROF_EXPLAIN) {
        await c.query('SAVEPOINT e');
        const { rows: plan } = await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
        console.log(plan.map((r) => r['QUERY PLAN']).join('\n'));
        await c.query('ROLLBACK TO SAVEPOINT e');
      }
      for (const [label, wm, sql] of runs) {
        await c.query('SAVEPOINT m');
        if (wm) await c.query(`SET LOCAL work_mem = '${wm}'`);
        const cpu0 = cpuOf(pid);
        const t0 = process.hrtime.bigint();
        const { rows } = await c.query(sql, values);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const cpu = cpuOf(pid) - cpu0;
        const { rows: [d] } = await c.query(`SELECT md5(string_agg(first_seq || ':' || last_seq || ':' || asset_ids::text, ',' ORDER BY first_seq)) AS d FROM job_items WHERE job_id = $1`, [j.id]);
        console.log(`materialise ${label}: ${ms.toFixed(0)} ms, backend CPU ${cpu} ms`, rows[0], d.d);
        await c.query('ROLLBACK TO SAVEPOINT m');
        await c.query('RESET work_mem');
      }
      await c.query('ROLLBACK');
    } finally { c.release(); }
  }
  const ids = (await pool.query('SELECT id FROM assets WHERE parent_id = $1 ORDER BY ' + (process.env.PROF_IDORDER ? 'id' : 'path'), [folder.id])).rows.map((r) => Number(r.id));
  const res: Record<string, { ms: number[]; buf: number[]; cpu: number[] }> = {};
  let slice = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, sql] of Object.entries(variants)) {
      const batch = ids.slice(slice * B, (slice + 1) * B);
      slice++;
      if (batch.length < B) throw new Error('PROF_N too small for the rounds');
      const c = await pool.connect();
      try {
        const pid = (await c.query('SELECT pg_backend_pid() AS p')).rows[0].p;
        await c.query('BEGIN');
        const v = res[name] ??= { ms: [], buf: [], cpu: [] };
        if (r === 0) {
          const { rows } = await c.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, [env.project.id, batch]);
          v.buf.push(sumBuffers(rows[0]['QUERY PLAN'][0].Plan));
        } else {
          const cpu0 = cpuOf(pid);
          const t0 = process.hrtime.bigint();
          await c.query(sql, [env.project.id, batch]);
          v.ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
          v.cpu.push(cpuOf(pid) - cpu0);
        }
        await c.query('COMMIT');
      } finally { c.release(); }
    }
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  for (const [name, v] of Object.entries(res)) {
    console.log(`${name.padEnd(20)} wall median ${med(v.ms).toFixed(1)} ms (${v.ms.map((x) => x.toFixed(0)).join(' ')}), backend CPU median ${med(v.cpu)} ms (${v.cpu.join(' ')}), buffers ${v.buf[0]}`);
  }
} finally {
  await env.close();
}
