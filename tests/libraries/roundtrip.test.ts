// One core, visible (issue 3 §4), Uplynk side: assets created through the Unicat API are added
// by the same gids through Uplynk; an asset in the trash (Unicat assets/delete) stays a member but
// is hidden from the member list until assets/undelete; a permanently deleted asset
// (assets/permanent_delete) leaves every library, with its libraries_assets DELETE event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { UplynkClient } from '../uplynk/client.ts';

let t: TestServer;
let f: Fixture;
let u: UnicatClient;
let up: UplynkClient;

beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner', other: 'editor' });
  u = new UnicatClient(t.url, f.projectGid);
  expect((await u.auth(f.users.owner.key)).status).toBe(200);
  up = new UplynkClient(t.url, f.users.owner.gid, f.users.owner.key);
});
afterAll(() => t?.close());

async function rowsOf(libraryId: string): Promise<string[]> {
  const { rows } = await t.db.query(
    `SELECT la.asset_gid::text AS g FROM library_assets la JOIN libraries l ON l.id = la.library_id WHERE l.gid = $1 ORDER BY 1`, [libraryId]);
  return rows.map((r) => r.g);
}

describe('one core: Unicat assets in Uplynk libraries', () => {
  it('adds Unicat-created assets by their gids; trash hides, undelete shows, permanent delete removes', async () => {
    const root = (await u.call('assets/get', { pathname: '/' })).result.asset as string;
    const folder = (await u.call('assets/create', { parent: root, name: 'Clips' })).result.asset as string;
    const up1 = await u.upload({ parent: folder }, { name: 'one.jpg', content: 'first', type: 'image/jpeg' });
    const up2 = await u.upload({ parent: folder }, { name: 'two.jpg', content: 'second', type: 'image/jpeg' });
    expect([up1.status, up2.status]).toEqual([200, 200]);
    const a = up1.body.result.asset as string;
    const b = up2.body.result.asset as string;

    const lib = await up.createLibrary('Round trip');
    // the folder cannot be a member; the files can, in either id form
    expect((await up.patch(`/libraries/${lib.id}/assets`, { asset_ids: [a, folder] })).status).toBe(400);
    const add = await up.patch(`/libraries/${lib.id}/assets`, { asset_ids: [a, b.replace(/-/g, '')] });
    expect(add.status).toBe(200);
    expect(add.body.added).toBe(2);
    const list = await up.get(`/libraries/${lib.id}/assets`);
    expect(list.body.items.map((x: any) => x.id).sort()).toEqual([a, b].sort());
    expect(list.body.items.find((x: any) => x.id === a)).toMatchObject({ desc: 'one.jpg', pathname: '/Clips/one.jpg' });

    // trash: still a member, hidden from the list and the count
    await u.call('assets/delete', { asset: a });
    expect(await rowsOf(lib.id)).toEqual([a, b].sort());
    const hidden = await up.get(`/libraries/${lib.id}/assets`);
    expect(hidden.body.items.map((x: any) => x.id)).toEqual([b]);
    expect(hidden.body.total_items).toBe(1);
    expect((await up.get(`/libraries/${lib.id}`)).body.asset_count).toBe(1);
    // a trashed asset cannot be added elsewhere
    const lib2 = await up.createLibrary('Second');
    expect((await up.patch(`/libraries/${lib2.id}/assets`, { asset_id: a })).body.error?.code).toBe('deleted_asset');
    expect((await up.patch(`/libraries/${lib2.id}/assets`, { asset_id: b })).status).toBe(200);

    // undelete: visible again
    await u.call('assets/undelete', { asset: a });
    expect((await up.get(`/libraries/${lib.id}/assets`)).body.total_items).toBe(2);

    // permanent delete: b leaves both libraries, with DELETE events in the feed
    await u.call('assets/delete', { asset: b });
    await u.call('assets/permanent_delete', { asset: b });
    expect(await rowsOf(lib.id)).toEqual([a]);
    expect(await rowsOf(lib2.id)).toEqual([]);
    const { rows } = await t.db.query(
      `SELECT data_key FROM changes WHERE project_id = $1 AND data_type = 'libraries_assets' AND action = 'DELETE' ORDER BY data_key`, [f.projectId]);
    expect(rows.map((r) => r.data_key)).toEqual([`${lib.id}/${b}`, `${lib2.id}/${b}`].sort());
    const after = await up.get(`/libraries/${lib.id}/assets`);
    expect(after.body.items.map((x: any) => x.id)).toEqual([a]);
    // and it is unknown from now on
    expect((await up.patch(`/libraries/${lib.id}/assets`, { asset_id: b })).status).toBe(404);
  });

  it('a library made through Uplynk is the same collection through Oracle, with the same asset ids', async () => {
    const root = (await u.call('assets/get', { pathname: '/' })).result.asset as string;
    const file = (await u.upload({ parent: root }, { name: 'shared.jpg', content: 'x', type: 'image/jpeg' })).body.result.asset as string;
    const lib = await up.createLibrary('Seen by all');
    expect((await up.patch(`/libraries/${lib.id}/assets`, { asset_id: file })).status).toBe(200);
    expect((await up.req('PUT', `/libraries/${lib.id}/shares/${f.users.other.gid}`, { body: { role: 'viewer' } })).status).toBe(200);
    const basic = (alias: string) => ({ authorization: `Basic ${Buffer.from(`${f.users[alias].email}:${f.users[alias].key}`).toString('base64')}`, accept: 'application/json' });
    const oracle = async (alias: string, path: string) => {
      const res = await fetch(`${t.url}/documents/api/1.1${path}`, { headers: basic(alias) });
      return { status: res.status, body: (await res.json()) as any };
    };
    const files = await oracle('owner', `/collections/${lib.id}/files`);
    expect(files.status).toBe(200);
    expect(files.body.items.map((x: any) => x.id)).toEqual([file]);
    const mine = await oracle('owner', '/collections/items');
    expect(mine.body.items.map((x: any) => x.id)).toContain(lib.id);
    const theirs = await oracle('other', '/collections/items');
    expect(theirs.body.items.find((x: any) => x.id === lib.id)).toMatchObject({ name: 'Seen by all' });
    expect((await up.del(`/libraries/${lib.id}`)).status).toBe(204);
    expect((await oracle('owner', `/collections/${lib.id}/files`)).status).toBe(404);
  });
});
