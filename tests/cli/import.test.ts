// assetlib import DIR --project GID --into /path, as a real process against a running server: a
// nested tree of 320 files (one unreadable) arrives through the upload use case; the failure is
// listed with a non-zero exit; a second run skips everything already there; the API lists the
// folders and serves the bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCliAsync } from '../helpers/process.ts';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';

let t: TestServer;
let f: Fixture;
let tree: string;
let unreadable: string;
let env: Record<string, string | undefined>;
/** As root every file is readable: the import then runs as `nobody`, for whom the unreadable file is. */
const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
const folders = new Map<string, number>(); // pathname under /imported -> entries (files + folders)

function put(rel: string, content: string | Buffer) {
  writeFileSync(join(tree, rel), content);
}

beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner' });
  env = { DATABASE_URL: t.config.databaseUrl, DATA_DIR: t.dataDir };
  tree = mkdtempSync(join(tmpdir(), 'assetlib-import-'));
  chmodSync(tree, 0o755);
  folders.set('/imported', 0);
  for (let i = 0; i < 20; i++) { put(`top-${i}.txt`, `top file ${i}\n`); folders.set('/imported', folders.get('/imported')! + 1); }
  for (let d = 0; d < 5; d++) {
    mkdirSync(join(tree, `dir-${d}`));
    folders.set('/imported', folders.get('/imported')! + 1);
    folders.set(`/imported/dir-${d}`, 24);
    for (let i = 0; i < 20; i++) put(`dir-${d}/f-${i}.bin`, Buffer.alloc(100 + i * 10, `${d}:${i} `));
    for (let s = 0; s < 4; s++) {
      mkdirSync(join(tree, `dir-${d}`, `sub-${s}`));
      folders.set(`/imported/dir-${d}/sub-${s}`, 10);
      for (let i = 0; i < 10; i++) put(`dir-${d}/sub-${s}/same-${i}.txt`, `same content in every sub folder ${i}\n`);
    }
  }
  unreadable = join(tree, 'dir-0', 'secret.txt');
  put('dir-0/secret.txt', 'not for you');
  chmodSync(unreadable, 0o000);
  if (asUser) spawnSync('chown', ['-R', `${asUser.uid}:${asUser.gid}`, t.dataDir]); // the blob store and secrets.json
});

afterAll(async () => {
  await t?.close();
  if (tree) rmSync(tree, { recursive: true, force: true });
});

const runImport = () => runCliAsync(['import', tree, '--project', f.projectGid, '--into', '/imported', '--concurrency', '4'], env, 300_000, asUser);

describe('assetlib import', () => {
  it('uploads the tree, lists the unreadable file and exits 1', async () => {
    const r = await runImport();
    expect(r.code, r.stderr).toBe(1);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ files: 321, uploaded: 320, skipped: 0, folders_created: 26 });
    expect(summary.failed).toEqual([{ path: unreadable, error: 'EACCES' }]);
    expect(r.stderr).toContain(`${unreadable}: EACCES`);
    expect(r.stderr).toMatch(/import: 321\/321 files/); // plain progress lines when stderr is not a terminal
  });

  it('a second run skips every file already there (same path, size and content)', async () => {
    const r = await runImport();
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ files: 321, uploaded: 0, skipped: 320, folders_created: 0, failed: [{ path: unreadable, error: 'EACCES' }] });
  });

  it('the API lists every folder with its entries and serves the files\' bytes', async () => {
    const c = new UnicatClient(t.url, f.projectGid);
    await c.auth(f.users.owner.key);
    for (const [pathname, n] of folders) {
      const r = await c.call('assets/children', { pathname, size: 100 });
      expect(r.result['children.size'], pathname).toBe(n);
    }
    const file = (await c.call('assets/get', { pathname: '/imported/dir-3/sub-2/same-7.txt' })).result.asset;
    const res = await fetch(`${t.url}/documents/api/1.1/files/${file}/data`, {
      headers: { authorization: `Basic ${Buffer.from(`${f.users.owner.email}:${f.users.owner.key}`).toString('base64')}` } });
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(tree, 'dir-3/sub-2/same-7.txt')))).toBe(true);
    // the uploads made events in the project feed, as API uploads do
    const { rows: [ev] } = await t.db.query(`SELECT count(*)::int AS n FROM changes WHERE project_id = $1 AND action = 'INSERT' AND data_type = 'assets'`, [f.projectId]);
    expect(ev.n).toBe(320 + 26);
  });

  it('an existing file with other content is a failure, not overwritten', async () => {
    writeFileSync(join(tree, 'top-0.txt'), 'changed locally\n');
    const r = await runImport();
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ uploaded: 0, skipped: 319 });
    expect(s.failed).toContainEqual({ path: join(tree, 'top-0.txt'), error: '/imported/top-0.txt exists in the project with other content' });
  });
});
