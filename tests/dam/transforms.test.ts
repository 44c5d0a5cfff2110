// POST /dam/p/{p}/transforms (assetlib extension): the renditions a page of files already has, in
// one call; and the rendition MEDIA_PRERENDER names, rendered in the background after an upload
// (by default the web console's thumbnail), so a list's first look finds it ready.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { loadConfig } from '../../src/config.ts';
import { dam, fetchBytes, jpeg, storagePath, uploadFile } from './dam-helpers.ts';

const THUMB = 'width=320/type=webp/q=80';
let t: TestServer; let f: Fixture; let c: UnicatClient; let viewer: UnicatClient; let root: string;

beforeAll(async () => {
  t = await startTestServer(); // MEDIA_PRERENDER as by default: the console's thumbnail
  f = await createFixture(t.db, { owner: 'owner', viewer: 'viewer' });
  c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
  viewer = new UnicatClient(t.url, f.projectGid);
  await viewer.auth(f.users.viewer.key);
  root = (await c.call('assets/get', { pathname: '/' })).result.asset;
});
afterAll(() => t?.close());

async function transforms(files: unknown, options: unknown, client = c): Promise<{ status: number; body: any }> {
  const res = await fetch(`${t.url}/dam/p/${f.projectGid}/transforms`, {
    method: 'POST', headers: { authorization: `Bearer ${client.jwt}`, 'content-type': 'application/json' }, body: JSON.stringify({ files, options }),
  });
  return { status: res.status, body: await res.json() };
}

const renders = async (gid: string) =>
  (await t.db.query(`SELECT l.renders FROM media_links l JOIN assets a ON a.id = l.asset_id WHERE a.gid = $1 ORDER BY l.options`, [gid])).rows;

describe('background render after upload', () => {
  it('an uploaded image gets the console thumbnail without being asked; transforms answers it, transform does not render again', async () => {
    const a = await uploadFile(c, root, 'pre.jpg', await jpeg(1200, 800));
    await t.server.prerender.idle();
    expect(await renders(a.gid)).toEqual([{ renders: 1 }]);

    const r = await transforms([storagePath(a)], THUMB, viewer); // any member may read
    expect(r.status).toBe(200);
    const got = r.body.result.transforms[storagePath(a)];
    expect(got).toMatchObject({ status: 'ready', width: 320, height: 213, mime: 'image/webp', filename: expect.stringMatching(/^pre@[0-9a-f]{12}\.webp$/) });
    const img = await fetchBytes(got.public_url);
    expect(img.status).toBe(200);
    expect(img.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await sharp(img.bytes).metadata()).width).toBe(320);

    // dam/transform with the same options answers the same rendition: rendered once in all
    const one = await dam(c, 'transform', `${storagePath(a)}/${THUMB}`);
    expect(one.body.result.public_url).toBe(got.public_url);
    expect(await renders(a.gid)).toEqual([{ renders: 1 }]);
  });

  it('a new version (upload_update) gets its own; files that are not images get none', async () => {
    const a = await uploadFile(c, root, 'versioned.jpg', await jpeg(600, 400));
    const form = new FormData();
    form.append('asset', a.gid);
    form.append('upload_file', new Blob([new Uint8Array(await jpeg(400, 600))]), 'versioned.jpg');
    const res = await fetch(`${t.url}/api/p/${f.projectGid}/assets/upload_update`, { method: 'POST', headers: { authorization: `Bearer ${c.jwt}` }, body: form });
    expect(res.status).toBe(200);
    const text = await uploadFile(c, root, 'notes.txt', Buffer.from('not a picture'));
    await t.server.prerender.idle();
    const r = await transforms([`${a.gid}~2.jpg`, storagePath(text)], THUMB);
    expect(r.body.result.transforms[`${a.gid}~2.jpg`]).toMatchObject({ status: 'ready', width: 320, height: 480 });
    expect(r.body.result.transforms[storagePath(text)]).toEqual({ status: 'unavailable', reason: 'unsupported_type', public_url: null });
    expect(await renders(text.gid)).toEqual([]);
  });

  it('MEDIA_PRERENDER=none renders nothing after upload; a value dam/transform would refuse stops the start', async () => {
    const env = loadConfig({}, { MEDIA_PRERENDER: 'none' });
    expect(env.mediaPrerender).toBe('none');
    const t2 = await startTestServer({ databaseUrl: t.config.databaseUrl, dataDir: t.dataDir, mediaPrerender: env.mediaPrerender });
    try {
      const c2 = new UnicatClient(t2.url, f.projectGid);
      await c2.auth(f.users.owner.key);
      const a = await uploadFile(c2, root, 'not-prerendered.jpg', await jpeg(300, 200));
      await t2.server.prerender.idle();
      expect(await renders(a.gid)).toEqual([]);
      expect((await transforms([storagePath(a)], THUMB)).body.result.transforms[storagePath(a)].status).toBe('pending');
    } finally {
      await t2.close();
    }
    await expect(startTestServer({ mediaPrerender: 'width=0' })).rejects.toThrow(/MEDIA_PRERENDER="width=0": option width/);
  });
});

