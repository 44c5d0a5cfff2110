// Unicat's global API under /api (init, users/get, members/get, projects/get, languages/get, ping),
// the project's members/get, the session's data shapes, and Unicat's 404 for unknown paths.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { withTx } from '../../src/db/pool.ts';
import { createApiKey } from '../../src/core/keys.ts';
import { setMembership } from '../../src/core/users.ts';

let t: TestServer;
let f: Fixture;
let other: Fixture;
let jwt: string;

async function call(method: string, path: string, body?: unknown, token: string | null = jwt) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${t.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() as any, headers: res.headers };
}

beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner', editor: 'editor' });
  other = await createFixture(t.db, { stranger: 'owner' });
  const c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
  jwt = c.jwt!;
});
afterAll(() => t?.close());

describe('the session data the vendor client merges', () => {
  it('auth: cc.projects_members is a list; the current project is complete with its options', async () => {
    const res = await call('POST', `/api/p/${f.projectGid}/auth`, { api_key: f.users.owner.key }, null);
    const d = res.body.data;
    expect(Array.isArray(d['cc.projects_members'])).toBe(true);
    expect(d['cc.projects_members']).toContainEqual(expect.objectContaining({ project_gid: f.projectGid, user_gid: f.users.editor.gid, status: 'active', roles: ['editor'] }));
    expect(d['cc.projects'][f.projectGid]).toMatchObject({
      gid: f.projectGid, owner: f.users.owner.gid, status: 'active',
      options: { languages: ['en'], orderedchannels: ['__all__'], orderedorderings: ['__default__'], orderedfieldlists: ['__default__'] },
      backups: { versions: [] },
    });
    expect(Object.keys(d['cc.users']).sort()).toEqual([f.users.owner.gid, f.users.editor.gid].sort());
    expect(d['cc.users'][f.users.editor.gid]).toMatchObject({ gid: f.users.editor.gid, username: f.users.editor.email, name: 'editor' });
  });

  it('assets/root answers the root (GET and POST)', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await call(method, `/api/p/${f.projectGid}/assets/root`, method === 'POST' ? {} : undefined);
      expect(res.status).toBe(200);
      expect(res.body.data.assets[res.body.result.root]).toMatchObject({ pathname: '/', is_file: false });
    }
  });

  it('members/get in the project: member or members; unknown members 422', async () => {
    const one = await call('POST', `/api/p/${f.projectGid}/members/get`, { member: f.users.editor.gid });
    expect(one.body.result).toEqual({ user: f.users.editor.gid });
    expect(one.body.data['cc.projects_members']).toEqual([expect.objectContaining({ user_gid: f.users.editor.gid, roles: ['editor'] })]);
    const many = await call('POST', `/api/p/${f.projectGid}/members/get`, { members: [f.users.editor.gid, f.users.owner.gid] });
    expect(many.body.result.users.sort()).toEqual([f.users.editor.gid, f.users.owner.gid].sort());
    expect((await call('POST', `/api/p/${f.projectGid}/members/get`, { member: other.users.stranger.gid })).status).toBe(422);
    expect((await call('POST', `/api/p/${f.projectGid}/members/get`, {})).status).toBe(400);
    expect((await call('POST', `/api/p/${f.projectGid}/members/get`, { members: 'x' })).status).toBe(400);
  });
});

