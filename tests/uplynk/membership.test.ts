// PATCH/DELETE/GET /libraries/{id}/assets through Uplynk: the shapes of seeds 000/001, our
// decisions (idempotent add and remove, duplicates once, unknown ids 404 naming them, malformed
// ids 400, folders 400, trashed assets 400, other projects 403/404), bad input, and the rule
// that a refused request changes nothing (rows and feed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { rootOf, seedFiles, seedFolder, childGids } from '../helpers/seed.ts';
import { UplynkClient } from './client.ts';

let t: TestServer;
let f: Fixture;
let files: string[];
let folder: string;
let foreignMember: string; // an asset of a project the owner is also a member of
let foreignStranger: string; // an asset of a project the owner is not a member of

beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner', contrib: 'editor', viewer: 'viewer' });
  const root = await rootOf(t.db, f.projectId);
  const dir = await seedFolder(t.db, f.projectId, 'media');
  await seedFiles(t.db, f.projectId, dir.id, 12_000);
  files = (await t.db.query(`SELECT gid::text FROM assets WHERE parent_id = $1 ORDER BY id`, [dir.id])).rows.map((r) => r.gid);
  folder = (await seedFolder(t.db, f.projectId, 'a folder', root.id)).gid;
  const g = await createFixture(t.db);
  const { setMembership } = await import('../../src/core/users.ts');
  await setMembership(t.db, g.projectId, f.users.owner.id, 'editor');
  await seedFiles(t.db, g.projectId, (await rootOf(t.db, g.projectId)).id, 1);
  foreignMember = (await childGids(t.db, (await rootOf(t.db, g.projectId)).id))[0];
  const h = await createFixture(t.db);
  await seedFiles(t.db, h.projectId, (await rootOf(t.db, h.projectId)).id, 1);
  foreignStranger = (await childGids(t.db, (await rootOf(t.db, h.projectId)).id))[0];
});
afterAll(() => t?.close());

const c = (alias = 'owner') => new UplynkClient(t.url, f.users[alias].gid, f.users[alias].key);

async function members(libraryId: string): Promise<string[]> {
  const { rows } = await t.db.query(
    `SELECT asset_gid::text FROM library_assets la JOIN libraries l ON l.id = la.library_id WHERE l.gid = $1 ORDER BY asset_gid`, [libraryId]);
  return rows.map((r) => r.asset_gid);
}

/** Everything a membership request could change: member rows and the project feed. */
async function snapshot() {
  const { rows } = await t.db.query(
    `SELECT (SELECT count(*)::int FROM library_assets) AS members,
            (SELECT coalesce(max(added_on)::text, '') FROM library_assets) AS last_added,
            (SELECT cursor FROM project_cursors WHERE project_id = $1) AS cursor`, [f.projectId]);
  return rows[0];
}

