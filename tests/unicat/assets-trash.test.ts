// Trash through the Unicat API and the batch contract: delete, undelete and permanent_delete of
// subtrees, the events they write, and the per-item outcomes of trashSubtrees/restoreSubtrees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer, Fixture } from '../helpers/server.ts';
import { openAssetSession, feedSince, feedCursor, createFolder, type AssetSession } from './asset-session.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { withTx } from '../../src/db/pool.ts';
import { actorForKey } from '../../src/core/keys.ts';
import { trashSubtrees, restoreSubtrees } from '../../src/core/assets/trash.ts';
import { assetIdsByGids } from '../../src/core/assets/read.ts';
import { trashCommand } from '../../src/core/assets/commands.ts';
import { trashFileCommand } from '../../src/core/assets/file-commands.ts';
import { seedFiles } from '../helpers/seed.ts';

let t: TestServer;
let f: Fixture;
let c: UnicatClient;
let rootGid: string;

const events = (after: number) => feedSince(s, after);
const cursor = () => feedCursor(s);
const mkdir = (parent: string, name?: string) => createFolder(s, parent, name);
async function state(gids: string[]) {
  const r = await c.call('assets/get', { assets: gids });
  return Object.fromEntries(gids.map((g) => [g, r.data.assets[g]?.status ?? 'gone']));
}
async function idOf(gid: string) {
  return (await assetIdsByGids(t.db, f.projectId, [gid])).ids[0];
}

let s: AssetSession;
beforeAll(async () => {
  s = await openAssetSession();
  ({ t, f, c, rootGid } = s);
});
afterAll(() => t?.close());

