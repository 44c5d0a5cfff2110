// assets/bulk/delete, undelete and move as jobs, jobs/get and jobs/cancel, through HTTP, with
// the in-process worker (small batches, so that every job takes several batch transactions).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { seedFolder, seedFiles, rootOf } from '../helpers/seed.ts';
import { jobEvents, waitFor, waitJob } from './helpers.ts';

let t: TestServer;
let f: Fixture;
let owner: UnicatClient;
let viewer: UnicatClient;

beforeAll(async () => {
  t = await startTestServer({ jobBatchSize: 7, jobPollMs: 50 });
  f = await createFixture(t.db, { owner: 'owner', viewer: 'viewer' });
  owner = new UnicatClient(t.url, f.projectGid);
  viewer = new UnicatClient(t.url, f.projectGid);
  await owner.auth(f.users.owner.key);
  await viewer.auth(f.users.viewer.key);
});
afterAll(async () => {
  await t?.close();
});

async function folderWithFiles(name: string, n: number) {
  const folder = await seedFolder(t.db, f.projectId, name);
  await seedFiles(t.db, f.projectId, folder.id, n);
  const { rows } = await t.db.query('SELECT id, gid::text FROM assets WHERE parent_id = $1 ORDER BY path', [folder.id]);
  return { folder, files: rows as { id: number; gid: string }[] };
}

async function start(call: string, body: unknown): Promise<string> {
  const res = await owner.raw(call, body);
  expect(res.status).toBe(200);
  expect(res.body.success).toBe(true);
  expect(res.body.data).toEqual({});
  expect(Object.keys(res.body.result)).toEqual(['job.token']);
  return res.body.result['job.token'];
}

const trashed = async (gids: string[]) => (await t.db.query(
  'SELECT count(*)::int AS n FROM assets WHERE gid = ANY($1::uuid[]) AND deleted_on IS NOT NULL', [gids])).rows[0].n;

