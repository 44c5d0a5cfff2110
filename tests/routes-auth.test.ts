// Every registered route that is not public refuses a request without credentials with 401
// (Unicat routes with WWW-Authenticate). Walks app.routeTable, so routes added later are covered.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { buildApp } from '../src/http/app.ts';
import { DiskBlobStore } from '../src/storage/disk-store.ts';
import { REALM } from '../src/dialects/unicat/envelope.ts';

let t: TestServer;
let app: FastifyInstance;
const ANY_ID = '7d1b6a4e-5c3f-4b2a-9e8d-1f0a2b3c4d5e';

beforeAll(async () => {
  t = await startTestServer();
  app = await buildApp({ db: t.db, config: t.config, blobs: new DiskBlobStore(join(t.dataDir, 'blobs')) });
  await app.ready();
});
afterAll(async () => { await app?.close(); await t?.close(); });

/** A concrete URL for a route pattern: every :param becomes a gid, a wildcard some text. */
function concrete(url: string): string {
  return url.replace(/:[A-Za-z0-9_]+(\([^)]*\))?/g, ANY_ID).replace(/\*/g, 'x');
}

describe('the route table', () => {
  it('holds the asset calls', () => {
    const urls = app.routeTable.map((r) => `${r.method} ${r.url}`);
    for (const call of ['get', 'children', 'worksheet', 'tree', 'create', 'upload', 'upload_update', 'update', 'move', 'delete', 'undelete', 'permanent_delete']) {
      expect(urls).toContain(`POST /api/p/:project/assets/${call}`);
    }
    expect(app.routeTable.filter((r) => r.public).map((r) => r.url)).toContain('/healthz');
  });

  it('every non-public route answers 401 without credentials', async () => {
    const routes = app.routeTable.filter((r) => !r.public && r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThanOrEqual(12);
    const failures: string[] = [];
    for (const r of routes) {
      const withBody = !['GET', 'DELETE', 'HEAD'].includes(r.method);
      const res = await app.inject({
        method: r.method as any,
        url: concrete(r.url),
        ...(withBody ? { payload: { anything: 1 }, headers: { 'content-type': 'application/json' } } : {}),
      });
      if (res.statusCode !== 401) failures.push(`${r.method} ${r.url} -> ${res.statusCode}`);
      else if (r.url.startsWith('/api/p/') && res.headers['www-authenticate'] !== REALM) failures.push(`${r.method} ${r.url}: WWW-Authenticate ${res.headers['www-authenticate']}`);
    }
    expect(failures).toEqual([]);
  });

  it('a forged JWT is refused with 401 on the Unicat routes too', async () => {
    const routes = app.routeTable.filter((r) => !r.public && r.url.startsWith('/api/p/'));
    for (const r of routes) {
      const res = await app.inject({ method: r.method as any, url: concrete(r.url), headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.forged' } });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
  });
});
