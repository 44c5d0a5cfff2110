// assets/move and moveSubtrees: subtree moves rewrite path and pathname in one pass, refuse cycles,
// files as parents, the root and name clashes, and write an UPDATE per changed asset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer, Fixture } from '../helpers/server.ts';
import { openAssetSession, feedSince, feedCursor, createFolder, type AssetSession } from './asset-session.ts';
import type { UnicatClient } from '../helpers/unicat-client.ts';
import { withTx } from '../../src/db/pool.ts';
import { actorForKey } from '../../src/core/keys.ts';
import { moveSubtrees } from '../../src/core/assets/move.ts';
import { assetIdsByGids } from '../../src/core/assets/read.ts';

let t: TestServer;
let f: Fixture;
let c: UnicatClient;
let rootGid: string;

const events = (after: number) => feedSince(s, after);
const cursor = () => feedCursor(s);
const mkdir = (parent: string, name?: string) => createFolder(s, parent, name);
async function pathnames(gids: string[]) {
  const r = await c.call('assets/get', { assets: gids });
  return gids.map((g) => r.data.assets[g].pathname);
}
async function snapshot() {
  const { rows } = await t.db.query('SELECT id, parent_id, path, pathname, depth, deleted_on FROM assets WHERE project_id = $1 ORDER BY id', [f.projectId]);
  return rows;
}
const ids = async (gids: string[]) => { const m = (await assetIdsByGids(t.db, f.projectId, gids)).byGid; return gids.map((g) => m.get(g)!); };

let s: AssetSession;
beforeAll(async () => {
  s = await openAssetSession();
  ({ t, f, c, rootGid } = s);
});
afterAll(() => t?.close());

describe('assets/move', () => {
  it('moves a subtree (trashed rows included), with UPDATE events for every row and both parents', async () => {
    const src = await mkdir(rootGid, 'Src');
    const dst = await mkdir(rootGid, 'Dst');
    const a = await mkdir(src, 'a');
    const b = await mkdir(a, 'b');
    const file = (await c.upload({ parent: b }, { name: 'pic.jpg', content: 'jpeg' })).body.result.asset;
    const trashed = await mkdir(a, 'trashed');
    await c.call('assets/delete', { asset: trashed });
    const before = await cursor();
    const r = await c.call('assets/move', { asset: a, parent: dst });
    expect(r.result).toEqual({ parent: dst, asset: a });
    expect(r.data.assets[dst].childcount).toBe(1);
    expect(r.data.assets[src].childcount).toBe(0);
    expect(r.data.assets[a]).toMatchObject({ pathname: '/Dst/a', path: '/Dst', parent: dst });
    expect(await pathnames([b, file, trashed])).toEqual(['/Dst/a/b', '/Dst/a/b/pic.jpg', '/Dst/a/trashed']);
    const ev = await events(before);
    expect(ev.every((e) => e.action === 'UPDATE')).toBe(true);
    expect(ev.map((e) => e.data_key).sort()).toEqual([a, b, file, trashed, src, dst].sort());
    // the trashed row comes back at its new place
    await c.call('assets/undelete', { asset: trashed });
    expect((await c.call('assets/get', { pathname: '/Dst/a/trashed' })).result.asset).toBe(trashed);
    // internal paths and depths are consistent: every row's path is its parent's path + its id
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS bad FROM assets a JOIN assets p ON p.id = a.parent_id
       WHERE a.project_id = $1 AND (a.path <> p.path || a.id || '/' OR a.depth <> p.depth + 1
         OR a.pathname <> (CASE WHEN p.pathname = '/' THEN '' ELSE p.pathname END) || '/' || a.name)`, [f.projectId]);
    expect(rows[0].bad).toBe(0);
  });

  it('refuses a move into its own subtree, under a file, of the root, onto a clashing name, changing nothing', async () => {
    const a = await mkdir(rootGid, 'Cyc');
    const b = await mkdir(a, 'b');
    const file = (await c.upload({ parent: rootGid }, { name: 'plain.txt', content: 'p' })).body.result.asset;
    await mkdir(b, 'Cyc2');
    const cyc2 = await mkdir(rootGid, 'Cyc2');
    const before = await snapshot();
    const cur = await cursor();
    const cases: [unknown, unknown, number, string | undefined][] = [
      [a, b, 422, 'into_own_subtree'],
      [a, a, 422, 'into_own_subtree'],
      [a, file, 422, 'parent_not_folder'],
      [rootGid, a, 422, 'is_root'],
      [cyc2, b, 422, 'name_conflict'],
      [a, '44444444-4444-4444-8444-444444444444', 422, undefined],
      ['not-a-gid', b, 400, undefined],
    ];
    for (const [asset, parent, status, reason] of cases) {
      const r = await c.raw('assets/move', { asset, parent });
      expect(r.status, `${asset} -> ${parent}`).toBe(status);
      expect(r.body.success).toBe(false);
      if (reason) expect(r.body.result.info.reason).toBe(reason);
    }
    expect(await snapshot()).toEqual(before);
    expect(await cursor()).toBe(cur);
  });

  it('moving to the current parent is a no-op that succeeds', async () => {
    const a = await mkdir(rootGid, 'Stay');
    const cur = await cursor();
    await c.call('assets/move', { asset: a, parent: rootGid });
    expect(await cursor()).toBe(cur);
  });
});

describe('moveSubtrees (the batch contract)', () => {
  it('puts every requested asset directly under the new parent, nested ones included, with per-item outcomes', async () => {
    const actor = await actorForKey(t.db, f.users.owner.key);
    const x = await mkdir(rootGid, 'X');
    const x1 = await mkdir(x, 'x1');
    const x11 = await mkdir(x1, 'x11');
    const y = await mkdir(rootGid, 'Y');
    const dupe1 = await mkdir(x, 'same');
    const dupe2 = await mkdir(x1, 'same');
    const del = await mkdir(rootGid, 'Del');
    await c.call('assets/delete', { asset: del });
    const target = await mkdir(rootGid, 'Target');
    const inside = await mkdir(y, 'inside');
    const [ix, ix11, iy, id1, id2, idel, itarget, iinside, iroot] = await ids([x, x11, y, dupe1, dupe2, del, target, inside, rootGid]);
    const out = await withTx(t.db, (tx) => moveSubtrees(tx, actor, [ix, ix11, id1, id2, idel, iroot, 123456789], itarget));
    expect(out).toEqual({ done: 3, failed: { deleted: 1, is_root: 1, not_found: 1, name_conflict: 1 } });
    expect(await pathnames([x, x1, x11, dupe1, dupe2])).toEqual(['/Target/X', '/Target/X/x1', '/Target/x11', '/Target/same', '/Target/X/x1/same']);
    // into its own subtree: refused per item; a parent that is not a live folder: thrown
    expect(await withTx(t.db, (tx) => moveSubtrees(tx, actor, [iy], iinside))).toEqual({ done: 0, failed: { into_own_subtree: 1 } });
    await expect(withTx(t.db, (tx) => moveSubtrees(tx, actor, [iy], idel))).rejects.toMatchObject({ kind: 'rule' });
    await expect(withTx(t.db, (tx) => moveSubtrees(tx, actor, [iy], 987654321))).rejects.toMatchObject({ kind: 'not_found' });
  });
});
