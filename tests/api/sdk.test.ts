// The typed SDK (sdk/, docs/api.md): its types are those generated from this build's document (a
// stale sdk/schema.ts fails here: run `npm run sdk`), and it works against a server for a route of
// each dialect. The @ts-expect-error lines are checked by tsc (npm test): were a wrong body no
// longer a type error, tsc would fail; at run time the server refuses those bodies in its shape.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { sdkSchemaText } from '../../sdk/generate.ts';
import { createAssetlibClient, createUplynkClient } from '../../sdk/index.ts';

let t: TestServer;
let f: Fixture;
beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner' });
});
afterAll(async () => { await t?.close(); });

it('sdk/schema.ts is what `npm run sdk` generates from this build (not stale)', async () => {
  const committed = readFileSync(new URL('../../sdk/schema.ts', import.meta.url), 'utf8');
  expect(await sdkSchemaText() === committed, 'sdk/schema.ts is stale: run `npm run sdk` and commit it').toBe(true);
});

it('Unicat: auth, then assets/search, typed; a wrong body type does not compile and is refused', async () => {
  const anon = createAssetlibClient(t.url);
  const project = f.projectGid;
  const auth = await anon.POST('/api/p/{project}/auth', { params: { path: { project } }, body: { api_key: f.users.owner.key } });
  expect(auth.response.status).toBe(200);
  const jwt = auth.response.headers.get('authorization')!;
  const api = createAssetlibClient(t.url, { bearer: jwt });
  const found = await api.POST('/api/p/{project}/assets/search', { params: { path: { project } }, body: { language: 'en', q: '' } });
  expect(found.data?.success).toBe(true);
  expect(found.data?.result['assets.size']).toBe(0);
  // @ts-expect-error language is a string
  const bad = await api.POST('/api/p/{project}/assets/search', { params: { path: { project } }, body: { language: 1 } });
  expect(bad.response.status).toBe(400);
  expect(bad.error?.result.info.field).toBe('language');
});

it('Uplynk: list and create libraries, signed by the SDK; a wrong body does not compile and is refused', async () => {
  const api = createUplynkClient(t.url, f.users.owner.gid, f.users.owner.key);
  const made = await api.POST('/api/v4/libraries', { body: { desc: 'From the SDK', allow_copy: true } });
  expect(made.response.status).toBe(200);
  expect(made.data?.desc).toBe('From the SDK');
  const list = await api.GET('/api/v4/libraries', { params: { query: { page_size: '10' } } });
  expect(list.data?.items.map((l) => l.id)).toEqual([made.data!.id]);
  // @ts-expect-error desc is a string
  const bad = await api.POST('/api/v4/libraries', { body: { desc: 42 } });
  expect(bad.response.status).toBe(400);
  expect(bad.error?.error).toMatchObject({ status: 400, code: 'invalid', details: { field: 'desc' } });
});

it('Oracle: create and get a collection with Basic credentials; a wrong body does not compile and is refused', async () => {
  const api = createAssetlibClient(t.url, { basic: { email: f.users.owner.email, apiKey: f.users.owner.key } });
  const made = await api.POST('/documents/api/1.1/collections', { body: { name: 'Oracle SDK' } });
  expect(made.response.status).toBe(201);
  const id = made.data!.id;
  const got = await api.GET('/documents/api/1.1/collections/{id}', { params: { path: { id } } });
  expect(got.data).toMatchObject({ id, name: 'Oracle SDK', type: 'collection', childItemsCount: '0' });
  // @ts-expect-error name is a string (or a number)
  const bad = await api.POST('/documents/api/1.1/collections', { body: { name: { first: 'x' } } });
  expect(bad.response.status).toBe(400);
  expect(bad.error).toMatchObject({ errorCode: '-1', errorKey: '!csInvalidRequest,name' });
});
