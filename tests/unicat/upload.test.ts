// assets/upload and assets/upload_update: multipart, content-addressed storage under DATA_DIR,
// type and mime detection, versions, the size limit (413, nothing stored), refusals.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';

const LIMIT = 64 * 1024;
let t: TestServer;
let f: Fixture;
let c: UnicatClient;
let rootGid: string;

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const blobPath = (h: string) => join(t.dataDir, 'blobs', h.slice(0, 2), h.slice(2, 4), h);
function blobFiles(): string[] {
  const dir = join(t.dataDir, 'blobs');
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((p) => /[0-9a-f]{64}$/.test(p) || p.startsWith('tmp/'));
}
async function assetCount() {
  const { rows } = await t.db.query('SELECT count(*)::int AS n FROM assets WHERE project_id = $1', [f.projectId]);
  return rows[0].n as number;
}

beforeAll(async () => {
  t = await startTestServer({ uploadLimitBytes: LIMIT });
  f = await createFixture(t.db, { owner: 'owner', viewer: 'viewer' });
  c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
  rootGid = (await c.call('assets/get', { pathname: '/' })).result.asset;
});
afterAll(() => t?.close());

describe('assets/upload', () => {
  it('stores the file content-addressed and returns the asset and its parent', async () => {
    const folder = (await c.call('assets/create', { parent: rootGid, name: 'Uploads' })).result.asset;
    const content = 'hello, asset world\n'.repeat(100);
    const r = await c.upload({ parent: folder }, { name: 'Hello.JPG', content, type: 'application/octet-stream' });
    expect(r.status).toBe(200);
    const gid = r.body.result.asset;
    expect(r.body.result.parent).toBe(folder);
    expect(r.body.data.assets[folder].childcount).toBe(1);
    expect(r.body.data.assets[folder].info).toEqual({ filecount: 1, foldercount: 0 });
    expect(r.body.data.assets[gid]).toMatchObject({
      name: 'Hello.JPG', pathname: '/Uploads/Hello.JPG', is_file: true, type: 'image', childcount: 0, status: 'published',
      info: { format: 'jpg', filesize: content.length, mime: 'image/jpeg' }, version: 1,
    });
    const { rows } = await t.db.query('SELECT content_hash, size FROM assets WHERE gid = $1', [gid]);
    expect(rows[0]).toEqual({ content_hash: sha(content), size: content.length });
    expect(readFileSync(blobPath(sha(content)), 'utf8')).toBe(content);
  });

  it('takes the parent by pathname; the client mime wins over the extension; unknown kinds are "file"', async () => {
    const r = await c.upload({ pathname: '/Uploads' }, { name: 'clip.bin', content: 'v', type: 'video/mp4' });
    expect(r.body.data.assets[r.body.result.asset]).toMatchObject({ type: 'video', info: { mime: 'video/mp4' }, pathname: '/Uploads/clip.bin' });
    const d = await c.upload({ pathname: '/Uploads' }, { name: 'report.pdf', content: '%PDF' });
    expect(d.body.data.assets[d.body.result.asset]).toMatchObject({ type: 'document', info: { mime: 'application/pdf' } });
    const n = await c.upload({ parent: rootGid }, { name: 'README', content: 'r' });
    expect(n.body.data.assets[n.body.result.asset]).toMatchObject({ type: 'file', info: { format: '', mime: 'application/octet-stream' } });
  });

  it('refuses a name taken by a live sibling (422) and keeps no orphan blob', async () => {
    await c.upload({ parent: rootGid }, { name: 'dup.txt', content: 'first' });
    const before = await assetCount();
    const r = await c.upload({ parent: rootGid }, { name: 'dup.txt', content: 'second, other content' });
    expect(r.status).toBe(422);
    expect(r.body.result.info.reason).toBe('name_conflict');
    expect(await assetCount()).toBe(before);
    expect(existsSync(blobPath(sha('second, other content')))).toBe(false);
  });

  it('answers 413 over the size limit, storing nothing and creating no row', async () => {
    const before = await assetCount();
    const filesBefore = blobFiles();
    const big = Buffer.alloc(LIMIT + 1, 7);
    const r = await c.upload({ parent: rootGid }, { name: 'big.bin', content: big });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ success: false, result: { code: 413 } });
    expect(await assetCount()).toBe(before);
    expect(existsSync(blobPath(sha(big)))).toBe(false);
    expect(existsSync(blobPath(sha(big.subarray(0, LIMIT))))).toBe(false);
    expect(blobFiles()).toEqual(filesBefore);
    // exactly at the limit is fine
    const ok = await c.upload({ parent: rootGid }, { name: 'max.bin', content: Buffer.alloc(LIMIT, 7) });
    expect(ok.status).toBe(200);
  });

  it('refuses bad uploads with 400/422/403 and changes nothing', async () => {
    const before = await assetCount();
    const file = (await c.call('assets/get', { pathname: '/README' })).result.asset;
    const cases: [Record<string, string>, { name: string; content: string } | null, number][] = [
      [{}, { name: 'nop.txt', content: 'x' }, 400],                               // no parent
      [{ parent: 'nope' }, { name: 'nop.txt', content: 'x' }, 400],               // malformed gid
      [{ parent: '55555555-5555-4555-8555-555555555555' }, { name: 'nop.txt', content: 'x' }, 422],
      [{ parent: file }, { name: 'nop.txt', content: 'x' }, 422],                 // a file as parent
      [{ pathname: '/no/such/folder' }, { name: 'nop.txt', content: 'x' }, 422],
      [{ parent: rootGid }, null, 400],                                           // no upload_file
    ];
    for (const [fields, fileSpec, status] of cases) {
      let r;
      if (fileSpec) r = await c.upload(fields, fileSpec);
      else {
        const form = new FormData();
        for (const [k, v] of Object.entries(fields)) form.append(k, v);
        const res = await fetch(`${t.url}/api/p/${f.projectGid}/assets/upload`, { method: 'POST', headers: { authorization: `Bearer ${c.jwt}` }, body: form });
        r = { status: res.status, body: await res.json() as any };
      }
      expect(r.status, JSON.stringify(fields)).toBe(status);
      expect(r.body.success).toBe(false);
    }
    const json = await c.raw('assets/upload', { parent: rootGid });
    expect(json.status).toBe(400);
    const badName = await c.upload({ parent: rootGid }, { name: '..', content: 'x' });
    expect(badName.status).toBe(400);
    const v = new UnicatClient(t.url, f.projectGid);
    await v.auth(f.users.viewer.key);
    expect((await v.upload({ parent: rootGid }, { name: 'viewer.txt', content: 'x' })).status).toBe(403);
    expect(await assetCount()).toBe(before);
    expect(existsSync(blobPath(sha('x')))).toBe(false);
  });
});

