import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';

let t: TestServer;
let f: Fixture;

beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner', viewer: 'viewer' });
});
afterAll(() => t?.close());

describe('unicat auth', () => {
  it('exchanges an api key for a JWT and returns the session', async () => {
    const c = new UnicatClient(t.url, f.projectGid);
    const res = await c.auth(f.users.owner.key);
    expect(res.status).toBe(200);
    expect(res.headers.get('authorization')).toMatch(/^ey/);
    expect(res.body.success).toBe(true);
    expect(res.body.result.user).toBe(f.users.owner.gid);
    expect(res.body.result.project).toBe(f.projectGid);
    expect(res.body.result.user_projects[f.projectGid]).toEqual(['owner']);
    expect(res.body.result.project_members.sort()).toEqual([f.users.owner.gid, f.users.viewer.gid].sort());
    expect(typeof res.body.result['cc.cursor']).toBe('number');
    expect(typeof res.body.result.cursor).toBe('number');
  });

  it('refuses a missing api key with 400 and an unknown one with 403', async () => {
    const c = new UnicatClient(t.url, f.projectGid);
    const missing = await c.raw('auth', {});
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ success: false, result: { code: 400 } });
    const unknown = await c.raw('auth', { api_key: 'al_nope' });
    expect(unknown.status).toBe(403);
    expect(unknown.body.result.code).toBe(403);
  });

  it('refuses a key of another project with 403', async () => {
    const other = await createFixture(t.db);
    const c = new UnicatClient(t.url, f.projectGid);
    expect((await c.auth(other.users.owner.key)).status).toBe(403);
  });

  it('answers 401 with WWW-Authenticate for a missing, forged or expired JWT', async () => {
    const res = await fetch(`${t.url}/api/p/${f.projectGid}/init`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="JWT access to Unicat."');
    const forged = await fetch(`${t.url}/api/p/${f.projectGid}/init`, { headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad' } });
    expect(forged.status).toBe(401);
    const { SignJWT } = await import('jose');
    const expired = await new SignJWT({ k: 1 }).setProtectedHeader({ alg: 'HS256' }).setSubject(f.users.owner.gid)
      .setIssuedAt(1_600_000_000).setExpirationTime(1_600_000_100).sign(new TextEncoder().encode(t.jwtSecret));
    const exp = await fetch(`${t.url}/api/p/${f.projectGid}/init`, { headers: { authorization: `Bearer ${expired}` } });
    expect(exp.status).toBe(401);
    expect(((await exp.json()) as any).result.message).toMatch(/expired/);
  });

  it('init works with the JWT and renews it; a non-member gets 403', async () => {
    const c = new UnicatClient(t.url, f.projectGid);
    await c.auth(f.users.owner.key);
    const res = await fetch(`${t.url}/api/p/${f.projectGid}/init`, { headers: { authorization: `Bearer ${c.jwt}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('authorization')).toMatch(/^ey/);
    const other = await createFixture(t.db);
    const res2 = await fetch(`${t.url}/api/p/${other.projectGid}/init`, { headers: { authorization: `Bearer ${c.jwt}` } });
    expect(res2.status).toBe(403);
  });

  it('a revoked key cannot authenticate and its JWTs stop working', async () => {
    const { revokeApiKey } = await import('../../src/core/keys.ts');
    const g = await createFixture(t.db);
    const c = new UnicatClient(t.url, g.projectGid);
    await c.auth(g.users.owner.key);
    await revokeApiKey(t.db, g.users.owner.key);
    expect((await new UnicatClient(t.url, g.projectGid).auth(g.users.owner.key)).status).toBe(403);
    const res = await fetch(`${t.url}/api/p/${g.projectGid}/init`, { headers: { authorization: `Bearer ${c.jwt}` } });
    expect(res.status).toBe(401);
  });

  it('a JWT works only in its key\'s project: a key of project B gives no access to A, and revoking the A key ends Unicat access to A', async () => {
    const { revokeApiKey, createApiKey } = await import('../../src/core/keys.ts');
    const { setMembership } = await import('../../src/core/users.ts');
    const a = await createFixture(t.db, { owner: 'owner' });
    const b = await createFixture(t.db, { owner: 'owner' });
    // A's owner is also a member of B, with a key there
    await setMembership(t.db, b.projectId, a.users.owner.id, 'editor');
    const keyB = await createApiKey(t.db, a.users.owner.id, b.projectId);
    const onB = new UnicatClient(t.url, b.projectGid);
    expect((await onB.auth(keyB)).status).toBe(200);
    const onA = new UnicatClient(t.url, a.projectGid);
    expect((await onA.auth(a.users.owner.key)).status).toBe(200);

    const crossed = await fetch(`${t.url}/api/p/${a.projectGid}/init`, { headers: { authorization: `Bearer ${onB.jwt}` } });
    expect(crossed.status).toBe(403);
    expect(crossed.headers.get('authorization')).toBeNull();
    const body = (await crossed.json()) as any;
    expect(body).toMatchObject({ success: false, result: { code: 403 } });
    const crossedWrite = await fetch(`${t.url}/api/p/${a.projectGid}/assets/root`, { method: 'POST', headers: { authorization: `Bearer ${onB.jwt}`, 'content-type': 'application/json' }, body: '{}' });
    expect(crossedWrite.status).toBe(403);

    expect((await onA.raw('init', {})).status).toBe(200);
    await revokeApiKey(t.db, a.users.owner.key);
    expect((await onA.raw('init', {})).status).toBe(401);
    expect((await fetch(`${t.url}/api/p/${a.projectGid}/init`, { headers: { authorization: `Bearer ${onB.jwt}` } })).status).toBe(403);
    // the B key still works where it belongs
    expect((await onB.raw('init', {})).status).toBe(200);
  });
});
