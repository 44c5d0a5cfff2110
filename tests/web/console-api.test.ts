// The server side of the web console: the page and its bundle, POST /console/sign-in, and the
// extensions it uses (Unicat assets/trash and assets/libraries, Oracle PUT /collections/{id}).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { consoleCsp } from '../../src/http/console.ts';

let t: TestServer;
let fx: Fixture;
let owner: UnicatClient;
let root: string;

const oracle = (method: string, path: string, jwt: string, body?: unknown) => fetch(`${t.url}/documents/api/1.1${path}`, {
  method, headers: { authorization: jwt, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
  body: body ? JSON.stringify(body) : undefined,
}).then(async (r) => ({ status: r.status, body: await r.json() as any }));

beforeAll(async () => {
  t = await startTestServer();
  fx = await createFixture(t.db, { owner: 'owner', viewer: 'viewer', other: 'editor' });
  owner = new UnicatClient(t.url, fx.projectGid);
  await owner.auth(fx.users.owner.key);
  root = (await owner.call('assets/get', { pathname: '/' })).result.asset;
});
afterAll(async () => { await t?.close(); });

describe('the console page', () => {
  it('serves the page and its hashed, pre-compressed bundle', async () => {
    const page = await fetch(`${t.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(js).toBeTruthy();
    const bundle = await fetch(`${t.url}${js}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-encoding')).toBe('gzip');
    expect(bundle.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${t.url}/assets/nope.js`)).status).toBe(404);
  });

  it('serves the page under a Content-Security-Policy made for it, with helmet\'s other guards', async () => {
    const page = await fetch(`${t.url}/`);
    const csp = Object.fromEntries((page.headers.get('content-security-policy') ?? '').split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(csp['default-src']).toEqual(["'self'"]);
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['style-src']).toEqual(["'self'"]);
    expect(csp['connect-src']).toEqual(["'self'"]);
    expect(csp['img-src']).toEqual(["'self'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(csp['frame-ancestors']).toEqual(["'self'"]);
    expect(csp).not.toHaveProperty('upgrade-insecure-requests');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('origin-agent-cluster')).toBe('?1');
  });

  it('lets images come from PUBLIC_URL\'s origin when media URLs start there', () => {
    expect(consoleCsp('https://cdn.example.com/dam/')['img-src']).toEqual(["'self'", 'https://cdn.example.com']);
    expect(consoleCsp('https://cdn.example.com/dam/')['media-src']).toEqual(["'self'", 'https://cdn.example.com']);
  });
});

describe('POST /console/sign-in', () => {
  const signIn = (body: unknown) => fetch(`${t.url}/console/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    .then(async (r) => ({ status: r.status, body: await r.json() as any }));

  it('names the project of the key for its user, whatever the email case', async () => {
    const r = await signIn({ email: fx.users.owner.email.toUpperCase(), api_key: fx.users.owner.key });
    expect(r.status).toBe(200);
    expect(r.body.result).toEqual({ project: fx.projectGid, user: fx.users.owner.gid });
  });

  it('refuses a key of another user and an unknown key alike (401), and missing fields (400)', async () => {
    const a = await signIn({ email: fx.users.owner.email, api_key: fx.users.viewer.key });
    const b = await signIn({ email: fx.users.owner.email, api_key: 'al_unknown' });
    expect([a.status, b.status]).toEqual([401, 401]);
    expect(a.body.result.message).toBe(b.body.result.message);
    expect((await signIn({ email: fx.users.owner.email })).status).toBe(400);
  });
});

describe('assets/trash', () => {
  it('lists the roots of deletes whose parent is live, newest first, with paging', async () => {
    const mk = async (name: string, parent = root) => (await owner.call('assets/create', { parent, name })).result.asset as string;
    const a = await mk('a');
    const inA = await mk('in-a', a);
    const b = await mk('b');
    const c = await mk('c');
    await owner.call('assets/delete', { asset: inA });
    await owner.call('assets/delete', { asset: a }); // in-a keeps its own delete, under a trashed parent
    await owner.call('assets/delete', { asset: b });
    await owner.call('assets/delete', { asset: c });
    const all = await owner.call('assets/trash', {});
    expect(all.result).toEqual({ assets: [c, b, a], 'assets.size': 3 });
    expect(all.data.assets[a].is_deleted).toBe(true);
    const second = await owner.call('assets/trash', { 'page.top': 1, 'page.size': 1 });
    expect(second.result.assets).toEqual([b]);
    await owner.call('assets/undelete', { asset: a });
    expect((await owner.call('assets/trash', {})).result.assets).toEqual([c, b, inA]);
    const bad = await owner.raw('assets/trash', { 'page.size': 0 });
    expect(bad.status).toBe(400);
  });
});

describe('assets/libraries and PUT /collections/{id}', () => {
  it('lists the libraries an asset is in that the caller can see; renames through Oracle', async () => {
    const up = await owner.upload({ parent: root }, { name: 'x.txt', content: 'hello', type: 'text/plain' });
    const asset = up.body.result.asset;
    const jwt = `Bearer ${owner.jwt!.replace(/^Bearer\s+/i, '')}`;
    const mine = await oracle('POST', '/collections', jwt, { name: 'Mine' });
    expect(mine.status).toBe(201);
    const other = new UnicatClient(t.url, fx.projectGid);
    await other.auth(fx.users.other.key);
    const otherJwt = `Bearer ${other.jwt!.replace(/^Bearer\s+/i, '')}`;
    const theirs = await oracle('POST', '/collections', otherJwt, { name: 'Theirs' });
    for (const [id, token] of [[mine.body.id, jwt], [theirs.body.id, otherJwt]]) {
      expect((await oracle('POST', `/collections/${id}/files`, token, { idList: asset })).status).toBe(200);
    }
    const libs = await owner.call('assets/libraries', { asset });
    expect(libs.result.libraries).toEqual([mine.body.id]);
    expect(libs.data.libraries[mine.body.id]).toEqual({ gid: mine.body.id, name: 'Mine', access: 'owner' });

    const renamed = await oracle('PUT', `/collections/${mine.body.id}`, jwt, { name: 'Renamed' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Renamed');
    expect(renamed.body.childItemsCount).toBe('1');
    // not the owner nor a manager: 403/-20; unknown: 404
    expect((await oracle('PUT', `/collections/${theirs.body.id}`, jwt, { name: 'No' })).status).toBe(404);
    await oracle('POST', `/shares/${theirs.body.id}`, otherJwt, { userID: fx.users.owner.email, role: 'viewer' });
    const refused = await oracle('PUT', `/collections/${theirs.body.id}`, jwt, { name: 'No' });
    expect([refused.status, refused.body.errorCode]).toEqual([403, '-20']);
    expect((await owner.call('assets/libraries', { asset })).result.libraries.sort()).toEqual([mine.body.id, theirs.body.id].sort());
  });
});