describe('assets/bulk/delete', () => {
  it('answers a token at once, then deletes the selection in batches, with cc jobs events', async () => {
    const { folder, files } = await folderWithFiles('del', 40);
    const unknown = randomUUID();
    const keep = files.slice(0, 3).map((x) => x.gid);
    const token = await start('assets/bulk/delete', { selection: [{ children: folder.gid, exclude: keep }, unknown] });
    const job = await waitJob(owner, token);
    expect(job).toMatchObject({ project_gid: f.projectGid, job: 'bulk_delete_assets', status: 'done' });
    expect(job.info).toEqual({ total: 38, remaining: 0, done: 37, failed: { not_found: 1 } });
    expect(await trashed(files.map((x) => x.gid))).toBe(37);
    expect(await trashed(keep)).toBe(0);
    expect(await trashed([folder.gid])).toBe(0);

    const events = await jobEvents(t.db, token);
    for (const e of events) {
      expect(e).toMatchObject({ project_id: f.projectId, action: 'UPDATE', data_type: 'jobs', data_key: token });
      expect(Object.keys(e.data).sort()).toEqual(['created_on', 'info', 'job', 'project_gid', 'status', 'updated_on']);
      expect(typeof e.data.created_on).toBe('number');
      expect(e.data.created_on % 1).not.toBe(0);
      expect(e.data.updated_on).toBeGreaterThanOrEqual(e.data.created_on);
    }
    const statuses = events.map((e) => e.data.status);
    expect(statuses[0]).toBe('queued');
    expect(statuses[1]).toBe('processing');
    expect(statuses.at(-1)).toBe('done');
    expect(statuses.filter((s) => s === 'done')).toHaveLength(1);
    // the first processing event carries the totals; remaining never grows
    expect(events[2].data.info.total).toBe(38);
    const remaining = events.slice(2).map((e) => e.data.info.remaining);
    expect([...remaining].sort((a, b) => b - a)).toEqual(remaining);
    // 37 assets in batches of 7: 6 batch transactions, each recorded
    const { rows: batches } = await t.db.query(
      'SELECT first_seq, last_seq FROM job_batches b JOIN jobs j ON j.id = b.job_id WHERE j.token = $1 ORDER BY first_seq', [token]);
    expect(batches.map((b) => [Number(b.first_seq), Number(b.last_seq)])).toEqual([[1, 7], [8, 14], [15, 21], [22, 28], [29, 35], [36, 37]]);
    // the assets' own DELETE events were written too (by the tree core)
    const { rows: [ev] } = await t.db.query(
      `SELECT count(*)::int AS n FROM changes WHERE project_id = $1 AND data_type = 'assets' AND action = 'DELETE' AND data_key = ANY($2::text[])`,
      [f.projectId, files.map((x) => x.gid)]);
    expect(ev.n).toBe(37);
  });

  it('an item whose write throws fails alone: the batch is rolled back, run again in halves, and the rest is done', async () => {
    const { folder, files } = await folderWithFiles('poison', 20);
    const poison = files[9];
    // a write of this one row raises (SQLSTATE P0001: not a transient error), as a bug or a broken row would
    await t.db.query(`CREATE FUNCTION poison_row() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.id = ${Number(poison.id)} THEN RAISE EXCEPTION 'poisoned row'; END IF; RETURN NEW; END $$`);
    await t.db.query('CREATE TRIGGER poison_row BEFORE UPDATE ON assets FOR EACH ROW EXECUTE FUNCTION poison_row()');
    try {
      const token = await start('assets/bulk/delete', { selection: [{ children: folder.gid }] });
      const job = await waitJob(owner, token);
      expect(job).toMatchObject({ status: 'done', info: { total: 20, done: 19, remaining: 0, failed: { error: 1 } } });
      expect(await trashed(files.map((x) => x.gid))).toBe(19);
      expect(await trashed([poison.gid])).toBe(0);
      // its batch's other items were done once, with one DELETE event each (nothing of the failed try was kept)
      const { rows: [ev] } = await t.db.query(
        `SELECT count(*)::int AS n, count(DISTINCT data_key)::int AS keys FROM changes WHERE project_id = $1 AND action = 'DELETE' AND data_key = ANY($2::text[])`,
        [f.projectId, files.map((x) => x.gid)]);
      expect(ev).toEqual({ n: 19, keys: 19 });
    } finally {
      await t.db.query('DROP TRIGGER poison_row ON assets');
      await t.db.query('DROP FUNCTION poison_row()');
    }
  });

  it('counts already deleted assets as failed one by one and still finishes', async () => {
    const { folder, files } = await folderWithFiles('again', 10);
    const first = await start('assets/bulk/delete', { selection: files.slice(0, 4).map((x) => x.gid) });
    expect((await waitJob(owner, first)).info).toMatchObject({ total: 4, done: 4, remaining: 0 });
    // listed gids resolve whatever their trash state: the 4 deleted ones fail one by one
    const second = await start('assets/bulk/delete', { selection: files.map((x) => x.gid) });
    const job = await waitJob(owner, second);
    expect(job).toMatchObject({ status: 'done', info: { total: 10, done: 6, remaining: 0, failed: { already_deleted: 4 } } });
    expect(await trashed(files.map((x) => x.gid))).toBe(10);
    // {children} leaves out what is already in the trash
    const third = await start('assets/bulk/delete', { selection: [{ children: folder.gid }] });
    expect((await waitJob(owner, third)).info).toEqual({ total: 0, remaining: 0, done: 0, failed: {} });
  });

  it('numbers the children of one folder by id (siblings); a folder and its listed descendants are trashed together, the folder their root', async () => {
    // ids that cross a power of ten (…9996 … 10015), so that path order (text) and id order differ
    const { rows: [s] } = await t.db.query('SELECT last_value FROM assets_id_seq');
    await t.db.query('SELECT setval(\'assets_id_seq\', $1)', [10 ** (String(s.last_value).length + 1) - 5]);
    const { folder, files } = await folderWithFiles('order', 20);
    const byId = [...files].sort((a, b) => Number(a.id) - Number(b.id)).map((x) => x.gid);
    expect(files.slice(0, 7).map((x) => x.gid)).not.toEqual(byId.slice(0, 7)); // path order is another order
    // the batches of a job, from the feed: each batch writes its DELETE events, then its parent's UPDATE
    const batches = async (after: number) => {
      const { rows } = await t.db.query('SELECT action, data_key FROM changes WHERE project_id = $1 AND cursor > $2 ORDER BY cursor', [f.projectId, after]);
      const out: string[][] = [[]];
      for (const r of rows) if (r.action === 'UPDATE') out.push([]); else out[out.length - 1].push(r.data_key);
      return out.filter((b) => b.length).map((b) => b.sort());
    };
    const cursor = async () => Number((await t.db.query('SELECT cursor FROM project_cursors WHERE project_id = $1', [f.projectId])).rows[0].cursor);
    let from = await cursor();
    const token = await start('assets/bulk/delete', { selection: [{ children: folder.gid }] });
    expect((await waitJob(owner, token)).info).toEqual({ total: 20, remaining: 0, done: 20, failed: {} });
    expect(await batches(from)).toEqual([byId.slice(0, 7).sort(), byId.slice(7, 14).sort(), byId.slice(14).sort()]);

    // a folder listed after its own descendants (tree order puts it first): one batch trashes them with it
    const parent = await seedFolder(t.db, f.projectId, 'order-parent');
    const sub = await seedFolder(t.db, f.projectId, 'order-sub', parent.id);
    await seedFiles(t.db, f.projectId, sub.id, 3);
    const inner = (await t.db.query('SELECT gid::text FROM assets WHERE parent_id = $1', [sub.id])).rows.map((r) => r.gid);
    from = await cursor();
    const mixed = await start('assets/bulk/delete', { selection: [...inner, { children: parent.gid }] });
    expect((await waitJob(owner, mixed)).info).toEqual({ total: 4, remaining: 0, done: 4, failed: {} });
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM assets WHERE deleted_root = $1', [sub.id]);
    expect(rows[0].n).toBe(4);
    expect(await batches(from)).toEqual([[sub.gid, ...inner].sort()]);
  });

  it('resolves a mixed selection (gids, children, search) as a union, each asset once', async () => {
    const g = await createFixture(t.db);
    const c = new UnicatClient(t.url, g.projectGid);
    await c.auth(g.users.owner.key);
    const a = await seedFolder(t.db, g.projectId, 'a');
    await seedFiles(t.db, g.projectId, a.id, 5, 'a-');
    const b = await seedFolder(t.db, g.projectId, 'b');
    await seedFiles(t.db, g.projectId, b.id, 3, 'b-');
    const files = (await t.db.query('SELECT gid::text, parent_id FROM assets WHERE project_id = $1 AND is_file ORDER BY path', [g.projectId])).rows;
    const a0 = files.find((x) => x.parent_id === a.id).gid;
    const b0 = files.find((x) => x.parent_id === b.id).gid;
    const res = await c.call('assets/bulk/delete', { selection: [
      { search: { language: 'en', filter: ['type', 'is', 'image'] }, exclude: [a0] }, a0, b0, { children: b.gid }, b0,
    ] });
    const job = await waitJob(c, res.result['job.token']);
    expect(job).toMatchObject({ status: 'done', info: { total: 8, done: 8, remaining: 0, failed: {} } });
    expect(await trashed(files.map((x) => x.gid))).toBe(8);
    expect(await trashed([a.gid, b.gid])).toBe(0);
  });

  it('refuses {children} of an asset that is not a folder of the project (422/1006)', async () => {
    const { files } = await folderWithFiles('kids', 1);
    for (const children of [randomUUID(), files[0].gid]) {
      const r = await owner.raw('assets/bulk/delete', { selection: [{ children }] });
      expect(r.status).toBe(422);
      expect(r.body.result.code).toBe(1006);
      expect(r.body.result.info.index).toBe(0);
    }
  });

  it('an empty selection is a job that is done at once', async () => {
    const job = await waitJob(owner, await start('assets/bulk/delete', { selection: [] }));
    expect(job).toMatchObject({ status: 'done', info: { total: 0, remaining: 0, done: 0 } });
  });

  it('refuses viewers (403), a missing selection (400) and an ill-formed one (422/1006), creating no job', async () => {
    const before = (await t.db.query('SELECT count(*)::int AS n FROM jobs')).rows[0].n;
    const v = await viewer.raw('assets/bulk/delete', { selection: [] });
    expect(v.status).toBe(403);
    expect(v.body.success).toBe(false);
    const missing = await owner.raw('assets/bulk/delete', {});
    expect(missing.status).toBe(400);
    const bad = await owner.raw('assets/bulk/delete', { selection: ['not-a-gid'] });
    expect(bad.status).toBe(422);
    expect(bad.body.result.code).toBe(1006);
    const bad2 = await owner.raw('assets/bulk/delete', { selection: [{ nonsense: 1 }] });
    expect(bad2.status).toBe(422);
    expect(bad2.body.result.code).toBe(1006);
    const noAuth = await fetch(`${t.url}/api/p/${f.projectGid}/assets/bulk/delete`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(noAuth.status).toBe(401);
    expect((await t.db.query('SELECT count(*)::int AS n FROM jobs')).rows[0].n).toBe(before);
  });
});

describe('assets/bulk/undelete', () => {
  it('restores deleted subtrees and counts assets that were not deleted', async () => {
    const { folder, files } = await folderWithFiles('undel', 12);
    const sub = await seedFolder(t.db, f.projectId, 'sub', folder.id);
    await seedFiles(t.db, f.projectId, sub.id, 5, 'inner-');
    const del = await start('assets/bulk/delete', { selection: [...files.slice(0, 8).map((x) => x.gid), sub.gid] });
    expect((await waitJob(owner, del)).info).toMatchObject({ total: 9, done: 9 });
    expect((await t.db.query('SELECT count(*)::int AS n FROM assets WHERE parent_id = $1 AND deleted_on IS NOT NULL', [sub.id])).rows[0].n).toBe(5);

    const und = await start('assets/bulk/undelete', { selection: [...files.slice(0, 10).map((x) => x.gid), sub.gid] });
    const job = await waitJob(owner, und);
    expect(job).toMatchObject({ job: 'bulk_undelete_assets', status: 'done' });
    expect(job.info).toEqual({ total: 11, done: 9, remaining: 0, failed: { not_deleted: 2 } });
    expect(await trashed([...files.map((x) => x.gid), sub.gid])).toBe(0);
    expect((await t.db.query('SELECT count(*)::int AS n FROM assets WHERE parent_id = $1 AND deleted_on IS NULL', [sub.id])).rows[0].n).toBe(5);
  });
});

describe('assets/bulk/move', () => {
  it('moves the selection under the parent', async () => {
    const { files } = await folderWithFiles('from', 15);
    const target = await seedFolder(t.db, f.projectId, 'to');
    const token = await start('assets/bulk/move', { parent: target.gid, selection: files.map((x) => x.gid) });
    const job = await waitJob(owner, token);
    expect(job).toMatchObject({ job: 'bulk_move_assets', status: 'done', info: { total: 15, done: 15, remaining: 0, failed: {} } });
    const { rows } = await t.db.query('SELECT count(*)::int AS n, min(pathname) AS p FROM assets WHERE parent_id = $1', [target.id]);
    expect(rows[0].n).toBe(15);
    expect(rows[0].p).toMatch(/^\/to\//);
  });

  it('counts a parent inside the selection (a move into its own subtree) as failed, and moves the rest', async () => {
    const { folder, files } = await folderWithFiles('self', 6);
    const target = await seedFolder(t.db, f.projectId, 'inner', folder.id);
    const token = await start('assets/bulk/move', { parent: target.gid, selection: [{ children: folder.gid }] });
    const job = await waitJob(owner, token);
    expect(job.status).toBe('done');
    expect(job.info).toEqual({ total: 7, done: 6, remaining: 0, failed: { into_own_subtree: 1 } });
    expect((await t.db.query('SELECT count(*)::int AS n FROM assets WHERE parent_id = $1', [target.id])).rows[0].n).toBe(6);
    expect((await t.db.query('SELECT parent_id FROM assets WHERE id = $1', [target.id])).rows[0].parent_id).toBe(folder.id);
    void files;
  });

  it('refuses a parent that is missing (400), malformed (400), unknown, deleted or a file (422)', async () => {
    const { files } = await folderWithFiles('bad-parent', 2);
    const gone = await seedFolder(t.db, f.projectId, 'gone');
    await t.db.query('UPDATE assets SET deleted_on = now(), deleted_root = id WHERE id = $1', [gone.id]);
    const sel = [files[0].gid];
    expect((await owner.raw('assets/bulk/move', { selection: sel })).status).toBe(400);
    expect((await owner.raw('assets/bulk/move', { selection: sel, parent: 'nope' })).status).toBe(400);
    for (const parent of [randomUUID(), gone.gid, files[1].gid]) {
      const r = await owner.raw('assets/bulk/move', { selection: sel, parent });
      expect(r.status).toBe(422);
      expect(r.body.success).toBe(false);
    }
    expect((await viewer.raw('assets/bulk/move', { selection: sel, parent: (await rootOf(t.db, f.projectId)).gid })).status).toBe(403);
  });

  it('is rejected, with the reason in info, when the parent is deleted before the job runs', async () => {
    const { files } = await folderWithFiles('orphan', 3);
    const target = await seedFolder(t.db, f.projectId, 'doomed');
    // hold the job: pretend a live worker has it, delete the parent, then let the lease lapse
    const c = await t.db.connect();
    let token: string;
    try {
      await c.query('BEGIN');
      await c.query('LOCK TABLE jobs IN SHARE ROW EXCLUSIVE MODE'); // blocks claims, not reads
      const res = owner.raw('assets/bulk/move', { selection: files.map((x) => x.gid), parent: target.gid });
      await waitFor(async () => (await t.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO jobs%'`)).rows[0].n > 0, 'the job insert to wait');
      await c.query('UPDATE assets SET deleted_on = now(), deleted_root = id WHERE id = $1', [target.id]);
      await c.query('COMMIT');
      token = (await res).body.result['job.token'];
    } finally {
      c.release();
    }
    const job = await waitJob(owner, token);
    expect(job.status).toBe('rejected');
    expect(job.info.reason).toBe('parent_deleted');
    expect((await t.db.query('SELECT count(*)::int AS n FROM assets WHERE parent_id = $1', [target.id])).rows[0].n).toBe(0);
  });
});

describe('jobs/get and jobs/cancel', () => {
  it('jobs/get answers the job as in its sync event; unknown tokens 422, bad ones 400; viewers may read', async () => {
    const token = await start('assets/bulk/delete', { selection: [] });
    const job = await waitJob(owner, token);
    const r = await viewer.call('jobs/get', { 'job.token': token });
    expect(r.result).toEqual({ 'job.token': token });
    expect(r.data.jobs[token]).toEqual(job);
    const events = await jobEvents(t.db, token);
    expect(events.at(-1)!.data).toEqual(job);
    expect((await owner.raw('jobs/get', { 'job.token': randomUUID() })).status).toBe(422);
    expect((await owner.raw('jobs/get', { 'job.token': 'x' })).status).toBe(400);
    expect((await owner.raw('jobs/get', {})).status).toBe(400);
    // a job of another project is not visible
    const other = await createFixture(t.db);
    const oc = new UnicatClient(t.url, other.projectGid);
    await oc.auth(other.users.owner.key);
    expect((await oc.raw('jobs/get', { 'job.token': token })).status).toBe(422);
    expect((await viewer.raw('jobs/cancel', { 'job.token': token })).status).toBe(403);
  });

  it('cancels a processing job after its current batch: done, info.cancelled, the rest untouched', async () => {
    const { folder, files } = await folderWithFiles('cancel', 50);
    // block the worker inside its second batch by locking an asset of that batch
    const c = await t.db.connect();
    let token: string | undefined;
    try {
      await c.query('BEGIN');
      await c.query('SELECT 1 FROM assets WHERE id = $1 FOR UPDATE', [files[10].id]);
      const holder = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      token = await start('assets/bulk/delete', { selection: [{ children: folder.gid }] });
      const waiting = async (like: string) => (await t.db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()
         AND query LIKE $1`, [like])).rows[0].n > 0;
      await waitFor(async () => (await t.db.query(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [holder])).rows[0].n > 0, 'the batch to block');
      const cancel = owner.raw('jobs/cancel', { 'job.token': token });
      await waitFor(() => waiting('SELECT id, status, locked_by%'), 'the cancel to wait for the batch');
      await c.query('COMMIT');
      const r = await cancel;
      expect(r.status).toBe(200);
    } finally {
      c.release();
    }
    if (!token) throw new Error('no job');
    const job = await waitJob(owner, token);
    expect(job.status).toBe('done');
    // it stopped at a batch boundary after the blocked batch, well before the end
    expect(job.info).toMatchObject({ total: 50, failed: {}, cancelled: true });
    expect(job.info.done % 7).toBe(0);
    expect(job.info.done).toBeGreaterThanOrEqual(14);
    expect(job.info.done).toBeLessThan(50);
    expect(job.info.remaining).toBe(50 - job.info.done);
    expect(await trashed(files.map((x) => x.gid))).toBe(job.info.done);
    expect((await t.db.query('SELECT count(*)::int AS n FROM job_items ji JOIN jobs j ON j.id = ji.job_id WHERE j.token = $1', [token])).rows[0].n).toBe(0);
    // cancelling a finished job changes nothing
    const again = await owner.call('jobs/cancel', { 'job.token': token });
    expect(again.data.jobs[token]).toEqual(job);
  });
});
