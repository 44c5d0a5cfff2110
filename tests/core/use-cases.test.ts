// The core's use cases driven directly on a fresh database with the core's own factories (no HTTP
// server): selection resolve (assets/bulk/get), bulk job create, the worker's job run, and trash.
// Membership has its own: tests/libraries/membership-core.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCoreDb, createFixture, type CoreDb, type Fixture } from '../helpers/server.ts';
import { seedFiles, seedFolder, childGids } from '../helpers/seed.ts';
import { actorForKey, type Actor } from '../../src/core/keys.ts';
import { bulkGetQuery } from '../../src/core/assets/queries.ts';
import { createFolderCommand, trashCommand } from '../../src/core/assets/commands.ts';
import { createBulkJob, getJob } from '../../src/core/jobs/jobs.ts';
import { runJob } from '../../src/core/jobs/run.ts';
import { claimJob } from '../../src/core/jobs/store.ts';
import { run } from '../../src/db/statement.ts';
import { resolveSelection } from '../../src/core/selection/sql.ts';
import { trashSubtrees } from '../../src/core/assets/trash.ts';
import { withTx } from '../../src/db/pool.ts';

let t: CoreDb;
let f: Fixture;
let owner: Actor;
let viewer: Actor;

beforeAll(async () => {
  t = await openCoreDb();
  f = await createFixture(t.db, { owner: 'owner', viewer: 'viewer' });
  owner = await actorForKey(t.db, f.users.owner.key);
  viewer = await actorForKey(t.db, f.users.viewer.key);
});
afterAll(() => t?.close());

const UNKNOWN = '6f1c2a8e-0000-4000-8000-00000000dead';
const ccEvents = async (key: string) =>
  (await t.db.query('SELECT action, data FROM cc_changes WHERE data_key = $1 ORDER BY cursor', [key])).rows;
const liveUnder = async (parentId: number) =>
  (await t.db.query('SELECT count(*)::int AS n FROM assets WHERE parent_id = $1 AND deleted_on IS NULL', [parentId])).rows[0].n;

describe('selection resolve', () => {
  it('pages a selection of gids, {children} and an unknown gid; the statement yields the unknown gid unresolved', async () => {
    const dir = await seedFolder(t.db, f.projectId, 'sel');
    await seedFiles(t.db, f.projectId, dir.id, 25);
    const other = await seedFolder(t.db, f.projectId, 'sel-other');
    await seedFiles(t.db, f.projectId, other.id, 3);
    const otherFiles = await childGids(t.db, other.id);
    const selection = [{ children: dir.gid, exclude: [(await childGids(t.db, dir.id))[0]] }, otherFiles[0], UNKNOWN];

    const first = await bulkGetQuery(t.db, owner, { selection, size: 20 });
    expect(first.total).toBe(24 + 1 + 1); // resolved + unresolved gids not met yet
    expect(first.assets).toHaveLength(20);
    expect(first.rows.map((r) => r.gid).sort()).toEqual([...first.assets].sort());
    const second = await bulkGetQuery(t.db, owner, { selection, cursor: first.cursor, size: 20 });
    expect(second.assets).toHaveLength(5); // the unknown gid is dropped from its page
    expect(second.cursor).toBeNull();
    expect(new Set([...first.assets, ...second.assets]).size).toBe(25);

    const rows = await run(t.db, resolveSelection, { projectId: f.projectId, selection, trashed: 'exclude' });
    expect(rows).toHaveLength(26);
    expect(rows.filter((r) => r.asset_id === null).map((r) => r.gid)).toEqual([UNKNOWN]);

    await expect(bulkGetQuery(t.db, owner, { selection: [{ children: otherFiles[0] }] })).rejects.toMatchObject({ kind: 'selection' });
  });
});

