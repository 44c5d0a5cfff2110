// CORS: off by default; with CORS_ORIGINS, allowed origins get the headers and a preflight is
// answered without authentication and without credentials; other origins get none.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let off: TestServer;
let on: TestServer;
beforeAll(async () => {
  off = await startTestServer();
  on = await startTestServer({ corsOrigins: ['https://app.example.test'] });
});
afterAll(async () => { await off?.close(); await on?.close(); });

const preflight = (base: string, origin: string) => fetch(`${base}/api/p/00000000000000000000000000000000/assets/get`, {
  method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
});

it('is off by default: no CORS headers', async () => {
  const r = await preflight(off.url, 'https://app.example.test');
  expect(r.headers.get('access-control-allow-origin')).toBeNull();
});

it('an allowed origin: the preflight is answered (no auth needed, no credentials), and responses expose Authorization', async () => {
  const r = await preflight(on.url, 'https://app.example.test');
  expect(r.status).toBe(204);
  expect(r.headers.get('access-control-allow-origin')).toBe('https://app.example.test');
  expect(r.headers.get('access-control-allow-credentials')).toBeNull();
  expect(r.headers.get('access-control-allow-methods')).toContain('POST');
  const g = await fetch(`${on.url}/livez`, { headers: { origin: 'https://app.example.test' } });
  expect(g.headers.get('access-control-allow-origin')).toBe('https://app.example.test');
  expect(g.headers.get('access-control-expose-headers')).toContain('Authorization');
});

it('another origin gets no CORS headers', async () => {
  const r = await preflight(on.url, 'https://evil.example.test');
  expect(r.headers.get('access-control-allow-origin')).toBeNull();
});
