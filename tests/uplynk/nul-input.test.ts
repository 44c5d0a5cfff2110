// Text PostgreSQL cannot store (NUL) is bad input in every dialect: a 400, never a 500.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UplynkClient } from './client.ts';

let t: TestServer;
let f: Fixture;
beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db);
});
afterAll(() => t?.close());

it('refuses a NUL in a library name (core rule) and creates nothing', async () => {
  const c = new UplynkClient(t.url, f.users.owner.gid, f.users.owner.key);
  const r = await c.post('/libraries', { desc: 'bad\u0000name' });
  expect(r.status).toBe(400);
  expect(r.body['@type']).toBe('Error');
  const ok = await c.createLibrary('good');
  const p = await c.patch(`/libraries/${ok.id}`, { desc: 'x\u0000y' });
  expect(p.status).toBe(400);
  const { rows } = await t.db.query('SELECT name FROM libraries');
  expect(rows.map((x) => x.name)).toEqual(['good']);
});

it('answers 400, not 500, when a NUL reaches the database (list search)', async () => {
  const c = new UplynkClient(t.url, f.users.owner.gid, f.users.owner.key);
  const r = await c.get('/libraries', { query: { search: 'a\u0000b' } });
  expect(r.status).toBe(400);
  expect(r.body.error.status).toBe(400);
});
