// Oracle dialect: authentication (Basic, Bearer, 401 everywhere), content negotiation (JSON and
// XML both ways), refused bodies (malformed JSON/XML, DOCTYPE/entities, wrong content type).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { DiskBlobStore } from '../../src/storage/disk-store.ts';
import { createFixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { BASE, OracleClient, fromXml } from './client.ts';
import { dbState, newCollection, oracleEnv, type OracleEnv } from './setup.ts';

let e: OracleEnv;
const RFC = 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html';

beforeAll(async () => { e = await oracleEnv(); });
afterAll(() => e?.t.close());

async function oracleRoutes(): Promise<{ method: string; url: string }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'oracle-routes-'));
  const app = await buildApp({ db: e.t.db, config: e.t.config, blobs: new DiskBlobStore(dir) });
  await app.ready();
  const routes = app.routeTable.filter((r) => r.url.startsWith(BASE)).map((r) => ({ method: r.method, url: r.url }));
  await app.close();
  rmSync(dir, { recursive: true, force: true });
  return routes;
}

function expectOracleError(body: any, code: string) {
  expect(typeof body).toBe('object');
  expect(body.errorCode).toBe(code);
  expect(typeof body.errorKey).toBe('string');
  expect(typeof body.errorMessage).toBe('string');
  expect(body.title).toBe(body.errorMessage);
  expect(body.type).toBe(RFC);
  for (const v of Object.values(body)) expect(typeof v).toBe('string');
}

