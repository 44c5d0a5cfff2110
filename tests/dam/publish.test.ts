// dam/publish and the public URLs /media/{token}/{filename}: no JWT, Content-Type, ETag/304,
// Range (206/416), long-lived cache headers; they stop when the asset is deleted or replaced.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { dam, fetchBytes, jpeg, storagePath, uploadFile } from './dam-helpers.ts';

let t: TestServer; let f: Fixture; let c: UnicatClient; let root: string;
beforeAll(async () => {
  // no background renders after uploads (MEDIA_PRERENDER): these tests count links
  t = await startTestServer({ mediaPrerender: '' });
  f = await createFixture(t.db, { owner: 'owner', viewer: 'viewer' });
  c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
  root = (await c.call('assets/get', { pathname: '/' })).result.asset;
});
afterAll(() => t?.close());

async function publish(a: any, client = c): Promise<string> {
  const r = await dam(client, 'publish', storagePath(a));
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.headers.get('authorization')).toBeNull(); // a /dam call never refreshes the JWT
  return r.body.result.public_url;
}

describe('dam/publish', () => {
  it('answers an unguessable URL named for the file that serves the bytes without a JWT; the same URL every time', async () => {
    const bytes = await jpeg(300, 200);
    const a = await uploadFile(c, root, 'Sunset at sea.jpg', bytes);
    const url = await publish(a);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{32}\/Sunset%20at%20sea\.jpg$/);
    expect(decodeURIComponent(url.split('/').pop()!)).toBe('Sunset at sea.jpg');
    expect(await publish(a)).toBe(url);
    const v = new UnicatClient(t.url, f.projectGid);
    await v.auth(f.users.viewer.key);
    expect(await publish(a, v)).toBe(url); // any member may publish: it is a read of the content
    const got = await fetchBytes(url);
    expect(got.status).toBe(200);
    expect(got.bytes.equals(bytes)).toBe(true);
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(got.headers.get('content-length')).toBe(String(bytes.length));
    expect(got.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(got.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    expect(got.headers.get('accept-ranges')).toBe('bytes');
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('ETag and If-None-Match (304), HEAD, single byte ranges (206), unsatisfiable ranges (416), If-Range', async () => {
    const bytes = await jpeg(200, 200);
    const a = await uploadFile(c, root, 'ranges.jpg', bytes);
    const url = await publish(a);
    const etag = (await fetchBytes(url)).headers.get('etag')!;
    const notModified = await fetchBytes(url, { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.bytes.length).toBe(0);
    expect((await fetchBytes(url, { 'if-none-match': '"other"' })).status).toBe(200);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));

    const first = await fetchBytes(url, { range: 'bytes=0-9' });
    expect(first.status).toBe(206);
    expect(first.headers.get('content-range')).toBe(`bytes 0-9/${bytes.length}`);
    expect(first.bytes.equals(bytes.subarray(0, 10))).toBe(true);
    const middle = await fetchBytes(url, { range: 'bytes=100-' });
    expect(middle.bytes.equals(bytes.subarray(100))).toBe(true);
    const tail = await fetchBytes(url, { range: 'bytes=-5' });
    expect(tail.headers.get('content-range')).toBe(`bytes ${bytes.length - 5}-${bytes.length - 1}/${bytes.length}`);
    expect(tail.bytes.equals(bytes.subarray(bytes.length - 5))).toBe(true);
    const past = await fetchBytes(url, { range: `bytes=${bytes.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect((await fetchBytes(url, { range: 'bytes=0-1,5-6' })).status).toBe(200); // several ranges: the whole file
    expect((await fetchBytes(url, { range: 'bytes=0-9', 'if-range': '"stale"' })).status).toBe(200);
    expect((await fetchBytes(url, { range: 'bytes=0-9', 'if-range': etag })).status).toBe(206);
  });

  it('a wrong token or file name is 404; deleting the asset stops the URL, undelete restores it', async () => {
    const a = await uploadFile(c, root, 'gone.jpg', await jpeg(50, 50));
    const url = await publish(a);
    const token = url.split('/').at(-2)!;
    expect((await fetchBytes(url.replace(token, '0'.repeat(32)))).status).toBe(404);
    expect((await fetchBytes(url.replace('gone.jpg', 'other.jpg'))).status).toBe(404);
    expect((await fetchBytes(url.replace(token, 'not-hex'))).status).toBe(404);
    await c.call('assets/delete', { asset: a.gid });
    const deleted = await fetchBytes(url);
    expect(deleted.status).toBe(404);
    expect(deleted.headers.get('cache-control')).toBe('no-store');
    expect((await dam(c, 'publish', storagePath(a))).status).toBe(422);
    await c.call('assets/undelete', { asset: a.gid });
    expect((await fetchBytes(url)).status).toBe(200);
  });

  it('permanent delete removes the links and the rendition blobs', async () => {
    const a = await uploadFile(c, root, 'purge.jpg', await jpeg(120, 80));
    await publish(a);
    const tr = await dam(c, 'transform', `${storagePath(a)}/width=60`);
    const { rows: [l] } = await t.db.query(`SELECT blob_hash FROM media_links WHERE token = $1`, [new URL(tr.body.result.public_url).pathname.split('/')[2]]);
    const blobFile = join(t.dataDir, 'blobs', l.blob_hash.slice(0, 2), l.blob_hash.slice(2, 4), l.blob_hash);
    expect(existsSync(blobFile)).toBe(true);
    await c.call('assets/delete', { asset: a.gid });
    await c.call('assets/permanent_delete', { asset: a.gid });
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM media_links WHERE filename LIKE 'purge%'`);
    expect(rows[0].n).toBe(0);
    expect(existsSync(blobFile)).toBe(false);
    expect((await fetchBytes(tr.body.result.public_url)).status).toBe(404);
  });

  it('unpublish (editors) stops the original\'s URL and answers public_url null', async () => {
    const a = await uploadFile(c, root, 'private.jpg', await jpeg(40, 40));
    const url = await publish(a);
    const v = new UnicatClient(t.url, f.projectGid);
    await v.auth(f.users.viewer.key);
    expect((await dam(v, 'unpublish', storagePath(a))).status).toBe(403);
    const r = await dam(c, 'unpublish', storagePath(a));
    expect(r.body).toEqual({ success: true, result: { public_url: null }, data: {} });
    expect((await fetchBytes(url)).status).toBe(404);
    const again = await publish(a);
    expect(again).not.toBe(url);
  });

  it('refuses folders, unknown assets and other versions in the Unicat shape, writing nothing', async () => {
    const folder = (await c.call('assets/create', { parent: root, name: 'pub-folder' })).result.asset;
    const a = await uploadFile(c, root, 'v.jpg', await jpeg(10, 10));
    const before = (await t.db.query('SELECT count(*)::int AS n FROM media_links')).rows[0].n;
    for (const [path, status] of [[`${folder}~1`, 422], [`${a.gid}~2.jpg`, 422], ['00000000-0000-4000-8000-000000000000~1.jpg', 422], ['x~1.jpg', 400]] as const) {
      const r = await dam(c, 'publish', path);
      expect(r.status, path).toBe(status);
      expect(r.body).toMatchObject({ success: false, result: { code: status } });
    }
    expect((await dam(c, 'publish', storagePath(a), '')).status).toBe(401);
    expect((await t.db.query('SELECT count(*)::int AS n FROM media_links')).rows[0].n).toBe(before);
  });
});
