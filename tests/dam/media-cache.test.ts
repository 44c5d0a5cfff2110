// The in-process media cache (src/core/media/cache.ts) on two servers over one database: a cached
// dam/transform answer and a cached public URL stop at once on the server that made the change
// (cleared when its transaction commits, before the answer), and on the other server once the
// 'assetlib_media' notification reached it: delete, new upload version, rename, unpublish,
// permanent delete. The other server is synchronised by a fence, never a sleep: after the change,
// a NOTIFY on 'assetlib_auth' is sent; notifications reach a listener in commit order, so once B's
// actor cache has seen the fence, B has handled every notification of the change.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { dam, fetchBytes, jpeg, storagePath, uploadFile } from './dam-helpers.ts';
import { MediaCache } from '../../src/core/media/cache.ts';
import type { InvalidationListener } from '../../src/core/invalidation.ts';

let a: TestServer; let b: TestServer; let f: Fixture;
let ca: UnicatClient; let cb: UnicatClient; let root: string;

beforeAll(async () => {
  // no background renders after uploads: the tests count cache hits
  a = await startTestServer({ mediaPrerender: '' });
  b = await startTestServer({ databaseUrl: a.config.databaseUrl, dataDir: a.dataDir, mediaPrerender: '' }); // one blob store
  f = await createFixture(a.db, { owner: 'owner' });
  ca = new UnicatClient(a.url, f.projectGid);
  await ca.auth(f.users.owner.key);
  cb = new UnicatClient(b.url, f.projectGid);
  await cb.auth(f.users.owner.key);
  root = (await ca.call('assets/get', { pathname: '/' })).result.asset;
});
afterAll(async () => { await b?.close(); await a?.close(); });

const serverOf = (c: UnicatClient) => (c === ca ? a : b);

/** A transform (and its public URL) answered twice by c's server: the second time from its cache. */
async function cachedTransform(c: UnicatClient, asset: any, options: string): Promise<{ url: string; filename: string }> {
  const path = `${storagePath(asset)}/${options}`;
  const r1 = await dam(c, 'transform', path);
  expect(r1.status, JSON.stringify(r1.body)).toBe(200);
  const url = r1.body.result.public_url as string;
  expect((await fetchBytes(url.replace(/^http:\/\/[^/]+/, serverOf(c).url))).status).toBe(200);
  const cache = serverOf(c).server.media;
  const hits = cache.hits;
  const r2 = await dam(c, 'transform', path);
  expect(r2.body.result).toEqual(r1.body.result);
  expect((await fetchBytes(url.replace(/^http:\/\/[^/]+/, serverOf(c).url))).status).toBe(200);
  expect(cache.hits).toBe(hits + 2); // the answer and the URL's link, from memory
  return { url: url.replace(/^http:\/\/[^/]+/, ''), filename: r1.body.result.filename };
}

/** The original's public URL (dam/publish), fetched twice through c's server: the second time from its cache. */
async function cachedOriginal(c: UnicatClient, asset: any): Promise<string> {
  const r = await dam(c, 'publish', storagePath(asset));
  expect(r.status).toBe(200);
  const url = (r.body.result.public_url as string).replace(/^http:\/\/[^/]+/, '');
  const cache = serverOf(c).server.media;
  expect((await fetchBytes(serverOf(c).url + url)).status).toBe(200);
  const hits = cache.hits;
  expect((await fetchBytes(serverOf(c).url + url)).status).toBe(200);
  expect(cache.hits).toBe(hits + 1);
  return url;
}

/**
 * Runs a change through server A and returns once server B has handled its notifications (the
 * fence). Checks that A cleared its caches synchronously, before answering: a cache on A's pool
 * that no notification reaches (its listener never calls it) is empty right after the change.
 */
async function throughA(change: () => Promise<unknown>, clears = true): Promise<void> {
  const deaf = new MediaCache({ listening: true, pool: a.db, subscribe: () => undefined } as unknown as InvalidationListener);
  deaf.setLink(deaf.generation(), 'f'.repeat(32), { hash: 'h', mime: 'image/jpeg', size: 1, filename: 'x.jpg' });
  const fence = once(b.server.actors, 'invalidated');
  try {
    await change();
    expect(deaf.stats().links).toBe(clears ? 0 : 1);
  } finally {
    deaf.close();
  }
  await a.db.query(`NOTIFY assetlib_auth, 'media-cache-test fence'`);
  await fence;
}

