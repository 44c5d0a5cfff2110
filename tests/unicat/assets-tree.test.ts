// The asset tree through the Unicat API: create, get (all four forms), children, worksheet, tree,
// update and rename, with the change events each mutation writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer, Fixture } from '../helpers/server.ts';
import { openAssetSession, feedSince, feedCursor, createFolder, type AssetSession } from './asset-session.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';

let t: TestServer;
let f: Fixture;
let c: UnicatClient;
let rootGid: string;

const events = (after: number) => feedSince(s, after);
const cursor = () => feedCursor(s);
const mkdir = (parent: string, name?: string) => createFolder(s, parent, name);

let s: AssetSession;
beforeAll(async () => {
  s = await openAssetSession();
  ({ t, f, c, rootGid } = s);
});
afterAll(() => t?.close());

describe('assets/create', () => {
  it('creates a folder, returns it and its parent with the updated childcount, and writes events', async () => {
    const before = await cursor();
    const r = await c.call('assets/create', { parent: rootGid, name: 'Photos' });
    const gid = r.result.asset;
    expect(r.result.parent).toBe(rootGid);
    expect(r.data.assets[gid]).toMatchObject({
      gid, name: 'Photos', pathname: '/Photos', path: '/', is_file: false, type: null, childcount: 0,
      status: 'published', info: { filecount: 0, foldercount: 0 }, transforms: null, title: {}, description: {},
      parent: rootGid, is_deleted: false,
    });
    expect(typeof r.data.assets[gid].updated_on).toBe('number');
    expect(r.data.assets[rootGid].childcount).toBeGreaterThanOrEqual(1);
    expect(await events(before)).toEqual([
      expect.objectContaining({ action: 'INSERT', data_key: gid }),
      expect.objectContaining({ action: 'UPDATE', data_key: rootGid }),
    ]);
  });

  it('gives default names New folder, New folder 2, ... and refuses an explicit duplicate with 422', async () => {
    const box = await mkdir(rootGid, 'Defaults');
    const names = [];
    for (let i = 0; i < 3; i++) {
      const r = await c.call('assets/create', { parent: box });
      names.push(r.data.assets[r.result.asset].name);
    }
    expect(names).toEqual(['New folder', 'New folder 2', 'New folder 3']);
    const dup = await c.raw('assets/create', { parent: box, name: 'New folder 2' });
    expect(dup.status).toBe(422);
    expect(dup.body).toMatchObject({ success: false, result: { code: 422, info: { reason: 'name_conflict' } }, data: {} });
    // case-sensitive: a different case is another name
    expect((await c.raw('assets/create', { parent: box, name: 'new folder 2' })).status).toBe(200);
  });

  it('concurrent creates without a name get distinct default names', async () => {
    const box = await mkdir(rootGid, 'Race');
    const rs = await Promise.all(Array.from({ length: 8 }, () => c.raw('assets/create', { parent: box })));
    expect(rs.map((r) => r.status)).toEqual(Array(8).fill(200));
    const names = rs.map((r) => r.body.data.assets[r.body.result.asset].name).sort();
    expect(names).toEqual(['New folder', 'New folder 2', 'New folder 3', 'New folder 4', 'New folder 5', 'New folder 6', 'New folder 7', 'New folder 8']);
  });

  it('refuses a file as parent, an unknown parent, and a viewer', async () => {
    const unknown = await c.raw('assets/create', { parent: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(422);
    const v = new UnicatClient(t.url, f.projectGid);
    await v.auth(f.users.viewer.key);
    const res = await v.raw('assets/create', { parent: rootGid, name: 'nope' });
    expect(res.status).toBe(403);
    expect(res.body.result.code).toBe(403);
    // the viewer can read
    expect((await v.raw('assets/get', { asset: rootGid })).status).toBe(200);
  });
});

describe('assets/get', () => {
  it('answers the first matching form: asset, assets, pathname, pathnames', async () => {
    const a = await mkdir(rootGid, 'GetA');
    const b = await mkdir(a, 'b');
    const one = await c.call('assets/get', { asset: a, pathname: '/GetA/b' });
    expect(one.result).toEqual({ asset: a });
    expect(Object.keys(one.data.assets)).toEqual([a]);
    const byPath = await c.call('assets/get', { pathname: '/GetA/b', pathnames: ['/GetA'] });
    expect(byPath.result.asset).toBe(b);
    const byPaths = await c.call('assets/get', { pathnames: ['/GetA/b', '/GetA', '/nothing/here'] });
    expect(byPaths.result.assets).toEqual([a, b]);
    expect(byPaths.result.missing).toEqual(['/nothing/here']);
    expect((await c.raw('assets/get', {})).status).toBe(400);
  });

  it('lists assets in tree order then name, omitting unknown gids into result.missing', async () => {
    const top = await mkdir(rootGid, 'Order');
    const z = await mkdir(top, 'z');
    const a = await mkdir(top, 'a');
    const az = await mkdir(a, 'inner');
    const unknown = '11111111-1111-4111-8111-111111111111';
    const r = await c.call('assets/get', { assets: [z, unknown, az, top, a, a.replace(/-/g, '')] });
    expect(r.result.assets).toEqual([top, a, az, z]);
    expect(r.result.missing).toEqual([unknown]);
    expect(Object.keys(r.data.assets).sort()).toEqual([top, a, az, z].sort());
  });

  it('answers 422 for an unknown gid and a pathname that does not exist', async () => {
    expect((await c.raw('assets/get', { asset: '22222222-2222-4222-8222-222222222222' })).status).toBe(422);
    expect((await c.raw('assets/get', { pathname: '/no/such' })).status).toBe(422);
  });
});

describe('children, worksheet and tree', () => {
  let top: string;
  const files: Record<string, string> = {};
  beforeAll(async () => {
    top = await mkdir(rootGid, 'Browse');
    for (const n of ['beta', 'Alpha', 'gamma']) files[n] = (await c.upload({ parent: top }, { name: `${n}.txt`, content: n })).body.result.asset;
    for (const n of ['zeta', 'Eta', 'delta']) files[n] = await mkdir(top, n);
  });

  it('children: folders first, then by name, paged with children.size', async () => {
    const r = await c.call('assets/children', { asset: top });
    expect(r.result.children).toEqual([files.delta, files.Eta, files.zeta, files.Alpha, files.beta, files.gamma]);
    expect(r.result['children.size']).toBe(6);
    expect(r.data.assets[top].childcount).toBe(6);
    expect(r.data.assets[top].info).toEqual({ filecount: 3, foldercount: 3 });
    const p = await c.call('assets/children', { pathname: '/Browse', 'page.top': 2, 'page.size': 3 });
    expect(p.result.children).toEqual([files.zeta, files.Alpha, files.beta]);
    expect(p.result['children.size']).toBe(6);
    const empty = await c.call('assets/children', { asset: files.zeta });
    expect(empty.result).toEqual({ children: [], 'children.size': 0 });
    expect((await c.raw('assets/children', { asset: top, 'page.size': 0 })).status).toBe(400);
    expect((await c.raw('assets/children', { asset: top, 'page.top': -1 })).status).toBe(400);
  });

  it('worksheet: the asset, the path from the root, children paged by 20 by default', async () => {
    const deep = await mkdir(files.delta, 'deep');
    for (let i = 0; i < 25; i++) await mkdir(deep, `f${String(i).padStart(2, '0')}`);
    const r = await c.call('assets/worksheet', { asset: deep });
    expect(r.result.asset).toBe(deep);
    expect(r.result.path).toEqual([rootGid, top, files.delta, deep]);
    expect(r.result.children).toHaveLength(20);
    expect(r.result['children.size']).toBe(25);
    expect(r.data.assets[r.result.children[0]].name).toBe('f00');
    expect((await c.raw('assets/worksheet', { asset: '33333333-3333-4333-8333-333333333333' })).status).toBe(422);
    expect((await c.raw('assets/worksheet', {})).status).toBe(400);
  });

  it('tree: root, children of expanded folders depth first, clamped window', async () => {
    const r = await c.call('assets/tree', { expanded_assets: [top, files.zeta] });
    const names = r.result.tree.map((g: string) => r.data.assets[g].pathname);
    const i = names.indexOf('/Browse');
    expect(names[0]).toBe('/');
    expect(names.slice(i, i + 7)).toEqual(['/Browse', '/Browse/delta', '/Browse/Eta', '/Browse/zeta', '/Browse/Alpha.txt', '/Browse/beta.txt', '/Browse/gamma.txt']);
    // delta is not expanded: its child does not show
    expect(names).not.toContain('/Browse/delta/deep');
    const total = r.result['tree.size'];
    expect(total).toBe(r.result.tree.length);
    const byPath = await c.call('assets/tree', { expanded_paths: ['/Browse', '/Browse/delta'] });
    expect(byPath.result.tree.map((g: string) => byPath.data.assets[g].pathname)).toContain('/Browse/delta/deep');
    // clamping: a window past the end moves back
    const w = await c.call('assets/tree', { expanded_assets: [top], 'page.top': total - 1, 'page.size': 3 });
    expect(w.result.tree).toEqual(r.result.tree.slice(total - 3));
    expect(w.result['tree.top']).toBe(total - 3);
  });
});

describe('assets/update', () => {
  it('merges title and description per language and removes a language sent as null', async () => {
    const a = await mkdir(rootGid, 'Titled');
    await c.call('assets/update', { asset: a, title: { en: 'Hello', nl: 'Hallo' } });
    const r = await c.call('assets/update', { asset: a, title: { nl: null, de: 'Hallo!' }, description: { en: 'd' } });
    expect(r.data.assets[a].title).toEqual({ en: 'Hello', de: 'Hallo!' });
    expect(r.data.assets[a].description).toEqual({ en: 'd' });
    expect(r.data.assets[a].name).toBe('Titled');
    expect((await c.raw('assets/update', { asset: a })).status).toBe(400);
    expect((await c.raw('assets/update', { asset: a, title: 'x' })).status).toBe(400);
  });

  it('a rename rewrites the pathname of the whole subtree and writes an UPDATE per row', async () => {
    const a = await mkdir(rootGid, 'Old');
    const b = await mkdir(a, 'b');
    const cc = await mkdir(b, 'c');
    const trashed = await mkdir(b, 'gone');
    await c.call('assets/delete', { asset: trashed });
    const before = await cursor();
    const r = await c.call('assets/update', { asset: a, name: 'New' });
    expect(r.data.assets[a].pathname).toBe('/New');
    const got = await c.call('assets/get', { assets: [b, cc, trashed] });
    expect(got.result.assets.map((g: string) => got.data.assets[g].pathname)).toEqual(['/New/b', '/New/b/c', '/New/b/gone']);
    expect(got.data.assets[cc].path).toBe('/New/b');
    const ev = await events(before);
    expect(ev.map((e) => e.action)).toEqual(['UPDATE', 'UPDATE', 'UPDATE', 'UPDATE']);
    expect(ev.map((e) => e.data_key).sort()).toEqual([a, b, cc, trashed].sort());
    // the trashed one comes back under the new name
    await c.call('assets/undelete', { asset: trashed });
    expect((await c.call('assets/get', { pathname: '/New/b/gone' })).result.asset).toBe(trashed);
  });

  it('refuses a rename onto a live sibling (422), bad names (400), and the root (422)', async () => {
    const a = await mkdir(rootGid, 'R1');
    await mkdir(rootGid, 'R2');
    expect((await c.raw('assets/update', { asset: a, name: 'R2' })).status).toBe(422);
    for (const bad of ['', 'a/b', '.', '..', 'x'.repeat(256), 'tab\there', 42]) {
      const res = await c.raw('assets/update', { asset: a, name: bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await c.raw('assets/update', { asset: a, name: 'é'.repeat(255) })).status).toBe(200);
    const root = await c.raw('assets/update', { asset: rootGid, name: 'x' });
    expect(root.status).toBe(422);
    expect(root.body.result.info.reason).toBe('is_root');
  });
});
