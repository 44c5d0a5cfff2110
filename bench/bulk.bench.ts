// Bulk delete as a job (issue 4 §6): a folder with BULK_N (default 1,000,000) file children,
// assets/bulk/delete of [{children: folder}] through the API, processed by the in-process worker.
// Figures: the job's throughput (assets/s, from the call to status done) beside ONE SQL UPDATE of
// the same rows (the floor), and the p99 of concurrent assets/get calls while the job runs.
// The job does more than the floor: it materialises the selection (1 INSERT ... SELECT sorted in
// tree order), and per batch checks its lease, deletes its job_items, classifies the roots, writes
// one DELETE change event per asset plus the parent's UPDATE event, records the batch and updates
// the job's info; so a second floor, "UPDATE + 1 event per row" in one statement, is printed too.
import pg from 'pg';
import { benchEnv, time, report, printTable, percentile } from './lib.ts';
import { seedFolder, seedFiles } from '../tests/helpers/seed.ts';
import { UnicatClient } from '../tests/helpers/unicat-client.ts';

const N = Number(process.env.BULK_N ?? 1_000_000);
// concurrent assets/get loops while the job runs (BULK_READERS=0: the job's throughput alone)
const READERS = Number(process.env.BULK_READERS ?? 2);

async function main() {
  const env = await benchEnv({ runWorker: true });
  const { pool } = env;
  try {
    console.log(`seeding ${N} files in one folder ...`);
    const folder = await seedFolder(pool, env.project.id, 'big');
    const other = await seedFolder(pool, env.project.id, 'other');
    const { ms: seedMs } = await time(async () => {
      for (let done = 0; done < N; done += 250_000) {
        await seedFiles(pool, env.project.id, folder.id, Math.min(250_000, N - done), `f${done}-`);
      }
      await seedFiles(pool, env.project.id, other.id, 1000);
    });
    await pool.query('VACUUM ANALYZE assets');
    console.log(`seeded in ${(seedMs / 1000).toFixed(1)} s`);

    // floor 1: one UPDATE of the same rows (best of two runs, each on fresh live rows)
    let floorMs = Infinity;
    for (let run = 0; run < 2; run++) {
      const floor = await time(() => pool.query(
        'UPDATE assets SET deleted_on = now(), deleted_root = id WHERE parent_id = $1 AND deleted_on IS NULL', [folder.id]));
      floorMs = Math.min(floorMs, floor.ms);
      await pool.query('UPDATE assets SET deleted_on = NULL, deleted_root = NULL WHERE parent_id = $1', [folder.id]);
      await pool.query('VACUUM ANALYZE assets');
    }
    const floorRate = N / (floorMs / 1000);
    // floor 2: the same UPDATE writing one change event per row, in one statement
    const floor2 = await time(() => pool.query(
      `WITH u AS (UPDATE assets SET deleted_on = now(), deleted_root = id WHERE parent_id = $1 AND deleted_on IS NULL RETURNING gid)
       SELECT emit_changes($2, 'DELETE', 'assets', (SELECT array_agg(gid::text) FROM u))`, [folder.id, env.project.id]));
    const floor2Rate = N / (floor2.ms / 1000);
    await pool.query('UPDATE assets SET deleted_on = NULL, deleted_root = NULL WHERE parent_id = $1', [folder.id]);
    await pool.query('DELETE FROM changes WHERE project_id = $1', [env.project.id]);
    await pool.query('VACUUM ANALYZE assets');
    await pool.query('VACUUM ANALYZE changes');

    const client = new UnicatClient(env.url, env.project.gid);
    await client.auth(env.user.key);
    const readGids = (await pool.query('SELECT gid::text FROM assets WHERE parent_id = $1', [other.id])).rows.map((r) => r.gid);

    // assets/get latency with no job running (reference)
    const idle: number[] = [];
    for (let i = 0; i < 300; i++) {
      const { ms } = await time(() => client.call('assets/get', { asset: readGids[i % readGids.length] }));
      idle.push(ms);
    }

    const t0 = process.hrtime.bigint();
    const { result } = await client.call('assets/bulk/delete', { selection: [{ children: folder.gid }] });
    const token = result['job.token'];
    let running = true;
    const lat: number[] = [];
    const readers = Array.from({ length: READERS }, async (_, r) => {
      let i = r * 7;
      while (running) {
        const { ms } = await time(() => client.call('assets/get', { asset: readGids[i++ % readGids.length] }));
        lat.push(ms);
      }
    });
    const watch = new pg.Client({ connectionString: (pool as any).options.connectionString });
    await watch.connect();
    let last: any;
    let materialisedAt = 0;
    for (;;) {
      last = (await watch.query('SELECT status, info, materialized FROM jobs WHERE token = $1', [token])).rows[0];
      if (!materialisedAt && last.materialized) materialisedAt = Number(process.hrtime.bigint() - t0) / 1e6;
      if (last.status === 'done' || last.status === 'rejected') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const jobMs = Number(process.hrtime.bigint() - t0) / 1e6;
    running = false;
    await Promise.all(readers);
    await watch.end();
    if (last.status !== 'done' || last.info.done !== N) throw new Error(`job ended ${JSON.stringify(last)}`);
    const { rows: [b] } = await pool.query(
      'SELECT count(*)::int AS n, max(extract(epoch FROM committed_on - started_on))::float8 AS longest FROM job_batches');
    const { rows: [ev] } = await pool.query(`SELECT count(*)::int AS n FROM cc_changes WHERE data_type = 'jobs' AND data_key = $1`, [token]);

    console.log(`\njob: ${N} assets in ${(jobMs / 1000).toFixed(1)} s (selection materialised after ${(materialisedAt / 1000).toFixed(1)} s); ` +
      `${b.n} batches, longest ${(b.longest * 1000).toFixed(0)} ms; ${ev.n} jobs events; ${lat.length} assets/get calls during the job`);
    report(`bulk delete job, ${N} assets, ${READERS} concurrent assets/get loops (assets/s)`, N / (jobMs / 1000), floorRate, 'assets/s', '>= 0.7x floor rate (ratio <= 1.43)', true);
    report('  same job vs UPDATE + 1 event per row (assets/s)', N / (jobMs / 1000), floor2Rate, 'assets/s', '', true);
    if (READERS > 0) {
      report('assets/get p99 during the job', percentile(lat, 99), percentile(idle, 99), 'ms', '<= 20 ms');
      report('assets/get p50 during the job', percentile(lat, 50), percentile(idle, 50), 'ms');
    }
    printTable(`bulk jobs (${N} assets; floor of the latency rows = the same call with no job running)`);
  } finally {
    await env.close();
  }
}

await main();