const status = async (s: TestServer, url: string) => (await fetchBytes(s.url + url)).status;

async function uploadUpdate(asset: any, content: Buffer): Promise<any> {
  const form = new FormData();
  form.append('asset', asset.gid);
  form.append('upload_file', new Blob([new Uint8Array(content)]), asset.name);
  const up = await fetch(`${a.url}/api/p/${f.projectGid}/assets/upload_update`, { method: 'POST', headers: { authorization: `Bearer ${ca.jwt}` }, body: form });
  expect(up.status).toBe(200);
  return ((await up.json()) as any).data.assets[asset.gid];
}

describe('media cache across two servers', () => {
  it('delete: the transform is refused in the Unicat shape and the public URLs answer 404, on A at once and on B after the notification; undelete restores them', async () => {
    const asset = await uploadFile(ca, root, 'deleted.jpg', await jpeg(160, 120));
    const onA = await cachedTransform(ca, asset, 'fill=80,60/key=del');
    const onB = await cachedTransform(cb, asset, 'fill=80,60/key=del');
    expect(onB.url).toBe(onA.url);
    const original = await cachedOriginal(ca, asset);
    await cachedOriginal(cb, asset);

    await throughA(async () => {
      await ca.call('assets/delete', { asset: asset.gid });
      // A, the very next request: no wait for any notification
      const r = await dam(ca, 'transform', `${storagePath(asset)}/fill=80,60/key=del`);
      expect(r.status).toBe(422);
      expect(r.body).toMatchObject({ success: false, result: { code: 422 } });
      expect(await status(a, onA.url)).toBe(404);
      expect(await status(a, original)).toBe(404);
    });
    const r = await dam(cb, 'transform', `${storagePath(asset)}/fill=80,60/key=del`);
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ success: false, result: { code: 422 } });
    expect(await status(b, onB.url)).toBe(404);
    expect(await status(b, original)).toBe(404);

    await ca.call('assets/undelete', { asset: asset.gid });
    expect((await dam(cb, 'transform', `${storagePath(asset)}/fill=80,60/key=del`)).body.result.filename).toBe(onA.filename);
    expect(await status(b, onB.url)).toBe(200);
    expect(await status(a, original)).toBe(200);
  });

  it('new upload version: the old version is refused (wrong_version) and its URLs answer 404, on A at once and on B after the notification', async () => {
    const asset = await uploadFile(ca, root, 'versioned.jpg', await jpeg(160, 120));
    const onA = await cachedTransform(ca, asset, 'width=40');
    await cachedTransform(cb, asset, 'width=40');
    const original = await cachedOriginal(cb, asset);
    let v2: any;
    await throughA(async () => {
      v2 = await uploadUpdate(asset, await jpeg(100, 100));
      expect(v2.version).toBe(2);
      const r = await dam(ca, 'transform', `${storagePath(asset)}/width=40`);
      expect(r.status).toBe(422);
      expect(r.body.result).toMatchObject({ code: 422 });
      expect(await status(a, onA.url)).toBe(404);
    });
    const r = await dam(cb, 'transform', `${storagePath(asset)}/width=40`);
    expect(r.status).toBe(422);
    expect(await status(b, onA.url)).toBe(404);
    expect(await status(b, original)).toBe(404);
    const now = await dam(cb, 'transform', `${storagePath(v2)}/width=40`);
    expect(now.status).toBe(200);
    expect(now.body.result.height).toBe(40); // the new content: square
  });

  it('rename: the transform answers the rendition named for the new name, on A at once and on B after the notification', async () => {
    const asset = await uploadFile(ca, root, 'before.jpg', await jpeg(160, 120));
    const onA = await cachedTransform(ca, asset, 'width=50/key=r');
    await cachedTransform(cb, asset, 'width=50/key=r');
    expect(onA.filename).toBe('before@r.jpg');
    await throughA(async () => {
      await ca.call('assets/update', { asset: asset.gid, name: 'after.jpg' });
      const r = await dam(ca, 'transform', `${storagePath(asset)}/width=50/key=r`);
      expect(r.body.result.filename).toBe('after@r.jpg');
    });
    const r = await dam(cb, 'transform', `${storagePath(asset)}/width=50/key=r`);
    expect(r.body.result.filename).toBe('after@r.jpg');
    expect(await status(b, new URL(r.body.result.public_url).pathname)).toBe(200);
  });

  it('unpublish: the original\'s URL answers 404, on A at once and on B after the notification', async () => {
    const asset = await uploadFile(ca, root, 'private.jpg', await jpeg(60, 40));
    const url = await cachedOriginal(ca, asset);
    await cachedOriginal(cb, asset);
    await throughA(async () => {
      expect((await dam(ca, 'unpublish', storagePath(asset))).status).toBe(200);
      expect(await status(a, url)).toBe(404);
    });
    expect(await status(b, url)).toBe(404);
  });

  it('permanent delete: transform refused and URLs 404 on both servers', async () => {
    const asset = await uploadFile(ca, root, 'purged.jpg', await jpeg(60, 40));
    const t = await cachedTransform(cb, asset, 'width=30');
    const original = await cachedOriginal(cb, asset);
    await throughA(() => ca.call('assets/delete', { asset: asset.gid }));
    await throughA(async () => {
      await ca.call('assets/permanent_delete', { asset: asset.gid });
      expect((await dam(ca, 'transform', `${storagePath(asset)}/width=30`)).status).toBe(422);
      expect(await status(a, t.url)).toBe(404);
    });
    expect((await dam(cb, 'transform', `${storagePath(asset)}/width=30`)).status).toBe(422);
    expect(await status(b, t.url)).toBe(404);
    expect(await status(b, original)).toBe(404);
  });

  it('a change the cache does not depend on (a title) leaves it in place; a first render sends no notification', async () => {
    const asset = await uploadFile(ca, root, 'kept.jpg', await jpeg(60, 40));
    await cachedTransform(cb, asset, 'width=20');
    await throughA(async () => {
      await ca.call('assets/update', { asset: asset.gid, title: { en: 'A title' } });
      expect((await dam(ca, 'transform', `${storagePath(asset)}/width=10`)).status).toBe(200); // a first render on A
    }, false);
    const hits = b.server.media.hits;
    expect((await dam(cb, 'transform', `${storagePath(asset)}/width=20`)).status).toBe(200);
    expect(b.server.media.hits).toBe(hits + 1);
  });
});