describe('oracle auth', () => {
  it('every registered Oracle route refuses a request without credentials with 401 and a Basic challenge', async () => {
    const routes = await oracleRoutes();
    // the routes the dialect promises
    for (const want of ['POST /collections', 'GET /collections/items', 'GET /collections/:id', 'DELETE /collections/:id',
      'POST /collections/:id/files', 'DELETE /collections/:id/files', 'GET /collections/:id/files',
      'POST /collections/:id/files/:fileId', 'DELETE /collections/:id/files/:fileId',
      'POST /shares/:id', 'GET /shares/:id/items', 'PUT /shares/:id/role', 'DELETE /shares/:id/user']) {
      const [m, u] = want.split(' ');
      expect(routes.some((r) => r.method === m && r.url === BASE + u), want).toBe(true);
    }
    const id = crypto.randomUUID();
    for (const r of routes) {
      const url = r.url.replace(/:[A-Za-z]+/g, id);
      const res = await fetch(`${e.t.url}${url}`, {
        method: r.method,
        headers: r.method === 'GET' ? {} : { 'content-type': 'application/json' },
        body: r.method === 'GET' ? undefined : JSON.stringify({ idList: id, name: 'x', userID: id, role: 'viewer' }),
      });
      expect(res.status, `${r.method} ${r.url}`).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="assetlib"');
      expectOracleError(await res.json(), '-1');
    }
  });

  it('refuses wrong credentials with 401: unknown key, key of another user, malformed header, forged or expired JWT', async () => {
    const owner = e.f.users.owner;
    const editor = e.f.users.editor;
    const bad: OracleClient[] = [
      new OracleClient(e.t.url, { email: owner.email, key: 'al_nope' }),
      new OracleClient(e.t.url, { email: owner.email, key: editor.key }),
      new OracleClient(e.t.url, { jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad' }),
    ];
    for (const c of bad) {
      const res = await c.get('/collections/items');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="assetlib"');
      expectOracleError(res.body, '-1');
    }
    for (const h of ['Basic', 'Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, 'Token abc', 'Digest x=y']) {
      const res = await fetch(`${e.t.url}${BASE}/collections/items`, { headers: { authorization: h } });
      expect(res.status, h).toBe(401);
    }
    const { SignJWT } = await import('jose');
    const expired = await new SignJWT({ k: 1 }).setProtectedHeader({ alg: 'HS256' }).setSubject(owner.gid)
      .setIssuedAt(1_600_000_000).setExpirationTime(1_600_000_100).sign(new TextEncoder().encode(e.t.jwtSecret));
    const res = await new OracleClient(e.t.url, { jwt: expired }).get('/collections/items');
    expect(res.status).toBe(401);
    expect(res.body.errorMessage).toMatch(/expired/);
  });

  it('accepts Basic (email case-insensitive) and a Bearer JWT from the Unicat auth call, acting in the key\'s project', async () => {
    const owner = e.f.users.owner;
    const id = await newCollection(e.as.owner, 'auth-check');
    const upper = new OracleClient(e.t.url, { email: owner.email.toUpperCase(), key: owner.key });
    expect((await upper.get(`/collections/${id}`)).status).toBe(200);

    const u = new UnicatClient(e.t.url, e.f.projectGid);
    expect((await u.auth(owner.key)).status).toBe(200);
    const bearer = new OracleClient(e.t.url, { jwt: u.jwt! });
    const got = await bearer.get(`/collections/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.ownedBy.id).toBe(owner.gid);

    // a user of another project does not see it (404, -16)
    const other = await createFixture(e.t.db);
    const stranger = new OracleClient(e.t.url, { email: other.users.owner.email, key: other.users.owner.key });
    const res = await stranger.get(`/collections/${id}`);
    expect(res.status).toBe(404);
    expectOracleError(res.body, '-16');
    const list = await stranger.get('/collections/items');
    expect(list.body.totalResults).toBe('0');
  });

  it('a revoked key stops working at once', async () => {
    const { revokeApiKey, createApiKey } = await import('../../src/core/keys.ts');
    const key = await createApiKey(e.t.db, e.f.users.other.id, e.f.projectId);
    const c = new OracleClient(e.t.url, { email: e.f.users.other.email, key });
    expect((await c.get('/collections/items')).status).toBe(200);
    await revokeApiKey(e.t.db, key);
    expect((await c.get('/collections/items')).status).toBe(401);
  });
});

describe('oracle content negotiation', () => {
  it('answers JSON by default and XML when Accept prefers it; the XML carries the same fields as strings', async () => {
    const id = await newCollection(e.as.owner, 'negotiated', 'about <xml> & "json"');
    const json = await e.as.owner.get(`/collections/${id}`);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    for (const accept of ['application/xml', 'text/xml', 'application/json;q=0.5, application/xml', 'application/xml, */*']) {
      const xml = await e.as.owner.get(`/collections/${id}`, { accept });
      expect(xml.status, accept).toBe(200);
      expect(xml.headers.get('content-type'), accept).toMatch(/^application\/xml/);
      expect(xml.text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<response>')).toBe(true);
      expect(xml.body).toEqual(json.body);
    }
    for (const accept of ['application/json', 'application/xml;q=0.4, application/json;q=0.9', '*/*', 'text/html']) {
      const res = await e.as.owner.get(`/collections/${id}`, { accept });
      expect(res.headers.get('content-type'), accept).toMatch(/^application\/json/);
    }
    expect(json.body.description).toBe('about <xml> & "json"');
  });

  it('parses XML requests (any root element, predefined entities, CDATA) and mirrors the format when Accept is absent', async () => {
    const xmlBody = '<?xml version="1.0" encoding="UTF-8"?><collection><name>Tom &amp; Jerry &#x263A;</name><description><![CDATA[<raw> &amp; text]]></description></collection>';
    const res = await e.as.owner.post('/collections', xmlBody, { contentType: 'application/xml' });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(res.body.name).toBe('Tom & Jerry \u263A');
    expect(res.body.description).toBe('<raw> &amp; text');
    expect(res.body.errorCode).toBe('0');
    const asJson = await e.as.owner.post('/collections', xmlBody, { contentType: 'text/xml; charset=utf-8', accept: 'application/json' });
    expect(asJson.status).toBe(201);
    expect(asJson.headers.get('content-type')).toMatch(/^application\/json/);
    expect(asJson.body.name).toBe('Tom & Jerry \u263A');
  });

  it('errors follow the negotiated format too', async () => {
    const res = await e.as.owner.get(`/collections/${crypto.randomUUID()}`, { accept: 'application/xml' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(res.text).toContain('<errorCode>-16</errorCode>');
    expectOracleError(fromXml(res.text), '-16');
  });
});

describe('oracle refused bodies change nothing', () => {
  it('malformed JSON, malformed XML, DOCTYPE/entities and wrong content types are refused in Oracle\'s shape', async () => {
    const id = await newCollection(e.as.owner, 'bodies');
    const before = await dbState(e.t.db, e.f.projectId);
    const cases: { path: string; body: string; ct: string; status: number; method?: string }[] = [
      { path: '/collections', body: '{"name": "x",', ct: 'application/json', status: 400 },
      { path: '/collections', body: '["name"]', ct: 'application/json', status: 400 },
      { path: '/collections', body: '{"name": {"__proto__": {"x": 1}}}', ct: 'application/json', status: 400 },
      { path: '/collections', body: '<collection><name>x</name>', ct: 'application/xml', status: 400 },
      { path: '/collections', body: '<a>1</a><b>2</b>', ct: 'application/xml', status: 400 },
      { path: '/collections', body: 'just text', ct: 'text/xml', status: 400 },
      { path: '/collections', body: '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><c><name>&xxe;</name></c>', ct: 'application/xml', status: 400 },
      { path: '/collections', body: '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><c><name>&b;</name></c>', ct: 'application/xml', status: 400 },
      { path: '/collections', body: '<c><name>&undefined;</name></c>', ct: 'application/xml', status: 400 },
      { path: '/collections', body: 'name=x', ct: 'application/x-www-form-urlencoded', status: 415 },
      { path: '/collections', body: 'name=x', ct: 'text/plain', status: 415 },
      { path: `/collections/${id}/files`, body: `{"idList": "${crypto.randomUUID()}"`, ct: 'application/json', status: 400 },
      { path: `/collections/${id}/files`, body: '<r><idList>x</idList>', ct: 'application/xml', status: 400, method: 'DELETE' },
      { path: `/collections/${id}/files`, body: 'idList=x', ct: 'multipart/form-data; boundary=x', status: 415 },
    ];
    for (const c of cases) {
      const res = await e.as.owner.req(c.method ?? 'POST', c.path, { body: c.body, contentType: c.ct });
      expect(res.status, `${c.ct} ${c.body}`).toBe(c.status);
      expectOracleError(res.body, '-1');
      expect(res.text).not.toContain('root:');
    }
    expect(await dbState(e.t.db, e.f.projectId)).toEqual(before);
  });

  it('an entity-bearing XML answer would never expand: the refused DOCTYPE names the reason', async () => {
    const res = await e.as.owner.post('/collections',
      '<!DOCTYPE c [<!ENTITY x "expanded">]><c><name>&x;</name></c>', { contentType: 'application/xml', accept: 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body.errorMessage).toMatch(/DOCTYPE/);
    const list = await e.as.owner.get('/collections/items?limit=1000');
    expect(list.body.items.some((c: any) => c.name.includes('expanded'))).toBe(false);
  });

  it('odd but well-formed input never gives a 500: NUL characters, huge numbers, a body over the limit (413)', async () => {
    const id = await newCollection(e.as.owner, 'odd');
    const before = await dbState(e.t.db, e.f.projectId);
    const nul = await e.as.owner.post('/collections', { name: 'a\u0000b' });
    expect(nul.status).toBe(400);
    expectOracleError(nul.body, '-1');
    const nulXml = await e.as.owner.post('/collections', '<c><name>a\u0000b</name></c>', { contentType: 'application/xml' });
    expect(nulXml.status).toBe(400);
    const nulId = await e.as.owner.post(`/collections/${id}/files`, { idList: `${crypto.randomUUID()}\u0000` });
    expect(nulId.status).toBe(400);
    const shareNul = await e.as.owner.del(`/shares/${id}/user?userID=a%00b@example.test`);
    expect(shareNul.status).toBe(400);
    for (const q of ['offset=99999999999999999999', 'offset=1e3', 'limit=%00', 'orderby=name%00']) {
      const res = await e.as.owner.get(`/collections/items?${q}`);
      expect(res.status, q).toBe(400);
      expectOracleError(res.body, '-1');
    }
    const big = await e.as.owner.post(`/collections/${id}/files`, { idList: 'x'.repeat(e.t.config.bodyLimitBytes + 10) });
    expect(big.status).toBe(413);
    expectOracleError(big.body, '-1');
    expect(await dbState(e.t.db, e.f.projectId)).toEqual(before);
  });

  it('an unknown path under the prefix is a 404 in Oracle\'s shape', async () => {
    const res = await e.as.owner.get('/folders/items');
    expect(res.status).toBe(404);
    expectOracleError(res.body, '-1');
  });
});
