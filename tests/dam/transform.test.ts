// GET /dam/p/{p}/transform/{storage pathname}/{options}: real renders with sharp, decoded and
// checked; caching per (source version, options); identical concurrent requests render once,
// also across two servers; bad input answers in the Unicat shape and writes nothing.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { dam, fetchBytes, jpeg, storagePath, svg, transparentPng, uploadFile } from './dam-helpers.ts';

let t: TestServer; let f: Fixture; let c: UnicatClient; let root: string;
let photo: any; // 800 x 600 gradient JPEG: red = x, green = y

beforeAll(async () => {
  // no background renders after uploads (MEDIA_PRERENDER): these tests count renders, links and blobs
  t = await startTestServer({ mediaPrerender: '' });
  f = await createFixture(t.db, { owner: 'owner', viewer: 'viewer' });
  c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
  root = (await c.call('assets/get', { pathname: '/' })).result.asset;
  photo = await uploadFile(c, root, 'photo.jpg', await jpeg(800, 600));
});
afterAll(() => t?.close());

async function render(asset: any, options: string, client = c) {
  const r = await dam(client, 'transform', `${storagePath(asset)}${options ? `/${options}` : ''}`);
  if (r.status !== 200) throw new Error(`transform ${options}: ${r.status} ${JSON.stringify(r.body)}`);
  const got = await fetchBytes(r.body.result.public_url);
  expect(got.status).toBe(200);
  const img = sharp(got.bytes);
  const meta = await img.metadata();
  return { r, bytes: got.bytes, headers: got.headers, meta, pixel: async (x: number, y: number) => {
    const { data, info } = await sharp(got.bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const i = (y * info.width + x) * 4;
    return [...data.subarray(i, i + 4)];
  } };
}

const linkCount = async () => (await t.db.query('SELECT count(*)::int AS n FROM media_links')).rows[0].n as number;
function blobCount(): number {
  const dir = join(t.dataDir, 'blobs');
  if (!existsSync(dir)) return 0;
  return (readdirSync(dir, { recursive: true }) as string[]).filter((p) => /[0-9a-f]{64}$/.test(p)).length;
}

describe('renders', () => {
  it('fill=400,300/type=jpg: a 400 x 300 JPEG, URL without a JWT, named <name>@<key>.<type>', async () => {
    const { r, meta, headers } = await render(photo, 'fill=400,300/type=jpg');
    expect(meta).toMatchObject({ format: 'jpeg', width: 400, height: 300 });
    expect(r.body.result).toMatchObject({ width: 400, height: 300, mime: 'image/jpeg' });
    expect(r.body.result.public_url).toMatch(/\/media\/[0-9a-f]{32}\/photo@[0-9a-f]{12}\.jpg$/);
    expect(headers.get('content-type')).toBe('image/jpeg');
    expect(headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(r.headers.get('authorization')).toBeNull();
  });

  it('width, height and the vendor\'s W,H forms keep the aspect ratio', async () => {
    expect((await render(photo, 'width=200')).meta).toMatchObject({ width: 200, height: 150 });
    expect((await render(photo, 'height=150')).meta).toMatchObject({ width: 200, height: 150 });
    expect((await render(photo, 'width=200,999')).meta).toMatchObject({ width: 200, height: 150 });
    expect((await render(photo, 'resize=fill/width=100/height=100')).meta).toMatchObject({ width: 100, height: 100 });
  });

  it('fit places the picture on the canvas by the hotspot, the rest is background (white for jpg, transparent for png, bg=)', async () => {
    const jpg = await render(photo, 'fit=400,400/type=jpg');
    expect(jpg.meta).toMatchObject({ width: 400, height: 400 });
    expect((await jpg.pixel(200, 5)).slice(0, 3).every((v) => v > 245)).toBe(true); // top band is white padding
    const png = await render(photo, 'fit=400,400/type=png');
    expect((await png.pixel(200, 5))[3]).toBe(0);
    expect((await png.pixel(200, 200))[3]).toBe(255);
    const red = await render(photo, 'fit=400,400/type=png/bg=ff0000');
    expect(await red.pixel(200, 5)).toEqual([255, 0, 0, 255]);
    const top = await render(photo, 'fit=400,400/type=png/hs=0.5,0');
    expect((await top.pixel(200, 5))[3]).toBe(255); // hotspot at the top: the picture sits at the top
    expect((await top.pixel(200, 395))[3]).toBe(0);
  });

  it('crop keeps a fraction around the hotspot; fill cuts around the hotspot', async () => {
    const left = await render(photo, 'crop=0.5,0.5/hs=0,0/type=png');
    expect(left.meta).toMatchObject({ width: 400, height: 300 });
    const [r, g] = await left.pixel(399, 299);
    expect(r).toBeLessThan(135); // the top-left quarter: red (x) and green (y) at most half
    expect(g).toBeLessThan(135);
    const right = await render(photo, 'fill=100,300/hs=1,0.5/type=png');
    expect(right.meta).toMatchObject({ width: 100, height: 300 });
    expect((await right.pixel(0, 150))[0]).toBeGreaterThan(180); // the right edge of the gradient
  });

  it('padding (numeric and auto) and dpr', async () => {
    const padded = await render(photo, 'width=100/padding=10,20,30,40/type=png');
    expect(padded.meta).toMatchObject({ width: 160, height: 115 });
    expect((await padded.pixel(5, 5))[3]).toBe(0);
    const auto = await render(photo, 'fit=200,200/padding=auto,10,auto,10/type=png');
    expect(auto.meta).toMatchObject({ width: 200, height: 200 });
    expect((await auto.pixel(5, 100))[3]).toBe(0);
    expect((await auto.pixel(12, 100))[3]).toBe(255);
    expect((await render(photo, 'fill=100,50/dpr=2')).meta).toMatchObject({ width: 200, height: 100 });
  });

  it('types, quality and optimize', async () => {
    expect((await render(photo, 'width=64/type=gif')).meta.format).toBe('gif');
    expect((await render(photo, 'width=64/type=webp')).meta.format).toBe('webp');
    expect((await render(photo, 'width=64/type=png')).meta.format).toBe('png');
    const low = await render(photo, 'width=400/q=5');
    const high = await render(photo, 'width=400/q=95');
    expect(low.bytes.length).toBeLessThan(high.bytes.length / 2);
    expect((await render(photo, 'width=400/q=80/optimize=true')).meta.format).toBe('jpeg');
  });

  it('sources: png with alpha to jpg is flattened on white; svg is rasterised at the size asked', async () => {
    const png = await uploadFile(c, root, 'alpha.png', await transparentPng(100, 100));
    const flat = await render(png, 'width=50/type=jpg');
    expect(flat.meta).toMatchObject({ format: 'jpeg', width: 50, channels: 3 });
    expect((await flat.pixel(2, 25)).slice(0, 3).every((v) => v > 245)).toBe(true);
    const vec = await uploadFile(c, root, 'v.svg', svg(100, 50));
    const big = await render(vec, 'width=1000');
    expect(big.meta).toMatchObject({ format: 'png', width: 1000, height: 500 });
  });

  it('name and key make the file name', async () => {
    const { r } = await render(photo, 'fill=40,40/name=seo-name/key=2x');
    expect(r.body.result.public_url.split('/').pop()).toBe('seo-name@2x.jpg');
  });
});

describe('caching', () => {
  it('the same options answer the same rendition without rendering again; force renders again', async () => {
    const first = await dam(c, 'transform', `${storagePath(photo)}/fill=120,90/key=k1`);
    const again = await dam(c, 'transform', `${storagePath(photo)}/key=k1/fill=120,90`); // order does not matter
    expect(again.body.result.public_url).toBe(first.body.result.public_url);
    const q = () => t.db.query(`SELECT renders FROM media_links WHERE filename = 'photo@k1.jpg'`);
    expect((await q()).rows).toEqual([{ renders: 1 }]);
    const forced = await dam(c, 'transform', `${storagePath(photo)}/fill=120,90/key=k1/force=true`);
    expect(forced.body.result.public_url).toBe(first.body.result.public_url);
    expect((await q()).rows).toEqual([{ renders: 2 }]);
  });

  it('a new upload version makes new renditions; the old URLs stop', async () => {
    const a = await uploadFile(c, root, 'versioned.jpg', await jpeg(300, 200));
    const v1 = await render(a, 'width=100');
    expect(v1.meta.height).toBe(67);
    const form = new FormData();
    form.append('asset', a.gid);
    form.append('upload_file', new Blob([new Uint8Array(await jpeg(200, 200))]), 'versioned.jpg');
    const up = await fetch(`${t.url}/api/p/${f.projectGid}/assets/upload_update`, { method: 'POST', headers: { authorization: `Bearer ${c.jwt}` }, body: form });
    const a2 = ((await up.json()) as any).data.assets[a.gid];
    expect(a2.version).toBe(2);
    expect((await fetchBytes(v1.r.body.result.public_url)).status).toBe(404);
    const old = await dam(c, 'transform', `${storagePath(a)}/width=100`);
    expect(old.status).toBe(422);
    const v2 = await render(a2, 'width=100');
    expect(v2.meta.height).toBe(100);
    expect(v2.r.body.result.public_url).not.toBe(v1.r.body.result.public_url);
  });

  it('8 identical concurrent requests render once', async () => {
    const a = await uploadFile(c, root, 'concurrent.jpg', await jpeg(1200, 900));
    const rs = await Promise.all(Array.from({ length: 8 }, () => dam(c, 'transform', `${storagePath(a)}/fill=300,200/key=same`)));
    expect(rs.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(new Set(rs.map((r) => r.body.result.public_url)).size).toBe(1);
    const { rows } = await t.db.query(`SELECT renders FROM media_links l JOIN assets a ON a.id = l.asset_id WHERE a.gid = $1`, [a.gid]);
    expect(rows).toEqual([{ renders: 1 }]);
  });

  it('identical requests on two servers over one database render once (the database lock, not process memory)', async () => {
    const t2 = await startTestServer({ databaseUrl: t.config.databaseUrl, dataDir: t.dataDir, mediaPrerender: '' });
    try {
      const a = await uploadFile(c, root, 'two-servers.jpg', await jpeg(1600, 1200));
      const c2 = new UnicatClient(t2.url, f.projectGid);
      await c2.auth(f.users.owner.key);
      const calls = Array.from({ length: 8 }, (_, i) => dam(i % 2 ? c2 : c, 'transform', `${storagePath(a)}/fill=200,200/key=both`));
      const rs = await Promise.all(calls);
      expect(rs.map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(new Set(rs.map((r) => new URL(r.body.result.public_url).pathname)).size).toBe(1);
      const { rows } = await t.db.query(`SELECT renders FROM media_links l JOIN assets a ON a.id = l.asset_id WHERE a.gid = $1`, [a.gid]);
      expect(rows).toEqual([{ renders: 1 }]);
      // the rendition a server made is served by the other one
      const path = new URL(rs[0].body.result.public_url).pathname;
      expect((await fetchBytes(`${t2.url}${path}`)).status).toBe(200);
      expect((await fetchBytes(`${t.url}${path}`)).status).toBe(200);
    } finally {
      await t2.server.close();
    }
  });
});

describe('bad input: the Unicat error shape, never a 500, nothing written', () => {
  it('refuses each bad request and writes no row and no blob', async () => {
    const folder = (await c.call('assets/create', { parent: root, name: 'folder' })).result.asset;
    const text = await uploadFile(c, root, 'words.txt', Buffer.from('not an image'));
    const gone = await uploadFile(c, root, 'gone.jpg', await jpeg(50, 50));
    await c.call('assets/delete', { asset: gone.gid });
    const tall = await uploadFile(c, root, 'tall.png', await sharp({ create: { width: 1, height: 4000, channels: 3, background: '#000' } }).png().toBuffer());
    const links = await linkCount();
    const blobs = blobCount();
    const sp = storagePath(photo);
    const cases: [string, number][] = [
      [`${sp}/width=100000`, 400], [`${sp}/fill=0,10`, 400], [`${sp}/fill=400`, 400], [`${sp}/width=abc`, 400],
      [`${sp}/colour=red`, 400], [`${sp}/width`, 400], [`${sp}/width=10/width=20`, 400], [`${sp}/width=10/fill=10,10`, 400],
      [`${sp}/hs=2,0`, 400], [`${sp}/crop=0,0.5`, 400], [`${sp}/padding=1,2,3`, 400], [`${sp}/padding=1,2,3,2000`, 400],
      [`${sp}/fit=10,10/padding=5,5,5,5`, 400], [`${sp}/q=101`, 400], [`${sp}/bg=purple`, 400], [`${sp}/dpr=9`, 400],
      [`${sp}/type=bmp`, 400], [`${sp}/force=maybe`, 400], [`${sp}/name=../x`, 400], [`${sp}/width=5000/dpr=4`, 400],
      [`${storagePath(tall)}/width=5000`, 400],
      ['garbage/width=10', 400],
      [`${storagePath(text)}/width=10`, 422], [`${folder}~1/width=10`, 422], [`${storagePath(gone)}/width=10`, 422],
      [`${photo.gid}~7.jpg/width=10`, 422], ['00000000-0000-4000-8000-000000000000~1.jpg/width=10', 422],
    ];
    for (const [path, status] of cases) {
      const r = await dam(c, 'transform', path);
      expect(r.status, path).toBe(status);
      expect(r.body, path).toMatchObject({ success: false, result: { code: status, message: expect.any(String) }, data: {} });
    }
    expect(await linkCount()).toBe(links);
    expect(blobCount()).toBe(blobs);
  });
});