describe('assets/delete and assets/undelete', () => {
  it('delete trashes the whole subtree, writes DELETE per asset and UPDATE for the parent', async () => {
    const a = await mkdir(rootGid, 'TrashMe');
    const b = await mkdir(a, 'b');
    const file = (await c.upload({ parent: b }, { name: 'x.txt', content: 'x' })).body.result.asset;
    const before = await cursor();
    const r = await c.call('assets/delete', { asset: a });
    expect(r.result).toEqual({ asset: a });
    expect(r.data.assets[a]).toMatchObject({ status: 'deleted', is_deleted: true });
    expect(r.data.assets[rootGid]).toBeDefined();
    expect(await state([a, b, file])).toEqual({ [a]: 'deleted', [b]: 'deleted', [file]: 'deleted' });
    const ev = await events(before);
    expect(ev.filter((e) => e.action === 'DELETE').map((e) => e.data_key).sort()).toEqual([a, b, file].sort());
    expect(ev.filter((e) => e.action === 'UPDATE').map((e) => e.data_key)).toEqual([rootGid]);
    // gone from the live tree
    expect((await c.raw('assets/get', { pathname: '/TrashMe' })).status).toBe(422);
    const kids = await c.call('assets/children', { asset: rootGid });
    expect(kids.result.children).not.toContain(a);
    // a second delete is refused
    const again = await c.raw('assets/delete', { asset: a });
    expect(again.status).toBe(422);
    expect(again.body.result.info.reason).toBe('already_deleted');
    // nothing can be created under it
    expect((await c.raw('assets/create', { parent: b, name: 'n' })).status).toBe(422);
  });

  it('undelete restores exactly what that delete trashed, with INSERT events', async () => {
    const a = await mkdir(rootGid, 'Restore');
    const b = await mkdir(a, 'b');
    const early = await mkdir(a, 'early');
    await c.call('assets/delete', { asset: early }); // trashed on its own first
    await c.call('assets/delete', { asset: a });
    // the child cannot be restored while its parent is deleted
    const child = await c.raw('assets/undelete', { asset: b });
    expect(child.status).toBe(422);
    expect(child.body.result.info.reason).toBe('parent_deleted');
    const before = await cursor();
    const r = await c.call('assets/undelete', { asset: a });
    expect(r.data.assets[a].status).toBe('published');
    expect(await state([a, b, early])).toEqual({ [a]: 'published', [b]: 'published', [early]: 'deleted' });
    const ev = await events(before);
    expect(ev.filter((e) => e.action === 'INSERT').map((e) => e.data_key).sort()).toEqual([a, b].sort());
    expect(ev.filter((e) => e.action === 'UPDATE').map((e) => e.data_key)).toEqual([rootGid]);
    // now the earlier one can come back too
    await c.call('assets/undelete', { asset: early });
    expect((await state([early]))[early]).toBe('published');
    const notDeleted = await c.raw('assets/undelete', { asset: a });
    expect(notDeleted.status).toBe(422);
    expect(notDeleted.body.result.info.reason).toBe('not_deleted');
  });

  it('undelete is refused when a live sibling took the name meanwhile', async () => {
    const a = await mkdir(rootGid, 'Twin');
    await c.call('assets/delete', { asset: a });
    const other = await mkdir(rootGid, 'Twin');
    const r = await c.raw('assets/undelete', { asset: a });
    expect(r.status).toBe(422);
    expect(r.body.result.info.reason).toBe('name_conflict');
    await c.call('assets/update', { asset: other, name: 'Twin 2' });
    await c.call('assets/undelete', { asset: a });
  });

  it('creates racing a delete never leave a live asset under a trashed parent', async () => {
    const a = await mkdir(rootGid, 'Racing');
    const b = await mkdir(a, 'b');
    const creates = Array.from({ length: 12 }, (_, i) => c.raw('assets/create', { parent: i % 2 ? a : b, name: `n${i}` }));
    const del = c.raw('assets/delete', { asset: a });
    const results = await Promise.all([...creates, del]);
    expect(results.at(-1)!.status).toBe(200);
    for (const r of results.slice(0, -1)) expect([200, 422]).toContain(r.status);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM assets x JOIN assets p ON p.id = x.parent_id
       WHERE x.project_id = $1 AND x.deleted_on IS NULL AND p.deleted_on IS NOT NULL`, [f.projectId]);
    expect(rows[0].n).toBe(0);
    // and undelete brings back exactly the created ones that made it in before the delete
    await c.call('assets/undelete', { asset: a });
    const made = results.slice(0, -1).filter((r) => r.status === 200).map((r) => r.body.result.asset);
    expect(Object.values(await state(made)).every((s) => s === 'published')).toBe(true);
  });

  it('the root cannot be deleted; a viewer cannot delete', async () => {
    const r = await c.raw('assets/delete', { asset: rootGid });
    expect(r.status).toBe(422);
    expect(r.body.result.info.reason).toBe('is_root');
    const v = new UnicatClient(t.url, f.projectGid);
    await v.auth(f.users.viewer.key);
    const a = await mkdir(rootGid, 'ViewerCannot');
    expect((await v.raw('assets/delete', { asset: a })).status).toBe(403);
    expect((await state([a]))[a]).toBe('published');
  });
});

describe('assets/permanent_delete', () => {
  it('works only on deleted assets, removes the subtree rows and unreferenced blobs', async () => {
    const a = await mkdir(rootGid, 'Purge');
    const b = await mkdir(a, 'b');
    const f1 = (await c.upload({ parent: b }, { name: 'only-here.txt', content: 'unique content 1' })).body.result.asset;
    const shared = (await c.upload({ parent: a }, { name: 'shared.txt', content: 'shared content' })).body.result.asset;
    const keep = (await c.upload({ parent: rootGid }, { name: 'shared-copy.txt', content: 'shared content' })).body.result.asset;
    const { rows: hashes } = await t.db.query('SELECT gid::text, content_hash FROM assets WHERE gid = ANY($1::uuid[])', [[f1, shared]]);
    const h = Object.fromEntries(hashes.map((r) => [r.gid, r.content_hash]));
    const { DiskBlobStore } = await import('../../src/storage/disk-store.ts');
    const store = new DiskBlobStore(`${t.dataDir}/blobs`);
    expect(await store.has(h[f1])).toBe(true);
    expect(h[shared]).not.toBe(h[f1]);
    expect(await store.has(h[shared])).toBe(true); // stored once for `shared` and `keep`

    const live = await c.raw('assets/permanent_delete', { asset: a });
    expect(live.status).toBe(422);
    expect(live.body.result.info.reason).toBe('not_deleted');

    await c.call('assets/delete', { asset: a });
    const before = await cursor();
    const r = await c.call('assets/permanent_delete', { asset: a });
    expect(r.result.parent).toBe(rootGid);
    expect(r.data.assets[rootGid]).toBeDefined();
    const ev = await events(before);
    expect(ev.map((e) => e.action)).toEqual(['DELETE', 'DELETE', 'DELETE', 'DELETE']);
    expect(ev.map((e) => e.data_key).sort()).toEqual([a, b, f1, shared].sort());
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM assets WHERE gid = ANY($1::uuid[])', [[a, b, f1, shared]]);
    expect(rows[0].n).toBe(0);
    expect(await store.has(h[f1])).toBe(false);
    expect(await store.has(h[shared])).toBe(true); // still used by `keep`
    expect((await state([keep]))[keep]).toBe('published');
    expect((await c.raw('assets/undelete', { asset: a })).status).toBe(422);
    expect((await c.raw('assets/permanent_delete', { asset: rootGid })).status).toBe(422);
  });
});

describe('trashSubtrees / restoreSubtrees (the batch contract)', () => {
  it('counts per-item outcomes, treats nested roots sensibly, never throws per item', async () => {
    const actor = await actorForKey(t.db, f.users.owner.key);
    const a = await mkdir(rootGid, 'BatchA');
    const a1 = await mkdir(a, 'a1');
    const b = await mkdir(rootGid, 'BatchB');
    const gone = await mkdir(rootGid, 'BatchGone');
    await c.call('assets/delete', { asset: gone });
    const [ia, ia1, ib, igone, iroot] = await Promise.all([a, a1, b, gone, rootGid].map(idOf));
    await seedFiles(t.db, f.projectId, ia1, 50);
    const before = await cursor();
    const out = await withTx(t.db, (tx) => trashSubtrees(tx, actor, [ia, ia1, ib, igone, iroot, 987654321]));
    expect(out).toEqual({ done: 3, failed: { already_deleted: 1, is_root: 1, not_found: 1 } });
    const ev = await events(before);
    expect(ev.filter((e) => e.action === 'DELETE')).toHaveLength(3 + 50);
    expect(ev.filter((e) => e.action === 'UPDATE').map((e) => e.data_key)).toEqual([rootGid]);
    // a1 was trashed by a's delete: restoring a1 alone is refused, with a it counts as done
    expect(await withTx(t.db, (tx) => restoreSubtrees(tx, actor, [ia1]))).toEqual({ done: 0, failed: { parent_deleted: 1 } });
    expect(await withTx(t.db, (tx) => restoreSubtrees(tx, actor, [ia1, ia, ib, iroot, 987654321])))
      .toEqual({ done: 3, failed: { not_deleted: 1, not_found: 1 } });
    expect(await state([a, a1, b, gone])).toEqual({ [a]: 'published', [a1]: 'published', [b]: 'published', [gone]: 'deleted' });
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM assets WHERE parent_id = $1 AND deleted_on IS NULL', [ia1]);
    expect(rows[0].n).toBe(50);
  });

  it('restores a chain of separately trashed roots in one batch, and the lower id wins a name clash', async () => {
    const actor = await actorForKey(t.db, f.users.owner.key);
    const p = await mkdir(rootGid, 'Chain');
    const q = await mkdir(p, 'q');
    const r = await mkdir(q, 'r');
    await c.call('assets/delete', { asset: r });
    await c.call('assets/delete', { asset: q });
    await c.call('assets/delete', { asset: p });
    const [ip, iq, ir] = await Promise.all([p, q, r].map(idOf));
    expect(await withTx(t.db, (tx) => restoreSubtrees(tx, actor, [ir, iq]))).toEqual({ done: 0, failed: { parent_deleted: 2 } });
    expect(await withTx(t.db, (tx) => restoreSubtrees(tx, actor, [ir, iq, ip]))).toEqual({ done: 3, failed: {} });
    expect(await state([p, q, r])).toEqual({ [p]: 'published', [q]: 'published', [r]: 'published' });

    const x1 = await mkdir(rootGid, 'Clash');
    await c.call('assets/delete', { asset: x1 });
    const x2 = await mkdir(rootGid, 'Clash');
    await c.call('assets/delete', { asset: x2 });
    const [i1, i2] = await Promise.all([x1, x2].map(idOf));
    expect(await withTx(t.db, (tx) => restoreSubtrees(tx, actor, [i2, i1]))).toEqual({ done: 1, failed: { name_conflict: 1 } });
    expect(await state([x1, x2])).toEqual({ [x1]: 'published', [x2]: 'deleted' });

    // inside a folder: an old trashed "n" and a newer "n" trashed by the folder's delete
    const box = await mkdir(rootGid, 'ClashBox');
    const oldN = await mkdir(box, 'n');
    await c.call('assets/delete', { asset: oldN });
    const newN = await mkdir(box, 'n');
    await c.call('assets/delete', { asset: box });
    const [ibox, iold] = await Promise.all([box, oldN].map(idOf));
    expect(await withTx(t.db, (tx) => restoreSubtrees(tx, actor, [iold, ibox]))).toEqual({ done: 1, failed: { name_conflict: 1 } });
    expect(await state([box, oldN, newN])).toEqual({ [box]: 'published', [oldN]: 'deleted', [newN]: 'published' });
  });

  it('refuses a viewer actor with forbidden (checked once, by the use case that calls the batch)', async () => {
    const viewer = await actorForKey(t.db, f.users.viewer.key);
    const a = await mkdir(rootGid, 'ViewerTarget');
    await expect(trashCommand(t.db, viewer, 'delete', { asset: a })).rejects.toMatchObject({ kind: 'forbidden' });
    await expect(trashFileCommand(t.db, viewer, a)).rejects.toMatchObject({ kind: 'forbidden' });
    expect(await state([a])).toEqual({ [a]: 'published' });
  });
});