describe('uplynk add assets (seed 001)', () => {
  it('adds one asset with asset_id: the seed shape, the member list and an INSERT event', async () => {
    const lib = await c().createLibrary('Marketing Library');
    const r = await c().patch(`/libraries/${lib.id}/assets`, { asset_id: files[0] });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      '@id': `/api/v4/libraries/${lib.id}/assets`, '@type': 'Library', id: lib.id, desc: 'Marketing Library',
      allow_copy: false, is_ad: false, created: lib.created, added: 1, already_member: 0,
    });
    expect(await members(lib.id)).toEqual([files[0]]);
    const { rows } = await t.db.query(`SELECT action FROM changes WHERE data_type = 'libraries_assets' AND data_key = $1`, [`${lib.id}/${files[0]}`]);
    expect(rows.map((x) => x.action)).toEqual(['INSERT']);
    const list = await c().get(`/libraries/${lib.id}/assets`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ '@id': `/api/v4/libraries/${lib.id}/assets`, '@type': 'Collection', total_items: 1 });
    expect(list.body.items[0]).toMatchObject({ id: files[0], desc: 'file-1.jpg', mime: 'image/jpeg', added_by: f.users.owner.gid });
    expect((await c().get(`/libraries/${lib.id}`)).body.asset_count).toBe(1);
  });

  it('adds many with asset_ids; 32-hex ids; adding again is idempotent; duplicates count once', async () => {
    const lib = await c().createLibrary('Many');
    const ids = [files[1], files[2].replace(/-/g, ''), files[3].toUpperCase(), files[1]];
    const r = await c().patch(`/libraries/${lib.id}/assets`, { asset_ids: ids });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ added: 3, already_member: 0 });
    expect(await members(lib.id)).toEqual([files[1], files[2], files[3]].sort());
    const before = await snapshot();
    const again = await c().patch(`/libraries/${lib.id}/assets`, { asset_ids: [files[1], files[2]] });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ added: 0, already_member: 2 });
    expect(await snapshot()).toEqual(before); // no rows, no events
    const mixed = await c().patch(`/libraries/${lib.id}/assets`, { asset_ids: [files[3], files[4]] });
    expect(mixed.body).toMatchObject({ added: 1, already_member: 1 });
  });

  it('adds 10,000 in one request and refuses 10,001 distinct ids with 413', async () => {
    const lib = await c().createLibrary('Big');
    const r = await c().patch(`/libraries/${lib.id}/assets`, { asset_ids: files.slice(0, 10_000) });
    expect(r.status).toBe(200);
    expect(r.body.added).toBe(10_000);
    expect((await c().get(`/libraries/${lib.id}/assets`, { query: { page: '200', page_size: '50' } })).body.items).toHaveLength(50);
    const lib2 = await c().createLibrary('Too big');
    const before = await snapshot();
    const big = await c().patch(`/libraries/${lib2.id}/assets`, { asset_ids: files.slice(0, 10_001) });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ status: 413, code: 'too_large' });
    expect(await snapshot()).toEqual(before);
    // duplicates do not count against the limit
    const dup = await c().patch(`/libraries/${lib2.id}/assets`, { asset_ids: [...files.slice(0, 10_000), ...files.slice(0, 5)] });
    expect(dup.status).toBe(200);
    expect(dup.body.added).toBe(10_000);
  });

  it('unknown ids: 404 naming them, nothing added', async () => {
    const lib = await c().createLibrary('Unknown');
    const before = await snapshot();
    const ghost = '00000000-0000-4000-8000-00000000abcd';
    const r = await c().patch(`/libraries/${lib.id}/assets`, { asset_ids: [files[5], ghost, files[6], foreignStranger] });
    expect(r.status).toBe(404);
    expect(r.body.error).toMatchObject({ status: 404, code: 'not_found', details: { id: ghost, outcome: 'not_found', failedCount: 2 } });
    expect(r.body.error.details.failed).toEqual([{ id: ghost, outcome: 'not_found' }, { id: foreignStranger, outcome: 'not_found' }]);
    expect(r.body.error.message).toContain(ghost);
    expect(await snapshot()).toEqual(before);
    expect(await members(lib.id)).toEqual([]);
  });

  it('refuses, changing nothing: other projects (403), folders and trashed assets (400), malformed ids (400)', async () => {
    const lib = await c().createLibrary('Refusals');
    await c().patch(`/libraries/${lib.id}/assets`, { asset_id: files[7] });
    await t.db.query('UPDATE assets SET deleted_on = now() WHERE gid = $1', [files[8]]);
    const before = await snapshot();
    const cases: [unknown, number, string][] = [
      [{ asset_ids: [files[9], foreignMember] }, 403, 'no_permission'],
      [{ asset_ids: [files[9], folder] }, 400, 'not_a_file'],
      [{ asset_id: files[8] }, 400, 'deleted_asset'],
      [{ asset_ids: [files[9], '7a08bca2'] }, 400, 'invalid'],
      [{ asset_ids: [files[9], 42] }, 400, 'invalid'],
      [{ asset_ids: [files[9], null] }, 400, 'invalid'],
    ];
    for (const [b, status, code] of cases) {
      const r = await c().patch(`/libraries/${lib.id}/assets`, b);
      expect([b, r.status, r.body.error?.code]).toEqual([b, status, code]);
    }
    const mal = await c().patch(`/libraries/${lib.id}/assets`, { asset_ids: [files[9], '7a08bca2'] });
    expect(mal.body.error.details.malformed).toEqual(['7a08bca2']);
    expect(await snapshot()).toEqual(before);
    expect(await members(lib.id)).toEqual([files[7]]);
    await t.db.query('UPDATE assets SET deleted_on = NULL WHERE gid = $1', [files[8]]);
  });

  it('bad bodies: both, neither, empty list, wrong types, malformed JSON, wrong content type: 400 and nothing changed', async () => {
    const lib = await c().createLibrary('Bad bodies');
    const before = await snapshot();
    const bodies: unknown[] = [
      { asset_id: files[10], asset_ids: [files[11]] }, {}, { asset_ids: [] }, { asset_ids: files[10] },
      { asset_id: [files[10]] }, { asset_id: files[10], extra: true }, [files[10]], 'x',
    ];
    for (const b of bodies) {
      const r = await c().patch(`/libraries/${lib.id}/assets`, b);
      expect([b, r.status]).toEqual([b, 400]);
      expect(r.body['@type']).toBe('Error');
    }
    const noBody = await c().req('PATCH', `/libraries/${lib.id}/assets`);
    expect(noBody.status).toBe(400);
    const badJson = await c().req('PATCH', `/libraries/${lib.id}/assets`, { raw: '{"asset_id": ', headers: { 'content-type': 'application/json' } });
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.status).toBe(400);
    const text = await c().req('PATCH', `/libraries/${lib.id}/assets`, { raw: `asset_id=${files[10]}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(text.status).toBe(400);
    expect(text.body.error.code).toBe('unsupported_media_type');
    expect(await snapshot()).toEqual(before);
  });

  it('permissions: a viewer sharee gets 403, a contributor sharee adds, a stranger gets 404', async () => {
    const lib = await c().createLibrary('Shared');
    const before = await snapshot();
    expect((await c('contrib').patch(`/libraries/${lib.id}/assets`, { asset_id: files[11] })).status).toBe(404);
    await c().req('PUT', `/libraries/${lib.id}/shares/${f.users.contrib.gid}`, { body: { role: 'viewer' } });
    const before2 = await snapshot();
    expect(before2.cursor).toBe(before.cursor + 1);
    const v = await c('contrib').patch(`/libraries/${lib.id}/assets`, { asset_id: files[11] });
    expect(v.status).toBe(403);
    expect(await snapshot()).toEqual(before2);
    await c().req('PUT', `/libraries/${lib.id}/shares/${f.users.contrib.gid}`, { body: { role: 'contributor' } });
    const ok = await c('contrib').patch(`/libraries/${lib.id}/assets`, { asset_id: files[11] });
    expect(ok.status).toBe(200);
    expect(ok.body.library_type).toBe('shared');
    // project viewer shared as contributor: capped at viewer
    await c().req('PUT', `/libraries/${lib.id}/shares/${f.users.viewer.gid}`, { body: { role: 'contributor' } });
    expect((await c('viewer').patch(`/libraries/${lib.id}/assets`, { asset_id: files[12] })).status).toBe(403);
    expect((await c('viewer').get(`/libraries/${lib.id}/assets`)).body.total_items).toBe(1);
  });
});

describe('uplynk remove assets (seed 000)', () => {
  it('removes ?ids=a,b with the seed shape, DELETE events, idempotent for non-members', async () => {
    const lib = await c().createLibrary('Marketing Library');
    await c().patch(`/libraries/${lib.id}/assets`, { asset_ids: files.slice(20, 25) });
    const r = await c().del(`/libraries/${lib.id}/assets`, { query: { ids: `${files[20]},${files[21].replace(/-/g, '')},${files[20]},${files[30]}` } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      '@id': `/api/v4/libraries/${lib.id}`, '@type': 'Library', id: lib.id, desc: 'Marketing Library',
      owner_name: f.users.owner.email, library_type: 'owner', message: 'Assets removed successfully.', removed: 2, not_member: 1,
    });
    expect(await members(lib.id)).toEqual(files.slice(22, 25).sort());
    const { rows } = await t.db.query(`SELECT data_key FROM changes WHERE data_type = 'libraries_assets' AND action = 'DELETE' AND data_key LIKE $1 ORDER BY data_key`, [`${lib.id}/%`]);
    expect(rows.map((x) => x.data_key)).toEqual([files[20], files[21]].sort().map((a) => `${lib.id}/${a}`));
  });

  it('removes 10,000 in one request through the URL, and with the JSON body extension', async () => {
    const lib = await c().createLibrary('Big remove');
    await c().patch(`/libraries/${lib.id}/assets`, { asset_ids: files.slice(0, 10_000) });
    const r = await c().del(`/libraries/${lib.id}/assets`, { query: { ids: files.slice(0, 10_000).map((x) => x.replace(/-/g, '')).join(',') } });
    expect(r.status).toBe(200);
    expect(r.body.removed).toBe(10_000);
    await c().patch(`/libraries/${lib.id}/assets`, { asset_ids: files.slice(0, 100) });
    const b = await c().req('DELETE', `/libraries/${lib.id}/assets`, { body: { ids: files.slice(0, 100) } });
    expect(b.status).toBe(200);
    expect(b.body.removed).toBe(100);
    expect(await members(lib.id)).toEqual([]);
  });

  it('refuses, changing nothing: no ids, empty ids, malformed, unknown (404), folders, query and body together', async () => {
    const lib = await c().createLibrary('Remove refusals');
    await c().patch(`/libraries/${lib.id}/assets`, { asset_ids: [files[40], files[41]] });
    const before = await snapshot();
    const ghost = '00000000-0000-4000-8000-00000000beef';
    const cases: [Record<string, string>, number][] = [
      [{}, 400], [{ ids: '' }, 400], [{ ids: ',,' }, 400], [{ ids: `${files[40]},789012` }, 400],
      [{ ids: `${files[40]},${ghost}` }, 404], [{ ids: `${files[40]},${folder}` }, 400], [{ ids: `${files[40]},${foreignMember}` }, 403],
    ];
    for (const [q, status] of cases) {
      const r = await c().del(`/libraries/${lib.id}/assets`, { query: q });
      expect([q, r.status]).toEqual([q, status]);
    }
    const both = await c().req('DELETE', `/libraries/${lib.id}/assets`, { query: { ids: files[40] }, body: { ids: [files[41]] } });
    expect(both.status).toBe(400);
    expect(await snapshot()).toEqual(before);
    expect(await members(lib.id)).toEqual([files[40], files[41]].sort());
  });

  it('accepts the seed sample request: Content-Type application/json with an empty body', async () => {
    const lib = await c().createLibrary('Empty body');
    await c().patch(`/libraries/${lib.id}/assets`, { asset_id: files[50] });
    const r = await c().req('DELETE', `/libraries/${lib.id}/assets`, { query: { ids: files[50] }, raw: '', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    expect(r.body.removed).toBe(1);
  });

  it('a trashed library answers 404 to membership calls', async () => {
    const lib = await c().createLibrary('Trashed');
    await c().del(`/libraries/${lib.id}`);
    expect((await c().patch(`/libraries/${lib.id}/assets`, { asset_id: files[60] })).status).toBe(404);
    expect((await c().del(`/libraries/${lib.id}/assets`, { query: { ids: files[60] } })).status).toBe(404);
    expect((await c().get(`/libraries/${lib.id}/assets`)).status).toBe(404);
  });
});