describe('bulk jobs', () => {
  it('createBulkJob stores a queued job with its one cc event; a viewer and a bad selection store nothing', async () => {
    const dir = await seedFolder(t.db, f.projectId, 'job');
    await seedFiles(t.db, f.projectId, dir.id, 12);
    const jobsBefore = (await t.db.query('SELECT count(*)::int AS n FROM jobs')).rows[0].n;
    await expect(createBulkJob(t.db, viewer, 'bulk_delete_assets', { selection: [{ children: dir.gid }] })).rejects.toMatchObject({ kind: 'forbidden' });
    await expect(createBulkJob(t.db, owner, 'bulk_delete_assets', { selection: [{ children: UNKNOWN }] })).rejects.toMatchObject({ kind: 'selection' });
    await expect(createBulkJob(t.db, owner, 'bulk_move_assets', { selection: [], parent: UNKNOWN })).rejects.toMatchObject({ kind: 'not_found' });
    expect((await t.db.query('SELECT count(*)::int AS n FROM jobs')).rows[0].n).toBe(jobsBefore);

    const { token } = await createBulkJob(t.db, owner, 'bulk_delete_assets', { selection: [{ children: dir.gid }] });
    const { job } = await getJob(t.db, viewer, token); // any member reads it
    expect(job).toMatchObject({ job: 'bulk_delete_assets', status: 'queued', project_gid: f.projectGid });
    expect((await ccEvents(token)).map((e) => [e.action, e.data.status])).toEqual([['UPDATE', 'queued']]);

    // the worker's use case on the same database: claim, then run it to its end
    const claimed = await claimJob(t.db, 'test-worker', 10_000);
    expect(claimed?.token).toBe(token);
    const settings = { batchSize: 5, leaseMs: 10_000, emitMs: 0 };
    expect(await runJob(t.db, claimed!, { me: 'test-worker', settings, log: () => {}, shouldYield: () => false })).toBe('finished');
    expect((await getJob(t.db, owner, token)).job).toMatchObject({ status: 'done', info: { total: 12, done: 12, remaining: 0, failed: {} } });
    expect(await liveUnder(dir.id)).toBe(0);
    expect((await t.db.query('SELECT count(*)::int AS n FROM job_batches b JOIN jobs j ON j.id = b.job_id WHERE j.token = $1', [token])).rows[0].n).toBe(3);
    const statuses = (await ccEvents(token)).map((e) => e.data.status);
    expect(statuses[0]).toBe('queued');
    expect(statuses.at(-1)).toBe('done');
  });

  it('a job whose user became a viewer is rejected by the worker, changing nothing', async () => {
    const fx = await createFixture(t.db, { boss: 'editor' });
    const boss = await actorForKey(t.db, fx.users.boss.key);
    const dir = await seedFolder(t.db, fx.projectId, 'demoted');
    await seedFiles(t.db, fx.projectId, dir.id, 4);
    const { token } = await createBulkJob(t.db, boss, 'bulk_delete_assets', { selection: [{ children: dir.gid }] });
    await t.db.query(`UPDATE memberships SET role = 'viewer' WHERE user_id = $1`, [fx.users.boss.id]);
    const claimed = await claimJob(t.db, 'test-worker', 10_000);
    expect(claimed?.token).toBe(token);
    await runJob(t.db, claimed!, { me: 'test-worker', settings: { batchSize: 5, leaseMs: 10_000, emitMs: 0 }, log: () => {}, shouldYield: () => false });
    expect((await t.db.query('SELECT status FROM jobs WHERE token = $1', [token])).rows[0].status).toBe('rejected');
    expect(await liveUnder(dir.id)).toBe(4);
  });
});

