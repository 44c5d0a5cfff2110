// The admin CLI's list and delete commands (projects, users, keys), run as real processes
// against a running server's database; deleting a project or a user removes everything it owns
// with its events in one transaction, and the blobs no other project uses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { runCliAsync as runCli } from '../helpers/process.ts';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { actorForKey } from '../../src/core/keys.ts';
import { createLibrary, changeMembership } from '../../src/core/libraries/index.ts';
import { DiskBlobStore } from '../../src/storage/disk-store.ts';
import { join } from 'node:path';

let t: TestServer;
let env: Record<string, string | undefined>;
let a: Fixture;
let b: Fixture;
const cli = async (...args: string[]) => {
  const r = await runCli(args, env);
  if (r.code !== 0) throw new Error(`assetlib ${args.join(' ')} -> ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};
const auth = (f: Fixture, key: string) => new UnicatClient(t.url, f.projectGid).auth(key).then((r) => r.status);

async function upload(f: Fixture, name: string, content: string): Promise<{ gid: string; hash: string }> {
  const c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
  const root = (await c.call('assets/root')).result.root;
  const res = await c.upload({ parent: root }, { name, content });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const gid = res.body.result.asset;
  const { rows } = await t.db.query('SELECT content_hash FROM assets WHERE gid = $1', [gid]);
  return { gid, hash: rows[0].content_hash };
}

beforeAll(async () => {
  t = await startTestServer();
  env = { DATABASE_URL: t.config.databaseUrl, DATA_DIR: t.dataDir };
  a = await createFixture(t.db, { owner: 'owner', ed: 'editor' });
  b = await createFixture(t.db, { owner: 'owner' });
});
afterAll(async () => { await t?.close(); });

describe('list', () => {
  it('project list: every project with its counts', async () => {
    await upload(a, 'one.txt', 'one');
    const list = await cli('project', 'list');
    const pa = list.find((p: any) => p.gid === a.projectGid);
    expect(pa).toMatchObject({ members: 2, assets: 1, libraries: 0 });
    expect(list.find((p: any) => p.gid === b.projectGid)).toMatchObject({ members: 1, assets: 0 });
  });
  it('user list: users with their roles, or the members of one project', async () => {
    const all = await cli('user', 'list');
    expect(all.map((u: any) => u.email)).toEqual(expect.arrayContaining([a.users.owner.email, a.users.ed.email, b.users.owner.email]));
    const ofA = await cli('user', 'list', '--project', a.projectGid);
    expect(ofA.map((u: any) => u.email).sort()).toEqual([a.users.ed.email, a.users.owner.email].sort());
    expect(ofA.find((u: any) => u.email === a.users.ed.email).projects).toEqual([{ project_gid: a.projectGid, role: 'editor' }]);
  });
  it('key list shows ids and owners, never a key; revoke by id; --all includes revoked keys', async () => {
    const extra = (await cli('key', 'create', '--email', a.users.ed.email, '--project', a.projectGid)).api_key;
    const keys = await cli('key', 'list', '--project', a.projectGid, '--email', a.users.ed.email);
    expect(keys).toHaveLength(2);
    expect(JSON.stringify(keys)).not.toContain(extra);
    expect(JSON.stringify(keys)).not.toContain(a.users.ed.key);
    expect(await auth(a, extra)).toBe(200);
    const newest = keys.at(-1);
    expect(await cli('key', 'revoke', '--id', String(newest.id))).toEqual({ revoked: true });
    expect(await auth(a, extra)).toBe(403);
    expect(await auth(a, a.users.ed.key)).toBe(200);
    expect(await cli('key', 'list', '--project', a.projectGid, '--email', a.users.ed.email)).toHaveLength(1);
    expect(await cli('key', 'list', '--project', a.projectGid, '--email', a.users.ed.email, '--all')).toHaveLength(2);
    const again = await runCli(['key', 'revoke', '--id', String(newest.id)], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no active key/);
  });
  it('help per command; delete without --yes is a usage error', async () => {
    const h = await runCli(['project', 'delete', '--help'], {});
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/Usage: assetlib project delete[\s\S]*--yes/);
    const r = await runCli(['project', 'delete', '--project', b.projectGid], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/required option '--yes'/);
  });
});

describe('delete', () => {
  it('user delete: memberships, keys and owned libraries go, with their events; uploads stay', async () => {
    const editor = await actorForKey(t.db, a.users.ed.key);
    const file = await upload(a, 'by-ed.txt', 'ed');
    const lib = await createLibrary(t.db, editor, { name: 'Ed lib' });
    await changeMembership(t.db, editor, lib.gid, 'add', [file.gid], 'strict');
    const before = Number((await t.db.query('SELECT cursor FROM project_cursors WHERE project_id = $1', [a.projectId])).rows[0].cursor);
    const out = await cli('user', 'delete', '--email', a.users.ed.email, '--yes');
    expect(out).toMatchObject({ deleted: true, memberships: 1, keys: 2, libraries: 1 });
    expect(await auth(a, a.users.ed.key)).toBe(403); // Unicat answers an unknown key with 403
    const { rows: ev } = await t.db.query('SELECT action, data_type, data_key FROM changes WHERE project_id = $1 AND cursor > $2 ORDER BY cursor', [a.projectId, before]);
    expect(ev).toEqual(expect.arrayContaining([
      { action: 'DELETE', data_type: 'libraries', data_key: lib.gid },
      { action: 'DELETE', data_type: 'libraries_assets', data_key: `${lib.gid}/${file.gid}` }]));
    const { rows: cc } = await t.db.query(`SELECT 1 FROM cc_changes WHERE action = 'DELETE' AND data_type = 'cc.projects_members' AND data_key = $1`, [`${a.projectGid}/${a.users.ed.gid}`]);
    expect(cc).toHaveLength(1);
    expect((await t.db.query('SELECT count(*)::int AS n FROM assets WHERE gid = $1', [file.gid])).rows[0].n).toBe(1);
    expect((await runCli(['user', 'delete', '--email', a.users.ed.email, '--yes'], env)).stderr).toMatch(/no user with that email/);
  });

  it('project delete: every row of the project, its feed, and the blobs only it used; other projects untouched', async () => {
    const owner = await actorForKey(t.db, a.users.owner.key);
    const only = await upload(a, 'only-a.txt', 'content only in project a');
    const shared = await upload(a, 'shared.txt', 'content in both projects');
    const inB = await upload(b, 'shared.txt', 'content in both projects');
    expect(inB.hash).toBe(shared.hash);
    const lib = await createLibrary(t.db, owner, { name: 'A lib' });
    await changeMembership(t.db, owner, lib.gid, 'add', [only.gid, shared.gid], 'strict');
    const c = new UnicatClient(t.url, a.projectGid);
    await c.auth(a.users.owner.key);
    expect((await c.call('assets/bulk/delete', { selection: [only.gid] })).result['job.token']).toBeTruthy();
    const store = new DiskBlobStore(join(t.dataDir, 'blobs'));
    expect(await store.has(only.hash)).toBe(true);

    const out = await cli('project', 'delete', '--project', a.projectGid, '--yes');
    expect(out).toMatchObject({ deleted: true, gid: a.projectGid, libraries: 1, members: 1, blobs: expect.any(Number) });
    expect(out.assets).toBeGreaterThanOrEqual(3);
    expect(out.jobs).toBe(1);
    const left = (await t.db.query(
      `SELECT (SELECT count(*) FROM projects WHERE id = $1) + (SELECT count(*) FROM assets WHERE project_id = $1)
            + (SELECT count(*) FROM libraries WHERE project_id = $1) + (SELECT count(*) FROM library_assets WHERE project_id = $1)
            + (SELECT count(*) FROM jobs WHERE project_id = $1) + (SELECT count(*) FROM changes WHERE project_id = $1)
            + (SELECT count(*) FROM project_cursors WHERE project_id = $1) + (SELECT count(*) FROM memberships WHERE project_id = $1)
            + (SELECT count(*) FROM api_keys WHERE project_id = $1) + (SELECT count(*) FROM media_links WHERE project_id = $1)
            + (SELECT count(*) FROM asset_search s WHERE NOT EXISTS (SELECT 1 FROM assets x WHERE x.id = s.asset_id)) AS n`, [a.projectId])).rows[0];
    expect(Number(left.n)).toBe(0);
    const { rows: cc } = await t.db.query(`SELECT action FROM cc_changes WHERE data_type = 'cc.projects' AND data_key = $1 ORDER BY cursor`, [a.projectGid]);
    expect(cc.map((r) => r.action)).toEqual(['INSERT', 'DELETE']);
    expect(await store.has(only.hash)).toBe(false);
    expect(await store.has(shared.hash)).toBe(true);
    expect(existsSync(store.pathOf(shared.hash))).toBe(true);
    expect(await auth(a, a.users.owner.key)).not.toBe(200);
    // project b still works, and its copy of the shared content downloads
    const cb = new UnicatClient(t.url, b.projectGid);
    expect((await cb.auth(b.users.owner.key)).status).toBe(200);
    expect((await cli('project', 'list')).map((p: any) => p.gid)).not.toContain(a.projectGid);
    const r = await runCli(['project', 'delete', '--project', a.projectGid, '--yes'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/project not found/);
  });
});
