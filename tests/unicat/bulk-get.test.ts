import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { rootOf, seedFolder, seedFiles, childGids } from '../helpers/seed.ts';

let t: TestServer;
let f: Fixture;
let c: UnicatClient;
let folderA: { id: number; gid: string };
let folderB: { id: number; gid: string };
let aGids: string[];
let bGids: string[];

async function pageAll(client: UnicatClient, selection: unknown, size: number) {
  const seen: string[] = [];
  const sizes: number[] = [];
  let cursor: string | null | undefined;
  for (let i = 0; i < 10_000; i++) {
    const body: Record<string, unknown> = { selection, 'page.size': size };
    if (cursor) body['page.cursor'] = cursor;
    const { result, data } = await client.call('assets/bulk/get', body);
    for (const g of result.assets) expect(data.assets[g]).toMatchObject({ gid: g });
    seen.push(...result.assets);
    sizes.push(result['assets.size']);
    cursor = result['page.cursor'];
    if (cursor === null) break;
  }
  return { seen, sizes };
}

beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner', viewer: 'viewer' });
  folderA = await seedFolder(t.db, f.projectId, 'a');
  folderB = await seedFolder(t.db, f.projectId, 'b');
  await seedFiles(t.db, f.projectId, folderA.id, 250, 'a-');
  await seedFiles(t.db, f.projectId, folderB.id, 30, 'b-');
  aGids = await childGids(t.db, folderA.id);
  bGids = await childGids(t.db, folderB.id);
  c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
});
afterAll(() => t?.close());