describe('assets/upload_update', () => {
  it('replaces the content, bumps the version, removes the old unreferenced blob, writes an UPDATE', async () => {
    const up = await c.upload({ parent: rootGid }, { name: 'doc.txt', content: 'version one' });
    const gid = up.body.result.asset;
    const { rows: [cur] } = await t.db.query('SELECT cursor FROM project_cursors WHERE project_id = $1', [f.projectId]);
    const r = await c.upload({ asset: gid }, { name: 'ignored-name.png', content: 'version two!' }, 'assets/upload_update');
    expect(r.status).toBe(200);
    expect(r.body.result).toEqual({ asset: gid });
    expect(r.body.data.assets[gid]).toMatchObject({ name: 'doc.txt', version: 2, info: { filesize: 12 } });
    expect(r.body.data.assets[rootGid]).toBeDefined();
    expect(existsSync(blobPath(sha('version two!')))).toBe(true);
    expect(existsSync(blobPath(sha('version one')))).toBe(false);
    const { rows } = await t.db.query('SELECT action, data_key FROM changes WHERE project_id = $1 AND cursor > $2', [f.projectId, cur.cursor]);
    expect(rows).toEqual([{ action: 'UPDATE', data_key: gid }]);
  });

  it('refuses folders, unknown and deleted assets, and oversized content', async () => {
    const folder = (await c.call('assets/create', { parent: rootGid, name: 'NotAFile' })).result.asset;
    expect((await c.upload({ asset: folder }, { name: 'a.txt', content: 'zzz1' }, 'assets/upload_update')).status).toBe(422);
    expect((await c.upload({ asset: '66666666-6666-4666-8666-666666666666' }, { name: 'a.txt', content: 'zzz2' }, 'assets/upload_update')).status).toBe(422);
    expect((await c.upload({}, { name: 'a.txt', content: 'zzz3' }, 'assets/upload_update')).status).toBe(400);
    const gone = (await c.upload({ parent: rootGid }, { name: 'gone.txt', content: 'gone' })).body.result.asset;
    await c.call('assets/delete', { asset: gone });
    expect((await c.upload({ asset: gone }, { name: 'a.txt', content: 'zzz4' }, 'assets/upload_update')).status).toBe(422);
    const keep = (await c.upload({ parent: rootGid }, { name: 'keep.txt', content: 'keep' })).body.result.asset;
    const big = await c.upload({ asset: keep }, { name: 'a.txt', content: 'y'.repeat(LIMIT + 10) }, 'assets/upload_update');
    expect(big.status).toBe(413);
    const after = await c.call('assets/get', { asset: keep });
    expect(after.data.assets[keep]).toMatchObject({ version: 1, info: { filesize: 4 } });
    for (const s of ['zzz1', 'zzz2', 'zzz3', 'zzz4']) expect(existsSync(blobPath(sha(s)))).toBe(false);
  });
});
