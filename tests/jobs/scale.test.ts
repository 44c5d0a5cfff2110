// Two servers (each with its in-process worker) and two `assetlib worker` processes on one
// database share several jobs: every job ends done once, every item is processed once, and no job
// is ever processed by two workers at once (the committed batches of a job, with their worker and
// their start/commit times, tile its items exactly and never overlap in time across workers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { seedFolder, seedFiles } from '../helpers/seed.ts';
import { killSpawned, openJobDatabase, spawnAssetlib, waitJob } from './helpers.ts';

const JOBS = 8;
const PER_JOB = 4000;
const ENV = { JOB_BATCH_SIZE: '100', JOB_POLL_MS: '100' };

let dbUrl: string;
let pool: pg.Pool;
let f: Fixture;

beforeAll(async () => {
  ({ dbUrl, pool, f } = await openJobDatabase());
});
afterAll(async () => {
  await killSpawned('SIGTERM'); // also the ones that started while another failed to
  await pool?.end();
});

describe('two servers and two workers on one database', () => {
  it('share the jobs: each done once, each item once, never two workers on one job', async () => {
    const folders = [];
    for (let i = 0; i < JOBS; i++) {
      const folder = await seedFolder(pool, f.projectId, `f${i}`);
      await seedFiles(pool, f.projectId, folder.id, PER_JOB);
      folders.push(folder);
    }
    await pool.query('ANALYZE assets'); // as a live database would have: the tree SQL plans by statistics
    const started = await Promise.all([
      spawnAssetlib('serve', dbUrl, ENV), spawnAssetlib('serve', dbUrl, ENV),
      spawnAssetlib('worker', dbUrl, ENV), spawnAssetlib('worker', dbUrl, ENV),
    ]);
    const clients = await Promise.all(started.slice(0, 2).map(async (p) => {
      const c = new UnicatClient(p.url, f.projectGid);
      await c.auth(f.users.owner.key);
      return c;
    }));
    // half the jobs through each server
    const tokens: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const { result } = await clients[i % 2].call('assets/bulk/delete', { selection: [{ children: folders[i].gid }] });
      tokens.push(result['job.token']);
    }
    for (const [i, token] of tokens.entries()) {
      const job = await waitJob(clients[i % 2], token);
      expect(job).toMatchObject({ status: 'done', info: { total: PER_JOB, done: PER_JOB, remaining: 0, failed: {} } });
    }

    // every asset trashed exactly once, one DELETE event each
    const { rows: [st] } = await pool.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE a.deleted_on IS NOT NULL AND a.deleted_root = a.id)::int AS trashed
       FROM assets a WHERE a.parent_id = ANY($1::bigint[])`, [folders.map((x) => x.id)]);
    expect(st).toEqual({ n: JOBS * PER_JOB, trashed: JOBS * PER_JOB });
    const { rows: [ev] } = await pool.query(
      `SELECT count(*)::int AS n, count(DISTINCT c.data_key)::int AS keys FROM changes c
       WHERE c.project_id = $1 AND c.data_type = 'assets' AND c.action = 'DELETE'`, [f.projectId]);
    expect(ev).toEqual({ n: JOBS * PER_JOB, keys: JOBS * PER_JOB });
    // exactly one done event per job
    const { rows: done } = await pool.query(
      `SELECT data_key, count(*)::int AS n FROM cc_changes WHERE data_type = 'jobs' AND data->>'status' = 'done' GROUP BY data_key`);
    expect(done.map((r) => r.data_key).sort()).toEqual([...tokens].sort());
    expect(done.every((r) => r.n === 1)).toBe(true);

    const { rows: batches } = await pool.query(
      `SELECT j.token::text AS token, b.first_seq, b.last_seq, b.worker, b.started_on, b.committed_on
       FROM job_batches b JOIN jobs j ON j.id = b.job_id ORDER BY j.id, b.first_seq`);
    const workers = new Set<string>();
    for (const token of tokens) {
      const mine = batches.filter((b) => b.token === token);
      let next = 1;
      for (const b of mine) {
        expect(Number(b.first_seq)).toBe(next);
        next = Number(b.last_seq) + 1;
        workers.add(b.worker);
      }
      expect(next).toBe(PER_JOB + 1);
      // batches of one job by different workers never overlap in time
      const byTime = [...mine].sort((a, b) => a.started_on - b.started_on);
      for (let i = 1; i < byTime.length; i++) {
        if (byTime[i].worker !== byTime[i - 1].worker) expect(byTime[i].started_on >= byTime[i - 1].committed_on).toBe(true);
      }
    }
    // the work was shared: more than one of the four workers ran batches
    expect(workers.size).toBeGreaterThan(1);
    expect((await pool.query('SELECT count(*)::int AS n FROM job_items')).rows[0].n).toBe(0);
  }, 300_000);
});
