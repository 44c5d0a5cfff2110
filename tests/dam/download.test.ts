// Downloads for the other dialects: Oracle GET /documents/api/1.1/files/{fileId}/data and the
// Uplynk extension GET /api/v4/assets/{id}/content, with access checked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { fetchBytes, jpeg, uploadFile } from './dam-helpers.ts';

let t: TestServer; let f: Fixture; let c: UnicatClient; let root: string;
beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner', viewer: 'viewer' });
  c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
  root = (await c.call('assets/get', { pathname: '/' })).result.asset;
});
afterAll(() => t?.close());

const basic = (u: { email: string; key: string }) => ({ authorization: `Basic ${Buffer.from(`${u.email}:${u.key}`).toString('base64')}` });
const oracle = (id: string, q = '') => `${t.url}/documents/api/1.1/files/${id}/data${q}`;

describe('Oracle files/{fileId}/data', () => {
  it('streams the file to any member, with its type, name, ETag and ranges', async () => {
    const bytes = await jpeg(90, 60);
    const a = await uploadFile(c, root, 'oracle.jpg', bytes);
    const r = await fetchBytes(oracle(a.gid), basic(f.users.viewer));
    expect(r.status).toBe(200);
    expect(r.bytes.equals(bytes)).toBe(true);
    expect(r.headers.get('content-type')).toBe('image/jpeg');
    expect(r.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''oracle.jpg");
    expect(r.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    const hex = a.gid.replace(/-/g, '');
    const part = await fetchBytes(oracle(hex, '?version=1'), { ...basic(f.users.owner), range: 'bytes=2-5' });
    expect(part.status).toBe(206);
    expect(part.bytes.equals(bytes.subarray(2, 6))).toBe(true);
  });

  it('answers Oracle errors: 401 without credentials, -16 (404) for other projects, folders, trashed files and other versions', async () => {
    const a = await uploadFile(c, root, 'o2.jpg', await jpeg(10, 10));
    const none = await fetchBytes(oracle(a.gid));
    expect(none.status).toBe(401);
    const other = await createFixture(t.db);
    const cross = await fetchBytes(oracle(a.gid), basic(other.users.owner));
    expect(cross.status).toBe(404);
    expect(JSON.parse(cross.bytes.toString())).toMatchObject({ errorCode: '-16' });
    expect((await fetchBytes(oracle(root), basic(f.users.owner))).status).toBe(404);
    expect((await fetchBytes(oracle(a.gid, '?version=3'), basic(f.users.owner))).status).toBe(404);
    expect((await fetchBytes(oracle(a.gid, '?version=x'), basic(f.users.owner))).status).toBe(400);
    expect((await fetchBytes(oracle('nope'), basic(f.users.owner))).status).toBe(400);
    await c.call('assets/delete', { asset: a.gid });
    expect((await fetchBytes(oracle(a.gid), basic(f.users.owner))).status).toBe(404);
  });
});

describe('Uplynk extension assets/{id}/content', () => {
  it('answers the bytes to a signed call of a member; 404 for another project\'s key; 401 unsigned', async () => {
    const { UplynkClient } = await import('../uplynk/client.ts');
    const bytes = await jpeg(30, 20);
    const a = await uploadFile(c, root, 'uplynk.jpg', bytes);
    const u = new UplynkClient(t.url, f.users.viewer.gid, f.users.viewer.key);
    const res = await u.get(`/assets/${a.gid.replace(/-/g, '')}/content`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect((await u.get(`/assets/${a.gid}/content`, { auth: false })).status).toBe(401);
    const other = await createFixture(t.db);
    const o = new UplynkClient(t.url, other.users.owner.gid, other.users.owner.key);
    expect((await o.get(`/assets/${a.gid}/content`)).status).toBe(404);
  });
});
