// BLOB_STORE=s3 against a local S3-compatible server (s3rver, started here on a free port): every
// blob path of a server over HTTP (upload, download with Range, publish, transform renditions,
// permanent delete) and the store's own edges (over the limit, a cut-off source, sweeping).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import S3rver from 's3rver';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { dam, fetchBytes, jpeg, storagePath, uploadFile } from '../dam/dam-helpers.ts';
import { freePort } from '../helpers/process.ts';
import { S3BlobStore } from '../../src/storage/s3-store.ts';

const BUCKET = 'assetlib-test';
let s3dir: string;
let s3: S3rver;
let endpoint: string;
let t: TestServer; let f: Fixture; let c: UnicatClient; let root: string;
let store: S3BlobStore;

beforeAll(async () => {
  s3dir = mkdtempSync(join(tmpdir(), 'assetlib-s3-'));
  const port = await freePort();
  s3 = new S3rver({ port, address: '127.0.0.1', silent: true, directory: s3dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
  await s3.run();
  endpoint = `http://127.0.0.1:${port}`;
  const s3config = {
    blobStore: 's3' as const, s3Bucket: BUCKET, s3Endpoint: endpoint, s3Region: 'us-east-1', s3ForcePathStyle: true,
    s3AccessKeyId: 'S3RVER', s3SecretAccessKey: 'S3RVER', s3Prefix: 'site1/',
  };
  t = await startTestServer(s3config);
  f = await createFixture(t.db, { owner: 'owner' });
  c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
  root = (await c.call('assets/get', { pathname: '/' })).result.asset;
  store = new S3BlobStore({ bucket: BUCKET, prefix: 'site1/', client: { endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } } });
}, 60_000);
afterAll(async () => {
  store?.close();
  await t?.close();
  await s3?.close();
  rmSync(s3dir, { recursive: true, force: true });
});

async function keys(prefix: string): Promise<string[]> {
  const r = await store.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key!);
}
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('BLOB_STORE=s3 (s3rver)', () => {
  it('an upload lands in the bucket under its sha256, nothing on disk, no temporary object left', async () => {
    const bytes = await jpeg(160, 120);
    await uploadFile(c, root, 'up.jpg', bytes);
    expect(await keys('site1/blobs/')).toContain(`site1/blobs/${sha(bytes)}`);
    expect(await keys('site1/tmp/')).toEqual([]);
    expect(existsSync(join(t.dataDir, 'blobs'))).toBe(false);
  });

  it('downloads with and without Range (Oracle files/{id}/data)', async () => {
    const bytes = await jpeg(90, 60);
    const a = await uploadFile(c, root, 'dl.jpg', bytes);
    const auth = { authorization: `Basic ${Buffer.from(`${f.users.owner.email}:${f.users.owner.key}`).toString('base64')}` };
    const whole = await fetchBytes(`${t.url}/documents/api/1.1/files/${a.gid}/data`, auth);
    expect(whole.status).toBe(200);
    expect(whole.bytes.equals(bytes)).toBe(true);
    const part = await fetchBytes(`${t.url}/documents/api/1.1/files/${a.gid}/data`, { ...auth, range: 'bytes=2-5' });
    expect(part.status).toBe(206);
    expect(part.bytes.equals(bytes.subarray(2, 6))).toBe(true);
  });

  it('publish serves the bytes (whole and ranged); transform renders from the bucket and stores the rendition there', async () => {
    const bytes = await jpeg(400, 300);
    const a = await uploadFile(c, root, 'pub.jpg', bytes);
    const p = await dam(c, 'publish', storagePath(a));
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    const got = await fetchBytes(p.body.result.public_url);
    expect(got.bytes.equals(bytes)).toBe(true);
    const tail = await fetchBytes(p.body.result.public_url, { range: 'bytes=-5' });
    expect(tail.status).toBe(206);
    expect(tail.bytes.equals(bytes.subarray(bytes.length - 5))).toBe(true);

    const tr = await dam(c, 'transform', `${storagePath(a)}/fill=100,50/type=png`);
    expect(tr.status, JSON.stringify(tr.body)).toBe(200);
    const img = await fetchBytes(tr.body.result.public_url);
    expect(await sharp(img.bytes).metadata()).toMatchObject({ format: 'png', width: 100, height: 50 });
    expect(await keys('site1/blobs/')).toContain(`site1/blobs/${sha(img.bytes)}`);
  });

  it('permanent delete removes the original and rendition objects', async () => {
    const bytes = await jpeg(120, 80);
    const a = await uploadFile(c, root, 'purge.jpg', bytes);
    const tr = await dam(c, 'transform', `${storagePath(a)}/width=60`);
    const rendition = sha((await fetchBytes(tr.body.result.public_url)).bytes);
    expect(await keys('site1/blobs/')).toEqual(expect.arrayContaining([`site1/blobs/${sha(bytes)}`, `site1/blobs/${rendition}`]));
    await c.call('assets/delete', { asset: a.gid });
    await c.call('assets/permanent_delete', { asset: a.gid });
    const left = await keys('site1/blobs/');
    expect(left).not.toContain(`site1/blobs/${sha(bytes)}`);
    expect(left).not.toContain(`site1/blobs/${rendition}`);
  });

  it('the store: over the limit and a source that errors leave nothing; has/open/remove; sweepTemporary', async () => {
    await expect(store.put(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), 1000)).rejects.toMatchObject({ kind: 'too_large' });
    const broken = new Readable({ read() {} });
    const put = store.put(broken, 1 << 20);
    broken.push(Buffer.alloc(100));
    broken.destroy(new Error('cut off'));
    await expect(put).rejects.toThrow(/cut off/);
    expect(await keys('site1/tmp/')).toEqual([]);

    const bytes = Buffer.from('hello s3 store');
    const stored = await store.put(Readable.from([bytes]), 1 << 20);
    expect(stored).toEqual({ hash: sha(bytes), size: bytes.length });
    expect(await store.has(stored.hash)).toBe(true);
    const chunks: Buffer[] = [];
    for await (const ch of (await store.open(stored.hash, { start: 6, end: 7 }))!) chunks.push(ch as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('s3');
    await store.remove([stored.hash]);
    expect(await store.has(stored.hash)).toBe(false);
    expect(await store.open(stored.hash)).toBeUndefined();

    await store.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'site1/tmp/left-by-a-kill', Body: 'x' }));
    expect(await store.sweepTemporary(3_600_000)).toBe(0); // young: maybe a live upload
    expect(await store.sweepTemporary(0)).toBe(1);
    expect(await keys('site1/tmp/')).toEqual([]);
  });
});