describe('assets/bulk/get', () => {
  it('pages through the children of a folder, each asset once, cursor null at the end', async () => {
    const { seen, sizes } = await pageAll(c, [{ children: folderA.gid }], 40);
    expect(seen.length).toBe(250);
    expect(new Set(seen).size).toBe(250);
    expect(new Set(seen)).toEqual(new Set(aGids));
    expect(sizes.every((s) => s === 250)).toBe(true);
    expect(sizes.length).toBe(7);
  });

  it('defaults page.size to 100 and returns the rendered assets in data', async () => {
    const { result, data } = await c.call('assets/bulk/get', { selection: [{ children: folderA.gid }] });
    expect(result.assets.length).toBe(100);
    expect(result['assets.size']).toBe(250);
    expect(typeof result['page.cursor']).toBe('string');
    const a = data.assets[result.assets[0]];
    expect(a).toMatchObject({ is_file: true, type: 'image' });
    expect(a.pathname).toMatch(/^\/a\/a-\d+\.jpg$/);
    expect(Object.keys(data.assets).length).toBe(100);
  });

  it('unions mixed entries, each asset once; exclude applies to its own entry only', async () => {
    const sel = [
      aGids[0], aGids[1], bGids[0],
      { children: folderA.gid, exclude: [aGids[0], aGids[2], aGids[3]] },
      { children: folderB.gid, exclude: [bGids[1]] },
      folderB.gid,
    ];
    const { seen, sizes } = await pageAll(c, sel, 33);
    // A: all 250 (aGids[0] comes back through its gid entry; 2 and 3 are excluded), B: 29, plus folder B itself
    const expected = new Set([...aGids.filter((g) => g !== aGids[2] && g !== aGids[3]), ...bGids.filter((g) => g !== bGids[1]), folderB.gid]);
    expect(seen.length).toBe(expected.size);
    expect(new Set(seen)).toEqual(expected);
    expect(sizes[0]).toBe(expected.size);
  });

  it('counts unknown gids in assets.size at first and drops them when a page meets them', async () => {
    const unknown = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
    const other = await createFixture(t.db);
    const otherRoot = await rootOf(t.db, other.projectId);
    const sel = [...unknown, otherRoot.gid, bGids[0], bGids[1], bGids[2]];
    const r1 = await c.call('assets/bulk/get', { selection: sel, 'page.size': 2 });
    expect(r1.result['assets.size']).toBe(6);
    expect(r1.result.assets.length).toBe(2);
    const r2 = await c.call('assets/bulk/get', { selection: sel, 'page.size': 2, 'page.cursor': r1.result['page.cursor'] });
    // the third known asset and one unknown gid: the page is shorter than page.size
    expect(r2.result.assets.length).toBe(1);
    expect(r2.result['assets.size']).toBe(5);
    const r3 = await c.call('assets/bulk/get', { selection: sel, 'page.size': 2, 'page.cursor': r2.result['page.cursor'] });
    expect(r3.result.assets).toEqual([]);
    expect(r3.result['assets.size']).toBe(3);
    expect(r3.result['page.cursor']).toBe(null);
    expect([...r1.result.assets, ...r2.result.assets].sort()).toEqual([bGids[0], bGids[1], bGids[2]].sort());
  });

  it('is stable while others delete and insert: survivors are returned exactly once', async () => {
    const folder = await seedFolder(t.db, f.projectId, 'stable');
    await seedFiles(t.db, f.projectId, folder.id, 500, 's-');
    const all = await childGids(t.db, folder.id);
    const sel = [{ children: folder.gid }];
    const seen: string[] = [];
    const deleted = new Set<string>();
    let cursor: string | null = null;
    let round = 0;
    do {
      const body: Record<string, unknown> = { selection: sel, 'page.size': 37 };
      if (cursor) body['page.cursor'] = cursor;
      const { result } = await c.call('assets/bulk/get', body);
      seen.push(...result.assets);
      cursor = result['page.cursor'];
      round++;
      // delete two already-seen assets and three not yet seen, and insert new ones
      const seenSet = new Set(seen);
      const victims = [
        ...seen.filter((g) => !deleted.has(g)).slice(0, 2),
        ...all.filter((g) => !seenSet.has(g) && !deleted.has(g)).slice(round * 7 % 50, round * 7 % 50 + 3),
      ];
      victims.forEach((g) => deleted.add(g));
      await t.db.query('UPDATE assets SET deleted_on = now(), deleted_root = id WHERE gid = ANY($1::uuid[])', [victims]);
      await seedFiles(t.db, f.projectId, folder.id, 3, `new-${round}-`);
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length); // nothing repeated
    const seenSet = new Set(seen);
    const survivors = all.filter((g) => !deleted.has(g));
    for (const g of survivors) expect(seenSet.has(g)).toBe(true); // nothing skipped
    for (const g of seen) expect(deleted.has(g) && !all.includes(g)).toBe(false);
    expect(deleted.size).toBeGreaterThan(40);
  });

  it('leaves trashed children out but resolves a trashed gid entry', async () => {
    const folder = await seedFolder(t.db, f.projectId, 'trash');
    await seedFiles(t.db, f.projectId, folder.id, 5, 't-');
    const g = await childGids(t.db, folder.id);
    await t.db.query('UPDATE assets SET deleted_on = now(), deleted_root = id WHERE gid = $1', [g[0]]);
    const kids = await c.call('assets/bulk/get', { selection: [{ children: folder.gid }] });
    expect(kids.result.assets.sort()).toEqual(g.slice(1).sort());
    const byGid = await c.call('assets/bulk/get', { selection: [g[0]] });
    expect(byGid.result.assets).toEqual([g[0]]);
    expect(byGid.data.assets[g[0]].is_deleted).toBe(true);
  });

  it('lets a viewer read', async () => {
    const v = new UnicatClient(t.url, f.projectGid);
    await v.auth(f.users.viewer.key);
    const { result } = await v.call('assets/bulk/get', { selection: [{ children: folderB.gid }] });
    expect(result['assets.size']).toBe(30);
  });
});