describe('the global API', () => {
  it('ping is public; init answers the user and its projects; every answer renews the JWT', async () => {
    expect((await call('GET', '/api/ping', undefined, null)).body).toEqual({ success: true, result: {}, data: {} });
    const init = await call('GET', '/api/init');
    expect(init.status).toBe(200);
    expect(init.headers.get('authorization')).toMatch(/^ey/);
    expect(init.body.result).toMatchObject({ user: f.users.owner.gid, user_projects: { [f.projectGid]: ['owner'] } });
    expect(typeof init.body.result['cc.cursor']).toBe('number');
    expect(init.body.data['cc.projects'][f.projectGid]).toEqual({ gid: f.projectGid, name: expect.any(String), icon: null, owner: f.users.owner.gid, status: 'active' });
    expect((await call('POST', '/api/languages/get', {})).body.result.languages).toContain('en');
  });

  it('users/get, members/get, projects/get: the key\'s project only', async () => {
    const u = await call('POST', '/api/users/get', { user: f.users.editor.gid });
    expect(u.body).toMatchObject({ success: true, result: { user: f.users.editor.gid } });
    expect(u.body.data['cc.users'][f.users.editor.gid]).toMatchObject({ username: f.users.editor.email });
    expect((await call('POST', '/api/users/get', { users: [f.users.owner.gid, f.users.editor.gid] })).body.result.users).toHaveLength(2);
    const m = await call('POST', '/api/members/get', { project: f.projectGid, member: f.users.editor.gid });
    expect(m.body.data['cc.projects_members']).toEqual([expect.objectContaining({ project_gid: f.projectGid, user_gid: f.users.editor.gid })]);
    const p = await call('POST', '/api/projects/get', { project: f.projectGid });
    expect(p.body.data['cc.projects'][f.projectGid].options.languages).toEqual(['en']);

    // another project: 403, also when the user is a member of it (the JWT acts in its key's project)
    await withTx(t.db, (tx) => setMembership(tx, other.projectId, f.users.owner.id, 'viewer'));
    expect((await call('POST', '/api/projects/get', { project: other.projectGid })).status).toBe(403);
    expect((await call('POST', '/api/members/get', { project: other.projectGid, member: other.users.stranger.gid })).status).toBe(403);
    // a user who shares no project with the caller's key project: 422
    expect((await call('POST', '/api/users/get', { user: other.users.stranger.gid })).status).toBe(422);
    // with a key of the other project the same user sees it
    const key = await withTx(t.db, (tx) => createApiKey(tx, f.users.owner.id, other.projectId));
    const c = new UnicatClient(t.url, other.projectGid);
    await c.auth(key);
    expect((await call('POST', '/api/members/get', { project: other.projectGid, member: other.users.stranger.gid }, c.jwt!)).status).toBe(200);
  });

  it('bad input is 400; no JWT is 401 with WWW-Authenticate; unknown paths are 404 in the envelope', async () => {
    for (const [path, body] of [['/api/users/get', {}], ['/api/users/get', { user: 'nope' }], ['/api/users/get', { users: 'x' }], ['/api/members/get', { member: f.users.owner.gid }],
      ['/api/members/get', { project: 42, member: f.users.owner.gid }], ['/api/projects/get', { projects: [] }]] as const) {
      const r = await call('POST', path, body);
      expect([path, body, r.status, r.body.success, r.body.data]).toEqual([path, body, 400, false, {}]);
    }
    const noJwt = await call('POST', '/api/users/get', { user: f.users.owner.gid }, null);
    expect(noJwt.status).toBe(401);
    expect(noJwt.headers.get('www-authenticate')).toBe('Bearer realm="JWT access to Unicat."');
    for (const [method, path] of [['POST', '/api/nope'], ['GET', '/api/a/b/c'], ['POST', `/api/p/${f.projectGid}/nope`], ['POST', `/api/p/${f.projectGid}/assets/nope`],
      ['POST', `/api/p/not-a-project/nope`], ['POST', '/sync/nope'], ['GET', '/sync/get'], ['GET', '/dam/nope'], ['GET', `/dam/p/${f.projectGid}/nope/x`]] as const) {
      for (const token of [jwt, null]) {
        const r = await call(method, path, method === 'POST' ? {} : undefined, token);
        expect([method, path, r.status, r.body]).toEqual([method, path, 404, { success: false, result: { code: 404, message: 'no such API call', info: {} }, data: {} }]);
        expect(r.headers.get('www-authenticate')).toBeNull();
      }
    }
    // Uplynk's prefix keeps its own error shape (its auth first)
    const up = await call('GET', '/api/v4/nope', undefined, null);
    expect(up.status).toBe(401);
    expect(up.body.success).toBeUndefined();
  });
});
