// Durability with a real process kill: a server is SIGKILLed in the middle of a bulk delete; a new
// server reclaims the job once the dead one's lease expires and finishes it with the same final
// state as an uninterrupted run: every asset trashed once, one change event per asset, the batches
// tiling the job's items exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { seedFolder, seedFiles } from '../helpers/seed.ts';
import { jobEvents, killSpawned, openJobDatabase, spawnAssetlib, waitForNotice, waitJob } from './helpers.ts';

const N = 50_000;
// JOB_EMIT_MS 0: a progress event (and its NOTIFY) with every batch, which the test waits on
const ENV = { JOB_BATCH_SIZE: '500', JOB_POLL_MS: '200', JOB_EMIT_MS: '0' };

let dbUrl: string;
let pool: pg.Pool;
let f: Fixture;

beforeAll(async () => {
  ({ dbUrl, pool, f } = await openJobDatabase());
});
afterAll(async () => {
  await killSpawned();
  await pool?.end();
});

describe('a job survives SIGKILL of its server', () => {
  it('resumes on a new server and ends as an uninterrupted run would', async () => {
    const folder = await seedFolder(pool, f.projectId, 'big');
    await seedFiles(pool, f.projectId, folder.id, N);
    await pool.query('ANALYZE assets'); // as a live database would have: the tree SQL plans by statistics

    const first = await spawnAssetlib('serve', dbUrl, ENV);
    const c1 = new UnicatClient(first.url, f.projectGid);
    await c1.auth(f.users.owner.key);
    const { result } = await c1.call('assets/bulk/delete', { selection: [{ children: folder.gid }] });
    const token: string = result['job.token'];
    const info = async () => (await pool.query('SELECT info, locked_by, attempts FROM jobs WHERE token = $1', [token])).rows[0];

    await waitForNotice(dbUrl, 'assetlib_cc_changes', async () => {
      const i = (await info()).info;
      return i.total === N && i.remaining < N - 1000 && i.remaining > 0;
    }, 'the job to be part-way');
    await first.kill('SIGKILL');
    const atKill = await info();
    expect(atKill.info.remaining).toBeGreaterThan(0);
    expect(atKill.info.remaining).toBeLessThan(N);
    expect(atKill.locked_by).not.toBeNull(); // the dead server still holds the lease
    const trashedAtKill = (await pool.query('SELECT count(*)::int AS n FROM assets WHERE parent_id = $1 AND deleted_on IS NOT NULL', [folder.id])).rows[0].n;
    expect(trashedAtKill).toBe(N - atKill.info.remaining); // the batch in flight was rolled back whole

    const second = await spawnAssetlib('serve', dbUrl, ENV);
    const c2 = new UnicatClient(second.url, f.projectGid);
    await c2.auth(f.users.owner.key);
    const job = await waitJob(c2, token);
    expect(job.status).toBe('done');
    expect(job.info).toEqual({ total: N, remaining: 0, done: N, failed: {} });
    expect((await info()).attempts).toBe(2);

    // every selected asset trashed exactly once, as its own delete root
    const { rows: [st] } = await pool.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE deleted_on IS NOT NULL AND deleted_root = id)::int AS trashed
       FROM assets WHERE parent_id = $1`, [folder.id]);
    expect(st).toEqual({ n: N, trashed: N });
    expect((await pool.query('SELECT deleted_on FROM assets WHERE id = $1', [folder.id])).rows[0].deleted_on).toBeNull();
    // one DELETE event per asset: none lost with the killed batch, none repeated
    const { rows: [ev] } = await pool.query(
      `SELECT count(*)::int AS n, count(DISTINCT c.data_key)::int AS keys
       FROM changes c JOIN assets a ON a.gid::text = c.data_key
       WHERE c.project_id = $1 AND c.data_type = 'assets' AND c.action = 'DELETE' AND a.parent_id = $2`, [f.projectId, folder.id]);
    expect(ev).toEqual({ n: N, keys: N });
    // the committed batches tile 1..N exactly once, by the two servers' workers
    const { rows: batches } = await pool.query(
      'SELECT b.first_seq, b.last_seq, b.worker FROM job_batches b JOIN jobs j ON j.id = b.job_id WHERE j.token = $1 ORDER BY b.first_seq', [token]);
    let next = 1;
    for (const b of batches) {
      expect(Number(b.first_seq)).toBe(next);
      next = Number(b.last_seq) + 1;
    }
    expect(next).toBe(N + 1);
    expect(new Set(batches.map((b) => b.worker)).size).toBe(2);
    expect((await pool.query('SELECT count(*)::int AS n FROM job_items')).rows[0].n).toBe(0);
    // the cc events: queued, processing..., exactly one done, last
    const statuses = (await jobEvents(pool, token)).map((e) => e.data.status);
    expect(statuses[0]).toBe('queued');
    expect(statuses.at(-1)).toBe('done');
    expect(statuses.filter((s) => s === 'done')).toHaveLength(1);
    expect(new Set(statuses.slice(1, -1))).toEqual(new Set(['processing']));
  }, 300_000);
});