describe('trash', () => {
  it('trashCommand trashes and restores a subtree; a viewer is refused before anything changes', async () => {
    const root = (await t.db.query('SELECT gid::text FROM assets WHERE project_id = $1 AND parent_id IS NULL', [f.projectId])).rows[0].gid;
    const made = await createFolderCommand(t.db, owner, { parent: root, name: 'bin' });
    const gid = made.gids.asset!;
    const id = Number(made.rows.find((r) => r.gid === gid)!.id);
    await seedFiles(t.db, f.projectId, id, 30);
    await expect(trashCommand(t.db, viewer, 'delete', { asset: gid })).rejects.toMatchObject({ kind: 'forbidden' });
    expect(await liveUnder(id)).toBe(30);

    const del = await trashCommand(t.db, owner, 'delete', { asset: gid });
    expect(del.gids).toEqual({ asset: gid, parent: root });
    expect(del.rows.find((r) => r.gid === gid)?.is_deleted).toBe(true);
    expect((await t.db.query('SELECT count(*)::int AS n FROM assets WHERE deleted_root = $1', [id])).rows[0].n).toBe(31);
    await expect(trashCommand(t.db, owner, 'delete', { asset: gid })).rejects.toMatchObject({ kind: 'rule', info: { reason: 'already_deleted' } });

    await trashCommand(t.db, owner, 'undelete', { asset: gid });
    expect(await liveUnder(id)).toBe(30);
    expect((await t.db.query('SELECT count(*)::int AS n FROM assets WHERE deleted_root = $1', [id])).rows[0].n).toBe(0);
  });
});

describe('trash batches: files only, and with a folder', () => {
  it('a batch without a live folder (one UPDATE of the files) answers as the general statement: done, not_found, already_deleted, repeats counted once', async () => {
    const dir = await seedFolder(t.db, f.projectId, 'files-batch');
    await seedFiles(t.db, f.projectId, dir.id, 12);
    const ids = (await t.db.query('SELECT id FROM assets WHERE parent_id = $1 ORDER BY id', [dir.id])).rows.map((r) => Number(r.id));
    await withTx(t.db, (tx) => trashSubtrees(tx, owner, [ids[0]]));
    const before = (await t.db.query('SELECT cursor FROM project_cursors WHERE project_id = $1', [f.projectId])).rows[0].cursor;
    const missing = 2_000_000_000;
    const batch = [...ids, ids[5], missing]; // one already in the trash, one repeated, one that does not exist
    const out = await withTx(t.db, (tx) => trashSubtrees(tx, owner, batch));
    expect(out).toEqual({ done: 11, failed: { already_deleted: 1, not_found: 1 } });
    // each trashed file is its own deleted_root; 11 DELETE events and the folder's UPDATE
    expect((await t.db.query('SELECT count(*)::int AS n FROM assets WHERE parent_id = $1 AND deleted_root = id', [dir.id])).rows[0].n).toBe(12);
    const ev = (await t.db.query(`SELECT action, count(*)::int AS n FROM changes WHERE project_id = $1 AND cursor > $2 GROUP BY action ORDER BY action`, [f.projectId, before])).rows;
    expect(ev).toEqual([{ action: 'DELETE', n: 11 }, { action: 'UPDATE', n: 1 }]);
    // the root (a live folder) goes through the general statement: is_root
    const root = Number((await t.db.query('SELECT id FROM assets WHERE project_id = $1 AND parent_id IS NULL', [f.projectId])).rows[0].id);
    expect(await withTx(t.db, (tx) => trashSubtrees(tx, owner, [root, missing]))).toEqual({ done: 0, failed: { is_root: 1, not_found: 1 } });
  });

  it('a batch with a live folder and files under it trashes the files with the folder (deleted_root the folder)', async () => {
    const dir = await seedFolder(t.db, f.projectId, 'mixed-batch');
    await seedFiles(t.db, f.projectId, dir.id, 5);
    const files = (await t.db.query('SELECT id FROM assets WHERE parent_id = $1 ORDER BY id', [dir.id])).rows.map((r) => Number(r.id));
    const out = await withTx(t.db, (tx) => trashSubtrees(tx, owner, [...files.slice(0, 2), dir.id]));
    expect(out).toEqual({ done: 3, failed: {} });
    expect((await t.db.query('SELECT count(*)::int AS n FROM assets WHERE parent_id = $1 AND deleted_root = $1', [dir.id])).rows[0].n).toBe(5);
  });
});