describe('assets/bulk/get bad input', () => {
  const expect1006 = async (body: unknown, infoMatch?: Record<string, unknown>) => {
    const res = await c.raw('assets/bulk/get', body);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.success).toBe(false);
    expect(res.body.result.code).toBe(1006);
    if (infoMatch) expect(res.body.result.info).toMatchObject(infoMatch);
    return res.body.result;
  };

  it('refuses ill-formed selections with 1006 naming the entry', async () => {
    await expect1006({ selection: 'abc' }, { reason: 'not a list' });
    await expect1006({ selection: { children: folderA.gid } }, { reason: 'not a list' });
    await expect1006({ selection: [aGids[0], 'not-a-gid'] }, { index: 1 });
    await expect1006({ selection: [aGids[0], 42] }, { index: 1 });
    await expect1006({ selection: [null] }, { index: 0 });
    await expect1006({ selection: [{ children: folderA.gid, extra: 1 }] }, { index: 0, key: 'extra' });
    await expect1006({ selection: [{}] }, { index: 0 });
    await expect1006({ selection: [{ children: 'x' }] }, { index: 0, field: 'children' });
    await expect1006({ selection: [aGids[0], { children: folderA.gid, exclude: aGids[1] }] }, { index: 1, field: 'exclude' });
    await expect1006({ selection: [{ children: folderA.gid, exclude: ['nope'] }] }, { index: 0, field: 'exclude' });
    await expect1006({ selection: [{ children: folderA.gid, search: { language: 'en', q: 'x' } }] }, { index: 0 });
    await expect1006({ selection: [{ search: 'x' }] }, { index: 0, field: 'search' });
    await expect1006({ selection: [{ search: { q: 'x' } }] }, { index: 0, field: 'search.language' });
    await expect1006({ selection: [{ search: { language: 'en', q: 'x', sort: 1 } }] }, { index: 0 });
    await expect1006({ selection: [{ search: { language: 'en', filter: ['colour', 'is', 'red'] } }] }, { index: 0, property: 'colour' });
    await expect1006({ selection: [{ search: { language: 'en', filter: ['size', 'like', 3] } }] }, { index: 0, property: 'size', operator: 'like' });
  });

  it('refuses children of a file or of an unknown asset with 1006', async () => {
    await expect1006({ selection: [bGids[0], { children: aGids[0] }] }, { index: 1 });
    await expect1006({ selection: [{ children: '00000000-0000-4000-8000-00000000000a' }] }, { index: 0 });
  });

  it('refuses malformed cursors and cursors of another selection with 1006', async () => {
    const sel = [{ children: folderA.gid }];
    const { result } = await c.call('assets/bulk/get', { selection: sel, 'page.size': 10 });
    const cur = result['page.cursor'];
    for (const bad of ['x', '!!!', Buffer.from('{"v":1}').toString('base64url'), cur.slice(0, -3), Buffer.from('[1,2]').toString('base64url')]) {
      await expect1006({ selection: sel, 'page.cursor': bad }, { field: 'page.cursor' });
    }
    await expect1006({ selection: [{ children: folderB.gid }], 'page.cursor': cur }, { field: 'page.cursor' });
    // a cursor of the same selection in another project is refused too
    const other = await createFixture(t.db);
    const oc = new UnicatClient(t.url, other.projectGid);
    await oc.auth(other.users.owner.key);
    const res = await oc.raw('assets/bulk/get', { selection: [], 'page.cursor': cur });
    expect(res.body.result.code).toBe(1006);
  });

  it('answers 400 for a missing selection or wrong top-level types', async () => {
    for (const body of [{}, { selection: [], 'page.size': 'ten' }, { selection: [], 'page.size': 0 }, { selection: [], 'page.size': 100000 }, { selection: [], 'page.cursor': 5 }]) {
      const res = await c.raw('assets/bulk/get', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.result.code).toBe(400);
    }
  });

  it('never answers 500 to garbage', async () => {
    const garbage: unknown[] = [
      null, 0, true, 'x'.repeat(10_000), [[]], [[aGids[0]]], [{ children: null }], [{ children: [folderA.gid] }],
      [{ search: null }], [{ search: { language: null } }], [{ search: { language: 'en', q: 7 } }],
      [{ search: { language: 'en', filter: 'type' } }], [{ search: { language: 'en', filter: ['and', '', [[[[]]]]] } }],
      [{ search: { language: 'en', filter: ['updated_on', 'between', [-1e300, 1e300]] } }],
      [{ search: { language: 'en', q: 'a\u0000b' } }], [{ search: { language: 'en', q: '"' } }],
      [{ search: { language: 'x'.repeat(100), q: 'x' } }], [{ exclude: [] }], [{ children: folderA.gid, exclude: [null] }],
    ];
    for (const selection of garbage) {
      const res = await c.raw('assets/bulk/get', { selection });
      expect([200, 400, 422], JSON.stringify(selection).slice(0, 80)).toContain(res.status);
      expect(res.body.success, JSON.stringify(selection).slice(0, 80)).toBe(res.status === 200);
    }
    for (const raw of ['{"selection": [', '[]', '"x"']) {
      const res = await c.raw('assets/bulk/get', raw);
      expect(res.status).toBe(400);
    }
  });

  it('answers an empty selection with an empty page', async () => {
    const { result } = await c.call('assets/bulk/get', { selection: [] });
    expect(result).toEqual({ assets: [], 'assets.size': 0, 'page.cursor': null });
  });
});
