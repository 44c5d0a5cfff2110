// Protection layers: a limit on failed authentications per client address (429 in each
// dialect's shape; successful calls do not count), security headers and no-store on API answers,
// and socket.io refusing foreign Origins (same-origin by default, CORS_ORIGINS allow-list).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { sign } from '../uplynk/client.ts';

let t: TestServer;
let f: Fixture;
const LIMIT = 5;

beforeAll(async () => {
  t = await startTestServer({ authFailLimit: LIMIT, authFailWindowSeconds: 600, corsOrigins: ['https://console.example'] });
  f = await createFixture(t.db, { owner: 'owner' });
});
afterAll(() => t?.close());

interface Res { status: number; headers: http.IncomingHttpHeaders; body: any }

/** One request from a chosen loopback source address (each test its own client address). */
function request(from: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Res> {
  const u = new URL(t.url + path);
  return new Promise((resolve, reject) => {
    const r = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, localAddress: from, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let parsed: any = text;
        try { parsed = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode!, headers: res.headers, body: parsed });
      });
    });
    r.on('error', reject);
    r.end(body);
  });
}

const basic = (email: string, key: string) => ({ authorization: `Basic ${Buffer.from(`${email}:${key}`).toString('base64')}` });
const uplynkPath = (key: string) => {
  const { msg, sig } = sign(f.users.owner.gid, key);
  return `/api/v4/libraries?msg=${encodeURIComponent(msg)}&sig=${sig}`;
};

describe('failed-authentication limit', () => {
  it('Unicat: after the limit of bad keys, 429 in Unicat\'s envelope, even for a good key; successes never count', async () => {
    const from = '127.0.0.2';
    const auth = (key: string) => request(from, 'POST', `/api/p/${f.projectGid}/auth`, { 'content-type': 'application/json' }, JSON.stringify({ api_key: key }));
    for (let i = 0; i < 3 * LIMIT; i++) expect((await auth(f.users.owner.key)).status).toBe(200);
    for (let i = 0; i < LIMIT; i++) expect((await auth('al_wrong')).status).toBe(403);
    const limited = await auth('al_wrong');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ success: false, result: { code: 429 }, data: {} });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await auth(f.users.owner.key)).status).toBe(429);
    const jwtCall = await request(from, 'POST', `/api/p/${f.projectGid}/init`, { authorization: 'Bearer x.y.z' });
    expect(jwtCall.status).toBe(429);
    // another address is not affected
    expect((await request('127.0.0.3', 'POST', `/api/p/${f.projectGid}/auth`, { 'content-type': 'application/json' }, JSON.stringify({ api_key: f.users.owner.key }))).status).toBe(200);
  });

  it('Uplynk: 429 in Uplynk\'s error shape', async () => {
    const from = '127.0.0.4';
    for (let i = 0; i < 3 * LIMIT; i++) expect((await request(from, 'GET', uplynkPath(f.users.owner.key))).status).toBe(200);
    for (let i = 0; i < LIMIT; i++) expect((await request(from, 'GET', uplynkPath('al_wrong'))).status).toBe(401);
    const limited = await request(from, 'GET', uplynkPath('al_wrong'));
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ '@type': 'Error', error: { status: 429, code: 'rate_limited' } });
    expect((await request(from, 'GET', uplynkPath(f.users.owner.key))).status).toBe(429);
  });

  it('Oracle: 429 in Oracle\'s error shape', async () => {
    const from = '127.0.0.5';
    const path = '/documents/api/1.1/collections/items';
    for (let i = 0; i < 3 * LIMIT; i++) expect((await request(from, 'GET', path, basic(f.users.owner.email, f.users.owner.key))).status).toBe(200);
    for (let i = 0; i < LIMIT; i++) expect((await request(from, 'GET', path, basic(f.users.owner.email, 'al_wrong'))).status).toBe(401);
    const limited = await request(from, 'GET', path, basic(f.users.owner.email, 'al_wrong'));
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ errorCode: '-1', errorKey: '!csTooManyRequests', type: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html' });
    expect((await request(from, 'GET', path, basic(f.users.owner.email, f.users.owner.key))).status).toBe(429);
  });
});

describe('security headers', () => {
  it('API answers (success and error, every dialect) carry nosniff, frame-options and no-store', async () => {
    const answers = [
      await request('127.0.0.6', 'GET', uplynkPath(f.users.owner.key)),
      await request('127.0.0.6', 'GET', '/api/v4/libraries'),
      await request('127.0.0.6', 'POST', `/api/p/${f.projectGid}/auth`, { 'content-type': 'application/json' }, JSON.stringify({ api_key: f.users.owner.key })),
      await request('127.0.0.6', 'GET', '/documents/api/1.1/collections/items', basic(f.users.owner.email, f.users.owner.key)),
      await request('127.0.0.6', 'POST', '/sync/get', { 'content-type': 'application/json' }, '{}'),
    ];
    for (const r of answers) {
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(r.headers['cache-control']).toBe('no-store');
    }
    expect([200, 401].every((s) => answers.some((r) => r.status === s))).toBe(true);
    // outside the API prefixes no-store is not forced, the security headers still apply
    const health = await request('127.0.0.6', 'GET', '/healthz');
    expect(health.headers['cache-control']).toBeUndefined();
    expect(health.headers['content-security-policy']).toContain("default-src 'self'");
  });
});

describe('socket.io origins', () => {
  const handshake = (origin?: string) => request('127.0.0.7', 'GET', '/sync/io/?EIO=4&transport=polling', origin ? { origin } : {});

  it('refuses a foreign Origin and reflects none; allows same-origin, listed origins and clients without Origin', async () => {
    const evil = await handshake('http://evil.example');
    expect(evil.status).toBe(403);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    expect((await handshake(t.url)).status).toBe(200);
    expect((await handshake()).status).toBe(200);
    const listed = await handshake('https://console.example');
    expect(listed.status).toBe(200);
    expect(listed.headers['access-control-allow-origin']).toBe('https://console.example');
  });
});
