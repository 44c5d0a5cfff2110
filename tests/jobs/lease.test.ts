// The lease rules on the real database, driving the worker's own functions: a live lease is never
// claimed, an expired one is (attempts + 1), and a worker that lost its lease does no more work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { seedFolder, seedFiles } from '../helpers/seed.ts';
import { claimJob, releaseJob } from '../../src/core/jobs/store.ts';
import { runJob } from '../../src/core/jobs/run.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import type { WorkerSettings } from '../../src/jobs/settings.ts';
import { waitJob } from './helpers.ts';

let t: TestServer;
let f: Fixture;
let c: UnicatClient;

beforeAll(async () => {
  t = await startTestServer({ runWorker: false });
  f = await createFixture(t.db);
  c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
});
afterAll(() => t?.close());

async function newJob(n: number): Promise<string> {
  const folder = await seedFolder(t.db, f.projectId, `f${Date.now()}${Math.random()}`);
  await seedFiles(t.db, f.projectId, folder.id, n);
  return (await c.call('assets/bulk/delete', { selection: [{ children: folder.gid }] })).result['job.token'];
}
const row = async (token: string) => (await t.db.query('SELECT id, status, locked_by, attempts, info FROM jobs WHERE token = $1', [token])).rows[0];
const settings: WorkerSettings = { batchSize: 10, leaseMs: 10_000, pollMs: 50, emitMs: 0 };

describe('leases', () => {
  it('a held lease is never claimed; an expired one is reclaimed by another worker', async () => {
    const token = await newJob(30);
    const a = await claimJob(t.db, 'worker-a', 10_000);
    expect(a?.token).toBe(token);
    expect(await claimJob(t.db, 'worker-b', 10_000)).toBeNull();
    await t.db.query(`UPDATE jobs SET lease_until = now() - interval '1 second' WHERE token = $1`, [token]);
    const b = await claimJob(t.db, 'worker-b', 10_000);
    expect(b?.token).toBe(token);
    expect(await row(token)).toMatchObject({ status: 'processing', locked_by: 'worker-b', attempts: 2 });

    // worker a comes back: its first transaction finds the lease gone and does nothing
    const end = await runJob(t.db, a!, { me: 'worker-a', settings, log: () => {}, shouldYield: () => false });
    expect(end).toBe('lost');
    expect((await row(token)).info).toEqual({}); // not even materialised by a
    // worker b finishes it
    expect(await runJob(t.db, b!, { me: 'worker-b', settings, log: () => {}, shouldYield: () => false })).toBe('finished');
    const { rows } = await t.db.query('SELECT DISTINCT worker FROM job_batches b JOIN jobs j ON j.id = b.job_id WHERE j.token = $1', [token]);
    expect(rows.map((r) => r.worker)).toEqual(['worker-b']);
    expect(await row(token)).toMatchObject({ status: 'done', locked_by: null, info: { total: 30, done: 30, remaining: 0 } });
  });

  it('a worker stopping gracefully releases its job for the next at once', async () => {
    const token = await newJob(40);
    const a = await claimJob(t.db, 'worker-a', 10_000);
    let batches = 0;
    const end = await runJob(t.db, a!, { me: 'worker-a', settings, log: () => {}, shouldYield: () => batches++ >= 2 });
    expect(end).toBe('stopped'); // after materialising and one batch
    await releaseJob(t.db, a!.id, 'worker-a'); // what the worker does after a graceful stop
    expect(await row(token)).toMatchObject({ status: 'processing', locked_by: null });
    const w = startWorker(t.db, settings);
    try {
      const job = await waitJob(c, token);
      expect(job).toMatchObject({ status: 'done', info: { total: 40, done: 40, remaining: 0 } });
    } finally {
      await w.stop();
    }
    const { rows } = await t.db.query(
      'SELECT worker, first_seq, last_seq FROM job_batches b JOIN jobs j ON j.id = b.job_id WHERE j.token = $1 ORDER BY first_seq', [token]);
    expect(rows[0]).toMatchObject({ worker: 'worker-a', first_seq: 1, last_seq: 10 });
    expect(rows.slice(1).every((r) => r.worker === w.id)).toBe(true);
    expect(rows.map((r) => Number(r.last_seq))).toEqual([10, 20, 30, 40]);
  });
});
