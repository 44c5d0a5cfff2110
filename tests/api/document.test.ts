// The API document (docs/api.md): OpenAPI 3.1 at /openapi.json with an operationId, a summary, a
// tag, security (or an explicit none) and responses with schemas on every operation; the reference
// page at /docs is served from this server only (no CDN) and runs under helmet's CSP.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { buildApp } from '../../src/http/app.ts';
import { DiskBlobStore } from '../../src/storage/disk-store.ts';

let t: TestServer;
let app: FastifyInstance;
beforeAll(async () => {
  t = await startTestServer();
  app = await buildApp({ db: t.db, config: t.config, blobs: new DiskBlobStore(join(t.dataDir, 'blobs')) }, { webBuild: false });
  await app.ready();
});
afterAll(async () => { await app?.close(); await t?.close(); });

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

it('GET /openapi.json is OpenAPI 3.1 and describes every API route of the server', async () => {
  const r = await fetch(`${t.url}/openapi.json`);
  expect(r.status).toBe(200);
  const doc: any = await r.json();
  expect(doc.openapi).toBe('3.1.0');
  expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['basicKey', 'bearerJwt', 'uplynkMsg', 'uplynkSig']);
  const ops: string[] = [];
  const problems: string[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      const name = `${m.toUpperCase()} ${path}`;
      ops.push(name);
      if (!op.operationId || !op.summary || !op.tags?.length || !Array.isArray(op.security)) problems.push(`${name}: operationId/summary/tags/security`);
      const ok = Object.keys(op.responses ?? {}).filter((s) => /^2/.test(s));
      if (!ok.length) problems.push(`${name}: no success response`);
      if (path.match(/^\/(api|documents|sync|dam)\//) && !op.responses['400']) problems.push(`${name}: no error response`);
    }
  }
  expect(problems).toEqual([]);
  // every API route the server registered is in the document (the console's page and files are not API)
  const table = app.routeTable
    .filter((x) => x.method !== 'OPTIONS' && !x.url.startsWith('/docs') && x.url !== '/' && x.url !== '/assets/*' && !x.url.endsWith('*') && x.url !== '/api/*' && x.url !== '/dam/*')
    .map((x) => `${x.method} ${x.url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{options}')}`);
  expect(table.filter((x) => !ops.includes(x))).toEqual([]);
  expect(ops.length).toBeGreaterThanOrEqual(80);
  const ids = ops.length;
  expect(new Set(Object.values<any>(doc.paths).flatMap((i) => METHODS.map((m) => i[m]?.operationId).filter(Boolean))).size).toBe(ids);
});

it('the Oracle bodies are described as JSON and XML', async () => {
  const doc: any = await (await fetch(`${t.url}/openapi.json`)).json();
  const op = doc.paths['/documents/api/1.1/collections'].post;
  expect(Object.keys(op.requestBody.content)).toEqual(expect.arrayContaining(['application/json', 'application/xml']));
  expect(Object.keys(op.responses['201'].content)).toEqual(['application/json', 'application/xml']);
});

it('/docs renders the reference from files of this server, under the CSP', async () => {
  const page = await fetch(`${t.url}/docs`, { redirect: 'follow' });
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('swagger-ui');
  const csp = page.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("script-src 'self'");
  // no script from elsewhere, no inline script (the CSP would block it)
  expect(html).not.toMatch(/<script[^>]+src="(https?:)?\/\//);
  expect(html).not.toMatch(/<script>(?!\s*<\/script>)[^<]+<\/script>/);
  for (const src of html.match(/src="[^"]+"/g) ?? []) {
    const url = new URL(src.slice(5, -1), page.url);
    expect(url.origin).toBe(new URL(t.url).origin);
    expect((await fetch(url)).status).toBe(200);
  }
});
