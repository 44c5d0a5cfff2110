// Bulk delete as a job (issue 4 §6): a folder with BULK_N (default 1,000,000) file children,
// assets/bulk/delete of [{children: folder}] through the API, processed by the in-process worker.
// Figures: the job's throughput (assets/s, from the call to status done) beside ONE SQL UPDATE of
// the same rows (the floor), and the p99 of concurrent assets/get calls while the job runs.
// Goals (issue 12 §3): >= 0.6x of the bare UPDATE, >= 0.85x of UPDATE + events, p99 <= 20 ms.
// The job does more than the floor: it materialises the selection (1 INSERT ... SELECT sorted in
// tree order), and per batch checks its lease, deletes its job_items, classifies the roots, writes
// one DELETE change event per asset plus the parent's UPDATE event, records the batch and updates
// the job's info; so a second floor, "UPDATE + 1 event per row" in one statement, is printed too.
import pg from 'pg';
import { benchEnv, time, report, printTable, percentile } from './lib.ts';
import { seedFolder, seedFiles } from '../tests/helpers/seed.ts';
import { UnicatClient } from '../tests/helpers/unicat-client.ts';

const N = Number(process.env.BULK_N ?? 1_000_000);
// concurrent assets/get loops while the job runs (BULK_READERS=0: the job's throughput alone; with
// readers, the job then runs a second time alone unless BULK_ALONE=0, and both are printed)
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
    // every timed part starts after a CHECKPOINT: none of them pays for the WAL of the seeding or
    // of the restore before it (a checkpoint in the middle of a floor halved its rate in one run)
    const checkpoint = () => pool.query('CHECKPOINT');
    for (let run = 0; run < 2; run++) {
      await checkpoint();
      const floor = await time(() => pool.query(
        'UPDATE assets SET deleted_on = now(), deleted_root = id WHERE parent_id = $1 AND deleted_on IS NULL', [folder.id]));
      floorMs = Math.min(floorMs, floor.ms);
      await pool.query('UPDATE assets SET deleted_on = NULL, deleted_root = NULL WHERE parent_id = $1', [folder.id]);
      await pool.query('VACUUM ANALYZE assets');
    }
    const floorRate = N / (floorMs / 1000);
    // floor 2: the same UPDATE writing one change event per row, in one statement
    await checkpoint();
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

    const restore = async () => {
      await pool.query('UPDATE assets SET deleted_on = NULL, deleted_root = NULL WHERE parent_id = $1', [folder.id]);
      await pool.query('DELETE FROM changes WHERE project_id = $1', [env.project.id]);
      await pool.query('VACUUM ANALYZE assets');
      await pool.query('VACUUM ANALYZE changes');
    };

    /** One job of the whole folder with `readers` concurrent assets/get loops: its rate, timings, latencies. */
    const runOnce = async (readers: number) => {
      await checkpoint();
      const t0 = process.hrtime.bigint();
      const { result } = await client.call('assets/bulk/delete', { selection: [{ children: folder.gid }] });
      const token = result['job.token'];
      let running = true;
      const lat: number[] = [];
      const loops = Array.from({ length: readers }, async (_, r) => {
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
      await Promise.all(loops);
      await watch.end();
      if (last.status !== 'done' || last.info.done !== N) throw new Error(`job ended ${JSON.stringify(last)}`);
      // where the time went, from the job's own rows: created -> first batch (claim + materialise),
      // the batch transactions (started_on = the transaction's start, committed_on = its end), between them
      const { rows: [b] } = await pool.query(
        `SELECT count(*)::int AS n, max(extract(epoch FROM committed_on - started_on))::float8 AS longest,
                sum(extract(epoch FROM committed_on - started_on))::float8 AS busy,
                extract(epoch FROM max(committed_on) - min(started_on))::float8 AS span,
                extract(epoch FROM min(started_on) - (SELECT created_on FROM jobs WHERE token = $1))::float8 AS before_first
         FROM job_batches WHERE job_id = (SELECT id FROM jobs WHERE token = $1)`, [token]);
      const { rows: [ev] } = await pool.query(`SELECT count(*)::int AS n FROM cc_changes WHERE data_type = 'jobs' AND data_key = $1`, [token]);
      const rate = N / (jobMs / 1000);
      console.log(`\njob, ${readers} assets/get loops: ${N} assets in ${(jobMs / 1000).toFixed(1)} s (selection materialised after ${(materialisedAt / 1000).toFixed(1)} s); ` +
        `${ev.n} jobs events; ${lat.length} assets/get calls during the job`);
      console.log(`  call -> first batch ${b.before_first.toFixed(1)} s; ${b.n} batch transactions ${b.busy.toFixed(1)} s ` +
        `(mean ${(b.busy / b.n * 1000).toFixed(0)} ms, longest ${(b.longest * 1000).toFixed(0)} ms), between them ${(b.span - b.busy).toFixed(1)} s`);
      console.log(`  ${rate.toFixed(0)} assets/s = ${(rate / floorRate).toFixed(2)}x of the bare UPDATE, ${(rate / floor2Rate).toFixed(2)}x of UPDATE + events (goals >= 0.6x, >= 0.85x)`);
      return { rate, lat };
    };

    const runs: [number, { rate: number; lat: number[] }][] = [[READERS, await runOnce(READERS)]];
    // the job alone too (BULK_ALONE=0: skip): the readers compete for the same two cores
    if (READERS > 0 && process.env.BULK_ALONE !== '0') {
      await restore();
      runs.push([0, await runOnce(0)]);
    }
    for (const [readers, { rate, lat }] of runs) {
      const what = readers ? `${readers} concurrent assets/get loops` : 'no concurrent reads';
      report(`bulk delete job, ${N} assets, ${what}, vs one bare UPDATE (assets/s)`, rate, floorRate, 'assets/s', '>= 0.6x floor rate (ratio <= 1.67)', true);
      report(`  same job vs UPDATE + 1 event per row (assets/s)`, rate, floor2Rate, 'assets/s', '>= 0.85x floor rate (ratio <= 1.18)', true);
      if (readers > 0) {
        report('assets/get p99 during the job', percentile(lat, 99), percentile(idle, 99), 'ms', '<= 20 ms');
        report('assets/get p50 during the job', percentile(lat, 50), percentile(idle, 50), 'ms');
      }
    }
    printTable(`bulk jobs (${N} assets; floor of the latency rows = the same call with no job running)`);
  } finally {
    await env.close();
  }
}

await main();
