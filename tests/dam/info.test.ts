// Media info at upload (content type sniffed when the part has none; image info with sharp) and
// GET /dam/p/{p}/info/{gid}~{version}.{ext}.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { animatedGif, dam, jpeg, storagePath, svg, transparentPng, uploadFile } from './dam-helpers.ts';

let t: TestServer; let f: Fixture; let c: UnicatClient; let root: string;
beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner', viewer: 'viewer' });
  c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
  root = (await c.call('assets/get', { pathname: '/' })).result.asset;
});
afterAll(() => t?.close());

describe('media info at upload', () => {
  it('a JPEG without a part type: image/jpeg from its bytes, size, resolution, colours and EXIF metadata', async () => {
    const a = await uploadFile(c, root, 'photo.jpg', await jpeg(640, 480, { density: 300, exif: true }));
    expect(a.type).toBe('image');
    expect(a.info).toMatchObject({
      mime: 'image/jpeg', format: 'jpg', width: 640, height: 480, pages: 1, animated: false, transparent: false,
      colors: 'truecolor', colorspace: 'srgb', resolution: [300, 300],
    });
    expect(a.info.metadata).toMatchObject({ 'exif:Make': 'assetlib-test', 'exif:Model': 'sharp', 'exif:Copyright': 'tests' });
    expect(a.info.metadata['exif:ExifTag']).toBeUndefined();
  });

  it('the content decides over a misleading name when the part has no type', async () => {
    const a = await uploadFile(c, root, 'looks-like-text.txt', await transparentPng(50, 40));
    expect(a).toMatchObject({ type: 'image', info: { mime: 'image/png', width: 50, height: 40 } });
  });

  it('a PNG with alpha is transparent (truecolormatte); a palette PNG says palette', async () => {
    const a = await uploadFile(c, root, 'alpha.png', await transparentPng(64, 32));
    expect(a.info).toMatchObject({ format: 'png', width: 64, height: 32, transparent: true, colors: 'truecolormatte', animated: false });
    const p = await uploadFile(c, root, 'palette.png', await sharp(await jpeg(32, 32)).png({ palette: true, colours: 8 }).toBuffer());
    expect(p.info.colors).toMatch(/^palette/);
  });

  it('an animated GIF: frames as pages, animated, the height of one frame', async () => {
    const a = await uploadFile(c, root, 'anim.gif', await animatedGif(40, 30, 3));
    expect(a.info).toMatchObject({ mime: 'image/gif', width: 40, height: 30, pages: 3, animated: true });
  });

  it('webp, avif, tiff, greyscale and svg', async () => {
    const src = await jpeg(120, 80);
    const webp = await uploadFile(c, root, 'i.webp', await sharp(src).webp().toBuffer());
    expect(webp.info).toMatchObject({ mime: 'image/webp', width: 120, height: 80, pages: 1 });
    const avif = await uploadFile(c, root, 'i.avif', await sharp(src).avif().toBuffer());
    expect(avif.info).toMatchObject({ mime: 'image/avif', width: 120, height: 80 });
    const tiff = await uploadFile(c, root, 'i.tiff', await sharp(src).tiff().toBuffer());
    expect(tiff.info).toMatchObject({ mime: 'image/tiff', width: 120, height: 80, colorspace: 'srgb' });
    const grey = await uploadFile(c, root, 'grey.jpg', await sharp(src).greyscale().toColourspace('b-w').jpeg().toBuffer());
    expect(grey.info).toMatchObject({ colorspace: 'gray', colors: 'grayscale' });
    const vec = await uploadFile(c, root, 'v.svg', svg(333, 222));
    expect(vec.info).toMatchObject({ mime: 'image/svg+xml', format: 'svg', width: 333, height: 222, transparent: true });
  });

  it('a file that is not an image gets no media info; a broken image keeps its type but no info', async () => {
    const txt = await uploadFile(c, root, 'notes.txt', Buffer.from('just words\n'));
    expect(txt).toMatchObject({ type: 'text', info: { mime: 'text/plain', format: 'txt' } });
    expect(txt.info.width).toBeUndefined();
    const broken = await uploadFile(c, root, 'broken.png', Buffer.concat([(await transparentPng(10, 10)).subarray(0, 40)]));
    expect(broken.info.mime).toBe('image/png');
    expect(broken.info.width).toBeUndefined();
  });

  it('upload_update replaces the info with the new content\'s', async () => {
    const a = await uploadFile(c, root, 'changing.jpg', await jpeg(100, 50));
    const form = new FormData();
    form.append('asset', a.gid);
    form.append('upload_file', new Blob([new Uint8Array(await jpeg(30, 60))]), 'changing.jpg');
    const res = await fetch(`${t.url}/api/p/${f.projectGid}/assets/upload_update`, { method: 'POST', headers: { authorization: `Bearer ${c.jwt}` }, body: form });
    const body = await res.json() as any;
    expect(body.data.assets[a.gid]).toMatchObject({ version: 2, info: { width: 30, height: 60 } });
  });
});

describe('GET /dam/p/{p}/info/{storage pathname}', () => {
  it('answers the stored info with filesize, and sends no renewed JWT', async () => {
    const a = await uploadFile(c, root, 'info.jpg', await jpeg(200, 100));
    const r = await dam(c, 'info', storagePath(a));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ success: true, result: { format: 'jpg', width: 200, height: 100, filesize: a.info.filesize, pages: 1 }, data: {} });
    expect(r.headers.get('authorization')).toBeNull();
  });

  it('a viewer reads it; errors in the Unicat shape: no JWT 401, other project 403, bad path 400, unknown/deleted/folder/old version 422', async () => {
    const a = await uploadFile(c, root, 'errs.jpg', await jpeg(20, 20));
    const v = new UnicatClient(t.url, f.projectGid);
    await v.auth(f.users.viewer.key);
    expect((await dam(v, 'info', storagePath(a))).status).toBe(200);
    const noJwt = await dam(c, 'info', storagePath(a), '');
    expect(noJwt.status).toBe(401);
    expect(noJwt.headers.get('www-authenticate')).toMatch(/Bearer/);
    const other = await createFixture(t.db);
    const o = new UnicatClient(t.url, other.projectGid);
    await o.auth(other.users.owner.key);
    const cross = new UnicatClient(t.url, f.projectGid); cross.jwt = o.jwt;
    expect((await dam(cross, 'info', storagePath(a))).status).toBe(403);
    for (const [path, status] of [
      ['not-a-path', 400], [`${a.gid}~x.jpg`, 400], [`${a.gid}.jpg`, 400],
      [`00000000-0000-4000-8000-000000000000~1.jpg`, 422], [`${a.gid}~2.jpg`, 422], [`${root}~1`, 422],
    ] as const) {
      const r = await dam(c, 'info', path);
      expect(r.status, path).toBe(status);
      expect(r.body).toMatchObject({ success: false, result: { code: status }, data: {} });
    }
    await c.call('assets/delete', { asset: a.gid });
    expect((await dam(c, 'info', storagePath(a))).status).toBe(422);
  });
});