describe('dam/transforms', () => {
  it('answers each file in one call: ready, pending (other options), unavailable with the reason', async () => {
    const a = await uploadFile(c, root, 'page-a.jpg', await jpeg(300, 200));
    const b = await uploadFile(c, root, 'page-b.jpg', await jpeg(300, 200));
    const folder = (await c.call('assets/create', { parent: root, name: 'a folder' })).result.asset;
    const gone = await uploadFile(c, root, 'gone.jpg', await jpeg(50, 50));
    await c.call('assets/delete', { asset: gone.gid });
    await t.server.prerender.idle();
    const files = [storagePath(a), storagePath(b), `${folder}~1`, `${a.gid}~7.jpg`, storagePath(gone), '00000000-0000-4000-8000-000000000000~1.jpg', storagePath(a)];
    const r = await transforms(files, 'width=100');
    expect(r.status).toBe(200);
    const out = r.body.result.transforms;
    expect(Object.keys(out).sort()).toEqual([...new Set(files)].sort());
    expect(out[storagePath(a)]).toEqual({ status: 'pending', public_url: null });
    expect(out[storagePath(b)]).toEqual({ status: 'pending', public_url: null });
    expect(out[`${folder}~1`]).toEqual({ status: 'unavailable', reason: 'not_a_file', public_url: null });
    expect(out[`${a.gid}~7.jpg`]).toEqual({ status: 'unavailable', reason: 'wrong_version', version: 1, public_url: null });
    expect(out[storagePath(gone)]).toEqual({ status: 'unavailable', reason: 'not_found', public_url: null });
    expect(out['00000000-0000-4000-8000-000000000000~1.jpg']).toEqual({ status: 'unavailable', reason: 'not_found', public_url: null });

    // dam/transform renders it (the type follows the source: jpg); the lookup then answers it
    const made = await dam(c, 'transform', `${storagePath(a)}/width=100`);
    expect(made.status).toBe(200);
    const again = (await transforms(files, 'width=100')).body.result.transforms;
    expect(again[storagePath(a)]).toMatchObject({ status: 'ready', public_url: made.body.result.public_url, mime: 'image/jpeg', width: 100 });
    expect(again[storagePath(b)].status).toBe('pending');
  });

  it('after a rename, the rendition under the old name still answers (same pixels, no render)', async () => {
    const a = await uploadFile(c, root, 'before.jpg', await jpeg(640, 480));
    await t.server.prerender.idle();
    const first = (await transforms([storagePath(a)], THUMB)).body.result.transforms[storagePath(a)];
    await c.call('assets/update', { asset: a.gid, name: 'after.jpg' });
    const later = (await transforms([storagePath({ ...a, name: 'after.jpg' })], THUMB)).body.result.transforms;
    expect(Object.values(later)[0]).toMatchObject({ status: 'ready', public_url: first.public_url });
    expect(await renders(a.gid)).toEqual([{ renders: 1 }]);
  });

  it('refuses bad input in the Unicat shape: a bad pathname, options or force, too many files, no JWT', async () => {
    const bad = await transforms(['not-a-path'], THUMB);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ success: false, result: { code: 400 } });
    expect((await transforms([], 'width=0')).status).toBe(400);
    expect((await transforms([], `${THUMB}/force=true`)).status).toBe(400);
    expect((await transforms([], 5)).status).toBe(400);
    const many = Array.from({ length: 1001 }, () => '00000000-0000-4000-8000-000000000000~1.jpg');
    expect((await transforms(many, THUMB)).status).toBe(413);
    expect(await transforms([], THUMB)).toMatchObject({ status: 200, body: { success: true, result: { transforms: {} } } });
    const anon = await fetch(`${t.url}/dam/p/${f.projectGid}/transforms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ files: [], options: THUMB }) });
    expect(anon.status).toBe(401);
  });
});
