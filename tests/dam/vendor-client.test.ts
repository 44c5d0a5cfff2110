// The vendor's Python client, unchanged (../shared/clients/unicat-py), through its own DAM
// functions: asset.publish(), download(), publish_transformed(), download_transformed().
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import sharp from 'sharp';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { fetchBytes, jpeg, uploadFile } from './dam-helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const CLIENT = resolve(here, '../../../shared/clients/unicat-py');
let t: TestServer; let f: Fixture; let c: UnicatClient; let folder: string;
beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db);
  c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
  folder = mkdtempSync(join(tmpdir(), 'unicat-py-'));
});
afterAll(async () => { rmSync(folder, { recursive: true, force: true }); await t?.close(); });

it('publish, download, publish_transformed and download_transformed of the vendor client work unchanged', async () => {
  const root = (await c.call('assets/get', { pathname: '/' })).result.asset;
  const sub = (await c.call('assets/create', { parent: root, name: 'photos' })).result.asset;
  const original = await jpeg(1000, 800);
  const a = await uploadFile(c, sub, 'beach.jpg', original);
  const { stdout } = await promisify(execFile)('python3', [join(here, 'vendor_client_media.py'), t.url, f.projectGid, f.users.owner.key, folder, a.gid],
    { env: { ...process.env, PYTHONPATH: CLIENT }, timeout: 120_000 });
  const out = JSON.parse(stdout.trim().split('\n').pop()!);
  expect(out).toMatchObject({ name: 'beach.jpg', is_file: true, download: 'photos/beach.jpg' });
  expect(out.public_url).toMatch(/\/media\/[0-9a-f]{32}\/beach\.jpg$/);
  expect(readFileSync(join(folder, 'photos/beach.jpg')).equals(original)).toBe(true);
  expect((await fetchBytes(out.public_url)).bytes.equals(original)).toBe(true);

  expect(out.transformed_url).toMatch(/\/media\/[0-9a-f]{32}\/beach@[0-9a-zA-Z]+\.jpg$/);
  expect(out.download_transformed).toBe(`photos/${out.transformed_url.split('/').pop()}`);
  const rendered = await sharp(readFileSync(join(folder, out.download_transformed))).metadata();
  expect(rendered).toMatchObject({ format: 'jpeg', width: 800, height: 600 }); // fill 400x300 at dpr 2

  expect(out.thumb_url.split('/').pop()).toBe('beach@thumb.png');
  const thumb = await sharp(readFileSync(join(folder, 'photos/beach@thumb.png'))).metadata();
  expect(thumb).toMatchObject({ format: 'png', width: 120, height: 96 });
  expect(out.files).toEqual(['photos/beach.jpg', 'photos/beach@thumb.png', out.download_transformed].sort());
});
