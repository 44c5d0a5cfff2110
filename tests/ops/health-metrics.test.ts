// /livez, /readyz (and /healthz, its alias) and /metrics of a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startTestServer, createFixture, type TestServer } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';

let t: TestServer;
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t?.close(); });

describe('probes', () => {
  it('livez and readyz answer 200 on a healthy server', async () => {
    expect((await fetch(`${t.url}/livez`)).status).toBe(200);
    const r = await fetch(`${t.url}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true });
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('readyz and healthz answer 503 while a migration is missing, livez stays 200', async () => {
    const { rows: [m] } = await t.db.query('DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations) RETURNING version');
    try {
      const r = await fetch(`${t.url}/readyz`);
      expect(r.status).toBe(503);
      expect(((await r.json()) as { reason: string }).reason).toContain(m.version);
      expect((await fetch(`${t.url}/healthz`)).status).toBe(503);
      expect((await fetch(`${t.url}/livez`)).status).toBe(200);
    } finally {
      await t.db.query('INSERT INTO schema_migrations(version) VALUES ($1)', [m.version]);
    }
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
  });

  it('readyz answers 503 when the database is gone (livez 200)', async () => {
    const own = await startTestServer();
    try {
      expect((await fetch(`${own.url}/readyz`)).status).toBe(200);
      const name = new URL(own.config.databaseUrl!).pathname.slice(1);
      const admin = new pg.Client({ connectionString: own.config.databaseUrl!.replace(`/${name}`, '/postgres') });
      await admin.connect();
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
      const r = await fetch(`${own.url}/readyz`);
      expect(r.status).toBe(503);
      expect(((await r.json()) as { reason: string }).reason).toMatch(/^database: /);
      expect((await fetch(`${own.url}/livez`)).status).toBe(200);
    } finally {
      await own.close();
    }
  });
});

describe('metrics', () => {
  it('counts requests by route, method and status, with the pool, jobs, feed and process metrics', async () => {
    const f = await createFixture(t.db);
    const c = new UnicatClient(t.url, f.projectGid);
    await c.auth(f.users.owner.key);
    await fetch(`${t.url}/api/p/${f.projectGid}/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"api_key":"wrong"}' });
    const r = await fetch(`${t.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await r.text();
    expect(text).toMatch(/assetlib_http_requests_total\{route="\/api\/p\/:project\/auth",method="POST",status="200"\} [1-9]/);
    expect(text).toMatch(/assetlib_http_requests_total\{route="\/api\/p\/:project\/auth",method="POST",status="4\d\d"\} 1/);
    expect(text).toMatch(/assetlib_http_request_duration_seconds_bucket\{le="0.5",route="\/api\/p\/:project\/auth",method="POST",status="200"\}/);
    expect(text).toMatch(/assetlib_db_pool_connections\{state="in_use"\} \d+/);
    expect(text).toMatch(/assetlib_db_pool_connections\{state="waiting"\} 0/);
    expect(text).toMatch(/assetlib_jobs\{status="queued"\} 0/);
    expect(text).toMatch(/assetlib_feed_events\{which="written"\} \d+/);
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
  });
});
