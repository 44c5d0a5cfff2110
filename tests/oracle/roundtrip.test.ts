// One core, visible (issue 3 §4): a collection created through Oracle is an Uplynk library (owner
// for its owner, shared for a sharee) and the asset ids created through the Unicat API work in
// Oracle and in Uplynk alike; changes made in one dialect show in the other.
import { createHmac } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { rootOf } from '../helpers/seed.ts';
import { oracleEnv, type OracleEnv } from './setup.ts';

let e: OracleEnv;
let unicat: UnicatClient;
let root: string;

beforeAll(async () => {
  e = await oracleEnv({ owner: 'owner', editor: 'editor' });
  unicat = new UnicatClient(e.t.url, e.f.projectGid);
  expect((await unicat.auth(e.f.users.owner.key)).status).toBe(200);
  root = (await rootOf(e.t.db, e.f.projectId)).gid;
});
afterAll(() => e?.t.close());

/** An Uplynk v4 call signed as API-SPEC §2.1: msg = base64(zlib(JSON {_owner, _timestamp})), sig = hex HMAC-SHA256(msg, key). */
async function uplynk(alias: string, method: string, path: string, body?: unknown, query: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const u = e.f.users[alias];
  const msg = deflateSync(Buffer.from(JSON.stringify({ _owner: u.gid, _timestamp: Math.floor(Date.now() / 1000) })), { level: 9 }).toString('base64');
  const sig = createHmac('sha256', u.key).update(msg).digest('hex');
  const url = new URL(`${e.t.url}/api/v4${path}`);
  for (const [k, v] of Object.entries({ ...query, msg, sig })) url.searchParams.set(k, v);
  const res = await fetch(url, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function upload(name: string): Promise<string> {
  const res = await unicat.upload({ parent: root }, { name, content: Buffer.from(`content of ${name}`), type: 'image/jpeg' });
  if (res.status !== 200) throw new Error(`upload ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.result.asset;
}

describe('oracle <-> uplynk <-> unicat round trip', () => {
  it('a collection made in Oracle is an Uplynk library, with the Unicat assets added in either dialect', async () => {
    const a = await upload('a.jpg');
    const b = await upload('b.jpg');
    const c = await upload('c.jpg');
    const folder = (await unicat.call('assets/create', { parent: root, name: 'a folder' })).result.asset;

    // create through Oracle (XML in, XML out), add two Unicat files through Oracle
    const created = await e.as.owner.post('/collections', e.as.owner.xmlBody({ name: 'Round trip', description: 'from Oracle' }),
      { contentType: 'application/xml', accept: 'application/xml' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const add = await e.as.owner.post(`/collections/${id}/files`, { idList: `${a},${b}` });
    expect(add.status).toBe(200);
    // a Unicat folder is not a digital asset
    const dir = await e.as.owner.post(`/collections/${id}/files/${folder}`);
    expect(dir.status).toBe(400);
    expect(dir.body.errorKey).toBe(`!csDAMNotADigitalAsset,fFileGUID:${folder}`);

    // Uplynk lists it for its owner as an owner library, with the same id
    const mine = await uplynk('owner', 'GET', '/libraries', undefined, { library_type: 'owner' });
    expect(mine.status).toBe(200);
    const lib = mine.body.items.find((x: any) => x.id === id || x.id === id.replace(/-/g, ''));
    expect(lib).toMatchObject({ '@type': 'Library', desc: 'Round trip', owner_name: e.f.users.owner.email, library_type: 'owner' });
    const one = await uplynk('owner', 'GET', `/libraries/${id}`);
    expect(one.status).toBe(200);
    expect(one.body.desc).toBe('Round trip');

    // Uplynk sees the members Oracle added, and adds the third Unicat file
    const members = await uplynk('owner', 'GET', `/libraries/${id}/assets`);
    expect(members.status).toBe(200);
    expect(members.body.items.map((x: any) => x.id).sort()).toEqual([a, b].sort());
    const patched = await uplynk('owner', 'PATCH', `/libraries/${id}/assets`, { asset_ids: [c.replace(/-/g, '')] });
    expect(patched.status).toBe(200);
    const files = await e.as.owner.get(`/collections/${id}/files`);
    expect(files.body.items.map((x: any) => x.id)).toEqual([a, b, c]);
    expect(files.body.items[2].addedBy).toBe(e.f.users.owner.gid);

    // Uplynk removes one; Oracle then finds it not in the collection (-96)
    const removed = await uplynk('owner', 'DELETE', `/libraries/${id}/assets`, undefined, { ids: a });
    expect(removed.status).toBe(200);
    const again = await e.as.owner.del(`/collections/${id}/files/${a}`);
    expect(again.status).toBe(400);
    expect(again.body.errorKey).toBe(`!csDAMItemNotInCollection,fFileGUID:${a},fFolderGUID:${id}`);

    // shared through Oracle: the sharee's Uplynk list says "shared"
    expect((await e.as.owner.post(`/shares/${id}`, { userID: e.f.users.editor.email, role: 'contributor' })).status).toBe(200);
    const theirs = await uplynk('editor', 'GET', '/libraries');
    const shared = theirs.body.items.find((x: any) => x.id === id || x.id === id.replace(/-/g, ''));
    expect(shared).toMatchObject({ desc: 'Round trip', owner_name: e.f.users.owner.email, library_type: 'shared' });
    // and the sharee adds through Uplynk what Oracle then lists
    expect((await uplynk('editor', 'PATCH', `/libraries/${id}/assets`, { asset_id: a })).status).toBe(200);
    expect((await e.as.editor.get(`/collections/${id}`)).body.childItemsCount).toBe('3');

    // a Unicat trash hides the member everywhere; restoring shows it again
    await unicat.call('assets/delete', { asset: b });
    expect((await e.as.owner.get(`/collections/${id}/files`)).body.items.map((x: any) => x.id)).toEqual([c, a]);
    expect((await uplynk('owner', 'GET', `/libraries/${id}/assets`)).body.items.map((x: any) => x.id)).toEqual([c, a]);
    await unicat.call('assets/undelete', { asset: b });
    expect((await e.as.owner.get(`/collections/${id}`)).body.childItemsCount).toBe('3');

    // the feed recorded the Oracle changes as libraries / libraries_assets events
    const { rows } = await e.t.db.query(
      `SELECT action, data_type, data_key FROM changes WHERE project_id = $1 AND data_key LIKE $2 || '%' ORDER BY cursor`,
      [e.f.projectId, id]);
    expect(rows[0]).toEqual({ action: 'INSERT', data_type: 'libraries', data_key: id });
    expect(rows).toContainEqual({ action: 'INSERT', data_type: 'libraries_assets', data_key: `${id}/${a}` });
    expect(rows).toContainEqual({ action: 'DELETE', data_type: 'libraries_assets', data_key: `${id}/${a}` });

    // trashed through Oracle: gone from Uplynk too
    expect((await e.as.owner.del(`/collections/${id}`)).status).toBe(200);
    expect((await uplynk('owner', 'GET', `/libraries/${id}`)).status).toBe(404);
    expect((await uplynk('editor', 'GET', `/libraries/${id}`)).status).toBe(404);
  });

  it('a library made in Uplynk is an Oracle collection', async () => {
    const made = await uplynk('editor', 'POST', '/libraries', { desc: 'From Uplynk' });
    expect(made.status).toBe(200);
    const id = made.body.id.length === 32
      ? made.body.id.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5') : made.body.id;
    const got = await e.as.editor.get(`/collections/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ name: 'From Uplynk', type: 'collection', ownedBy: { id: e.f.users.editor.gid } });
    const list = await e.as.editor.get('/collections/items');
    expect(list.body.items.some((x: any) => x.id === id)).toBe(true);
    // not shared with the owner of the project: Oracle answers 404 for them
    expect((await e.as.owner.get(`/collections/${id}`)).status).toBe(404);
  });
});
