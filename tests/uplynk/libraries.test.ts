// Uplynk v4 library calls: create, get, list (paging, search, order, library_type,
// include_deleted), update, trash and restore, sharing and what each role may do, feed events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UplynkClient } from './client.ts';

let t: TestServer;
let f: Fixture;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner', alice: 'editor', bob: 'editor', carol: 'editor', viewer: 'viewer' });
});
afterAll(() => t?.close());

const c = (alias: string) => new UplynkClient(t.url, f.users[alias].gid, f.users[alias].key);

async function events(dataType: string, key: string) {
  const { rows } = await t.db.query('SELECT action FROM changes WHERE project_id = $1 AND data_type = $2 AND data_key = $3 ORDER BY cursor', [f.projectId, dataType, key]);
  return rows.map((r) => r.action);
}

describe('uplynk libraries', () => {
  it('creates a library with the documented shape and defaults', async () => {
    const r = await c('owner').post('/libraries', { desc: 'Marketing Library', allow_copy: true });
    expect(r.status).toBe(200);
    const id = r.body.id;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(r.body).toMatchObject({
      '@id': `/api/v4/libraries/${id}`, '@type': 'Library', id, desc: 'Marketing Library',
      owner_name: f.users.owner.email, library_type: 'owner', is_ad: false, allow_copy: true, asset_count: 0, deleted: false,
    });
    expect(r.body.created).toMatch(ISO);
    expect(await events('libraries', id)).toEqual(['INSERT']);
    const got = await c('owner').get(`/libraries/${id.replace(/-/g, '')}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(r.body);
  });

  it('refuses a create without desc, with wrong types or unknown fields (400), by a project viewer (403)', async () => {
    const before = (await t.db.query('SELECT count(*)::int AS n FROM libraries')).rows[0].n;
    for (const b of [{}, { desc: '' }, { desc: 12 }, { desc: 'x', is_ad: 'yes' }, { desc: 'x', colour: 'red' }]) {
      const r = await c('owner').post('/libraries', b);
      expect([JSON.stringify(b), r.status]).toEqual([JSON.stringify(b), 400]);
      expect(r.body['@type']).toBe('Error');
    }
    const v = await c('viewer').post('/libraries', { desc: 'nope' });
    expect(v.status).toBe(403);
    expect(v.body.error.status).toBe(403);
    expect((await t.db.query('SELECT count(*)::int AS n FROM libraries')).rows[0].n).toBe(before);
  });

  it('404 for a missing library, 400 for a malformed id', async () => {
    const r = await c('owner').get('/libraries/00000000-0000-4000-8000-000000000000');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ '@type': 'Error', error: { status: 404, code: 'not_found' } });
    expect((await c('owner').get('/libraries/not-an-id')).status).toBe(400);
    expect((await c('owner').del('/libraries/7a08bca2')).status).toBe(400);
  });

  it('updates desc, allow_copy and is_ad (PATCH), with an UPDATE event', async () => {
    const lib = await c('owner').createLibrary('Old name');
    const r = await c('owner').patch(`/libraries/${lib.id}`, { desc: 'Updated Library Name', allow_copy: false, is_ad: true });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: lib.id, desc: 'Updated Library Name', allow_copy: false, is_ad: true, library_type: 'owner' });
    expect((await c('owner').get(`/libraries/${lib.id}`)).body.desc).toBe('Updated Library Name');
    expect(await events('libraries', lib.id)).toEqual(['INSERT', 'UPDATE']);
    expect((await c('owner').patch(`/libraries/${lib.id}`, { desc: '' })).status).toBe(400);
    expect((await c('owner').patch(`/libraries/${lib.id}`, { nope: 1 })).status).toBe(400);
  });

  it('lists with paging, search, order, library_type and total_items', async () => {
    const u = c('carol');
    for (const n of ['Gamma', 'alpha', 'Beta']) await u.createLibrary(n);
    const shared = await c('bob').createLibrary('Bob shares');
    expect((await c('bob').req('PUT', `/libraries/${shared.id}/shares/${f.users.carol.gid}`, { body: { role: 'viewer' } })).status).toBe(200);

    const all = await u.get('/libraries');
    expect(all.status).toBe(200);
    expect(all.body['@id']).toBe('/api/v4/libraries');
    expect(all.body['@type']).toBe('Collection');
    expect(all.body.total_items).toBe(4);
    expect(all.body.items.map((l: any) => l.desc)).toEqual(['Gamma', 'alpha', 'Beta', 'Bob shares']);
    expect(all.body.items[3]).toMatchObject({ library_type: 'shared', owner_name: f.users.bob.email, access: 'viewer' });

    const p2 = await u.get('/libraries', { query: { page: '2', page_size: '2', order: 'desc' } });
    expect(p2.body.items.map((l: any) => l.desc)).toEqual(['Bob shares', 'Gamma']);
    expect(p2.body.total_items).toBe(4);
    const rev = await u.get('/libraries', { query: { order: '-desc' } });
    expect(rev.body.items[0].desc).toBe('Gamma');
    const newest = await u.get('/libraries', { query: { order: '-created', page_size: '1' } });
    expect(newest.body.items.map((l: any) => l.desc)).toEqual(['Bob shares']);
    const own = await u.get('/libraries', { query: { library_type: 'owner' } });
    expect(own.body.total_items).toBe(3);
    const sh = await u.get('/libraries', { query: { library_type: 'shared' } });
    expect(sh.body.items.map((l: any) => l.desc)).toEqual(['Bob shares']);
    const s = await u.get('/libraries', { query: { search: 'ET' } });
    expect(s.body.items.map((l: any) => l.desc)).toEqual(['Beta']);
    expect((await u.get('/libraries', { query: { search: '%' } })).body.total_items).toBe(0);

    const bad: Record<string, string>[] = [{ page: '0' }, { page_size: '0' }, { page_size: '5000' }, { page: 'x' }, { order: 'name' }, { library_type: 'mine' }, { include_deleted: 'maybe' }, { after: 'yesterday' }];
    for (const q of bad) {
      const r = await u.get('/libraries', { query: q });
      expect([q, r.status]).toEqual([q, 400]);
    }
  });

  it('DELETE sends a library to the trash (204): 404 to everyone, listed for its owner with include_deleted, restored by its owner', async () => {
    const lib = await c('alice').createLibrary('Trash me');
    await c('alice').req('PUT', `/libraries/${lib.id}/shares/${f.users.bob.gid}`, { body: { role: 'manager' } });
    expect((await c('bob').get(`/libraries/${lib.id}`)).status).toBe(200);
    expect((await c('bob').del(`/libraries/${lib.id}`)).status).toBe(403); // managers do not trash
    const d = await c('alice').del(`/libraries/${lib.id}`);
    expect(d.status).toBe(204);
    expect(d.text).toBe('');
    expect((await c('alice').get(`/libraries/${lib.id}`)).status).toBe(404);
    expect((await c('bob').get(`/libraries/${lib.id}`)).status).toBe(404);
    expect((await c('alice').del(`/libraries/${lib.id}`)).status).toBe(404);
    expect((await c('alice').get('/libraries')).body.items.map((l: any) => l.id)).not.toContain(lib.id);
    const withDeleted = await c('alice').get('/libraries', { query: { include_deleted: 'true' } });
    expect(withDeleted.body.items.find((l: any) => l.id === lib.id)).toMatchObject({ deleted: true });
    expect(withDeleted.body.items.find((l: any) => l.id === lib.id).deleted_on).toMatch(ISO);
    const bobDeleted = await c('bob').get('/libraries', { query: { include_deleted: 'true' } });
    expect(bobDeleted.body.items.map((l: any) => l.id)).not.toContain(lib.id);
    expect((await c('bob').post(`/libraries/${lib.id}/restore`)).status).toBe(404);
    const r = await c('alice').post(`/libraries/${lib.id}/restore`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: lib.id, deleted: false });
    expect((await c('bob').get(`/libraries/${lib.id}`)).status).toBe(200);
    expect(await events('libraries', lib.id)).toEqual(['INSERT', 'UPDATE', 'DELETE', 'INSERT']);
  });

  it('roles: viewer reads, contributor adds, manager renames and shares, others see 404', async () => {
    const lib = await c('alice').createLibrary('Roles');
    const o = c('alice');
    expect((await c('bob').get(`/libraries/${lib.id}`)).status).toBe(404);
    expect((await o.req('PUT', `/libraries/${lib.id}/shares/${f.users.bob.gid}`, { body: { role: 'viewer' } })).status).toBe(200);
    expect((await c('bob').get(`/libraries/${lib.id}`)).body).toMatchObject({ library_type: 'shared', access: 'viewer' });
    expect((await c('bob').patch(`/libraries/${lib.id}`, { desc: 'x' })).status).toBe(403);
    expect((await c('bob').req('PUT', `/libraries/${lib.id}/shares/${f.users.carol.gid}`, { body: { role: 'viewer' } })).status).toBe(403);
    await o.req('PUT', `/libraries/${lib.id}/shares/${f.users.bob.gid}`, { body: { role: 'manager' } });
    expect((await c('bob').patch(`/libraries/${lib.id}`, { desc: 'Renamed by a manager' })).status).toBe(200);
    expect((await c('bob').req('PUT', `/libraries/${lib.id}/shares/${f.users.carol.gid}`, { body: { role: 'contributor' } })).status).toBe(200);
    const shares = await c('carol').get(`/libraries/${lib.id}/shares`);
    expect(shares.status).toBe(200);
    expect(shares.body.items.map((s: any) => [s.user_name, s.role]).sort()).toEqual([[f.users.bob.email, 'manager'], [f.users.carol.email, 'contributor']].sort());
    // a project viewer shared as manager is capped at viewer
    await o.req('PUT', `/libraries/${lib.id}/shares/${f.users.viewer.gid}`, { body: { role: 'manager' } });
    expect((await c('viewer').get(`/libraries/${lib.id}`)).body.access).toBe('viewer');
    expect((await c('viewer').patch(`/libraries/${lib.id}`, { desc: 'no' })).status).toBe(403);
    // bad shares: unknown role, the owner, a user outside the project
    expect((await o.req('PUT', `/libraries/${lib.id}/shares/${f.users.bob.gid}`, { body: { role: 'admin' } })).status).toBe(400);
    expect((await o.req('PUT', `/libraries/${lib.id}/shares/${f.users.alice.gid}`, { body: { role: 'viewer' } })).status).toBe(400);
    const other = await createFixture(t.db);
    expect((await o.req('PUT', `/libraries/${lib.id}/shares/${other.users.owner.gid}`, { body: { role: 'viewer' } })).status).toBe(400);
    // unshare: carol leaves by herself; bob (manager) removes the viewer
    expect((await c('carol').del(`/libraries/${lib.id}/shares/${f.users.carol.gid}`)).status).toBe(204);
    expect((await c('carol').get(`/libraries/${lib.id}`)).status).toBe(404);
    expect((await c('bob').del(`/libraries/${lib.id}/shares/${f.users.viewer.gid}`)).status).toBe(204);
    expect((await c('bob').del(`/libraries/${lib.id}/shares/${f.users.viewer.gid}`)).status).toBe(404);
  });
});
