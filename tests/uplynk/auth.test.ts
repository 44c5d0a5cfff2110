// Uplynk msg/sig authentication (API-SPEC §2.1) and the route walk: every /api/v4 route refuses
// a request without credentials with 401.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { buildApp } from '../../src/http/app.ts';
import { DiskBlobStore } from '../../src/storage/disk-store.ts';
import { revokeApiKey } from '../../src/core/keys.ts';
import { UplynkClient, sign } from './client.ts';

let t: TestServer;
let f: Fixture;

beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner', editor: 'editor' });
});
afterAll(() => t?.close());

const client = (alias = 'owner') => new UplynkClient(t.url, f.users[alias].gid, f.users[alias].key);

async function raw(query: Record<string, string>) {
  const url = new URL(`${t.url}/api/v4/libraries`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

describe('uplynk msg/sig', () => {
  it('accepts a signed request (dashed and 32-hex owner)', async () => {
    const r = await client().get('/libraries');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ '@id': '/api/v4/libraries', '@type': 'Collection', items: [], total_items: 0 });
    const hex = new UplynkClient(t.url, f.users.owner.gid.replace(/-/g, ''), f.users.owner.key);
    expect((await hex.get('/libraries')).status).toBe(200);
  });

  it('refuses missing msg or sig with 401 and the error body', async () => {
    const none = await raw({});
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ '@type': 'Error', error: { status: 401, code: 'unauthenticated' } });
    expect(none.headers.get('www-authenticate')).toMatch(/msg-sig/);
    const p = sign(f.users.owner.gid, f.users.owner.key);
    expect((await raw({ msg: p.msg })).status).toBe(401);
    expect((await raw({ sig: p.sig })).status).toBe(401);
  });

  it('refuses a wrong signature, a signature by another key, and garbage msg', async () => {
    const p = sign(f.users.owner.gid, f.users.owner.key);
    const flipped = (p.sig[0] === 'a' ? 'b' : 'a') + p.sig.slice(1);
    expect((await raw({ msg: p.msg, sig: flipped })).status).toBe(401);
    expect((await raw({ msg: p.msg, sig: 'zz' })).status).toBe(401);
    // signed with the editor's key but claiming to be the owner
    const forged = sign(f.users.owner.gid, f.users.editor.key);
    expect((await raw(forged)).status).toBe(401);
    const junk = Buffer.from('not zlib').toString('base64');
    expect((await raw({ msg: junk, sig: createHmac('sha256', f.users.owner.key).update(junk).digest('hex') })).status).toBe(401);
    // valid zlib+hmac but no _owner
    const msg = deflateSync(Buffer.from(JSON.stringify({ _timestamp: Math.floor(Date.now() / 1000) }))).toString('base64');
    const r = await raw({ msg, sig: createHmac('sha256', f.users.owner.key).update(msg).digest('hex') });
    expect(r.status).toBe(401);
    expect(r.body.error.message).toMatch(/_owner/);
  });

  it('refuses a _timestamp more than 300 s off, accepts one just inside', async () => {
    const now = Math.floor(Date.now() / 1000);
    const c = client();
    const old = await c.get('/libraries', { timestamp: now - 400 });
    expect(old.status).toBe(401);
    expect(old.body.error.message).toMatch(/_timestamp/);
    expect((await c.get('/libraries', { timestamp: now + 400 })).status).toBe(401);
    expect((await c.get('/libraries', { timestamp: now - 290 })).status).toBe(200);
    expect((await c.get('/libraries', { timestamp: now + 290 })).status).toBe(200);
  });

  it('refuses an unknown user and a revoked key', async () => {
    const ghost = new UplynkClient(t.url, '00000000-0000-4000-8000-000000000000', f.users.owner.key);
    expect((await ghost.get('/libraries')).status).toBe(401);
    const g = await createFixture(t.db);
    const c = new UplynkClient(t.url, g.users.owner.gid, g.users.owner.key);
    expect((await c.get('/libraries')).status).toBe(200);
    await revokeApiKey(t.db, g.users.owner.key);
    expect((await c.get('/libraries')).status).toBe(401);
  });

  it('answers 403 when the key\'s user is no longer a member of its project', async () => {
    const g = await createFixture(t.db, { owner: 'owner', gone: 'editor' });
    const c = new UplynkClient(t.url, g.users.gone.gid, g.users.gone.key);
    expect((await c.get('/libraries')).status).toBe(200);
    await t.db.query('DELETE FROM memberships WHERE project_id = $1 AND user_id = $2', [g.projectId, g.users.gone.id]);
    const r = await c.get('/libraries');
    expect(r.status).toBe(403);
    expect(r.body.error.status).toBe(403);
  });

  it('acts in the project of the key that verifies', async () => {
    const a = client();
    const lib = await a.createLibrary('in project A');
    // the same user with a key in another project sees that project's libraries only
    const g = await createFixture(t.db);
    const { ensureUser, setMembership } = await import('../../src/core/users.ts');
    const { createApiKey } = await import('../../src/core/keys.ts');
    const u = await ensureUser(t.db, f.users.owner.email);
    await setMembership(t.db, g.projectId, u.id, 'editor');
    const keyB = await createApiKey(t.db, u.id, g.projectId);
    const b = new UplynkClient(t.url, f.users.owner.gid, keyB);
    expect((await b.get(`/libraries/${lib.id}`)).status).toBe(404);
    expect((await a.get(`/libraries/${lib.id}`)).status).toBe(200);
  });

  it('every /api/v4 route refuses a request without credentials with 401', async () => {
    const app = await buildApp({ db: t.db, config: t.config, blobs: new DiskBlobStore(t.dataDir) });
    await app.ready();
    const routes = app.routeTable.filter((r) => r.url.startsWith('/api/v4') && !r.public);
    await app.close();
    expect(routes.length).toBeGreaterThanOrEqual(11);
    for (const r of routes) {
      const url = t.url + r.url.replace(/:[a-z_]+/gi, '00000000-0000-4000-8000-000000000001');
      const res = await fetch(url, { method: r.method, headers: { 'content-type': 'application/json' }, body: r.method === 'GET' ? undefined : '{}' });
      expect([r.method, r.url, res.status]).toEqual([r.method, r.url, 401]);
    }
  });
});
