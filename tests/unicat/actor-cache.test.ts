// The in-process actor cache (src/core/actor-cache.ts) across two servers on one database:
// server B serves a JWT's calls (and Uplynk's signed calls) from its cache; a revocation or a
// membership change committed through server A's database connection reaches B as a NOTIFY, and
// B's very next call is refused; a key added through A works on B at once.
// Synchronised on B's 'invalidated' event, never on a sleep.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { UplynkClient } from '../uplynk/client.ts';
import { withTx } from '../../src/db/pool.ts';
import { createApiKey } from '../../src/core/keys.ts';

let a: TestServer;
let b: TestServer;
let f: Fixture;

beforeAll(async () => {
  a = await startTestServer();
  b = await startTestServer({ databaseUrl: a.config.databaseUrl });
  f = await createFixture(a.db, { owner: 'owner', editor: 'editor', signer: 'editor', leaver: 'editor' });
});
afterAll(async () => { await b?.close(); await a?.close(); });

async function cachedClient(user: string): Promise<UnicatClient> {
  const c = new UnicatClient(b.url, f.projectGid);
  expect((await c.auth(f.users[user].key)).status).toBe(200);
  await c.call('init');
  const hits = b.server.actors.hits;
  await c.call('init');
  expect(b.server.actors.hits).toBe(hits + 1); // served from B's cache
  return c;
}

describe('JWT actor cache', () => {
  it('a key revoked through another server is refused by the next call', async () => {
    const c = await cachedClient('owner');
    const invalidated = once(b.server.actors, 'invalidated');
    await a.db.query('UPDATE api_keys SET revoked_on = now() WHERE user_id = $1', [f.users.owner.id]);
    await invalidated;
    expect((await c.raw('init')).status).toBe(401);
  });

  it('a member removed through another server is refused by the next call', async () => {
    const c = await cachedClient('editor');
    const invalidated = once(b.server.actors, 'invalidated');
    await a.db.query('DELETE FROM memberships WHERE project_id = $1 AND user_id = $2', [f.projectId, f.users.editor.id]);
    await invalidated;
    expect((await c.raw('init')).status).toBe(403);
  });
});

describe('Uplynk key cache', () => {
  async function cachedUplynk(user: string, key = f.users[user].key): Promise<UplynkClient> {
    const c = new UplynkClient(b.url, f.users[user].gid, key);
    expect((await c.req('GET', '/libraries')).status).toBe(200);
    const hits = b.server.actors.hits;
    expect((await c.req('GET', '/libraries')).status).toBe(200);
    expect(b.server.actors.hits).toBe(hits + 1); // served from B's cache
    return c;
  }

  it('a key added through another server signs at once; revoked, it is refused by the next call', async () => {
    await cachedUplynk('signer');
    const second = await withTx(a.db, (tx) => createApiKey(tx, f.users.signer.id, f.projectId));
    const c2 = new UplynkClient(b.url, f.users.signer.gid, second);
    expect((await c2.req('GET', '/libraries')).status).toBe(200); // not in the cached list: asked again
    await cachedUplynk('signer', second);
    const invalidated = once(b.server.actors, 'invalidated');
    await a.db.query('UPDATE api_keys SET revoked_on = now() WHERE user_id = $1', [f.users.signer.id]);
    await invalidated;
    expect((await c2.req('GET', '/libraries')).status).toBe(401);
  });

  it('a member removed through another server is refused by the next call', async () => {
    const c = await cachedUplynk('leaver');
    const invalidated = once(b.server.actors, 'invalidated');
    await a.db.query('DELETE FROM memberships WHERE project_id = $1 AND user_id = $2', [f.projectId, f.users.leaver.id]);
    await invalidated;
    expect((await c.req('GET', '/libraries')).status).toBe(403);
  });
});