describe('media cache bounds', () => {
  it('holds at most 20,000 answers of each kind and 8 MiB of each, least recently used out', () => {
    const listener = { listening: true, pool: undefined, subscribe: () => undefined } as unknown as InvalidationListener;
    const cache = new MediaCache(listener);
    const gen = cache.generation();
    for (let i = 0; i < 25_000; i++) {
      cache.setLink(gen, i.toString(16).padStart(32, '0'), { hash: 'h'.repeat(64), mime: 'image/jpeg', size: 1, filename: `f${i}.jpg` });
    }
    expect(cache.stats().links).toBe(20_000);
    expect(cache.link('0'.repeat(32))).toBeUndefined(); // the oldest went first
    expect(cache.link((24_999).toString(16).padStart(32, '0'))).toBeDefined();
    const long = 'n'.repeat(100_000);
    for (let i = 0; i < 100; i++) cache.setRendition(gen, 1, `p${i}`, 'width=1', { token: 't', filename: long, width: 1, height: 1, mime: 'image/jpeg', size: 1 });
    expect(cache.stats().bytes).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(cache.stats().renditions).toBeLessThan(100);
    cache.clear();
    cache.setLink(gen, 'a'.repeat(32), { hash: 'h', mime: 'm', size: 1, filename: 'x' }); // read before the clear: not stored
    expect(cache.stats().links).toBe(0);
    cache.close();
  });
});
