// Starts one PostgreSQL for the whole run (DATABASE_URL's server, or an embedded one in a temp
// dir) and prepares a migrated template database; each test file clones it (CREATE DATABASE ...
// TEMPLATE), so every file gets a fresh, real database in ~100 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { openEmbedded, type EmbeddedHandle } from '../../src/db/embedded.ts';
import { migrate } from '../../src/db/migrate.ts';
import { withDatabase } from './pg-url.ts';
import { ensureWebBuild } from '../../src/http/web-build.ts';

declare module 'vitest' {
  export interface ProvidedContext { adminUrl: string; templateDb: string; dbKind: string }
}

let embedded: EmbeddedHandle | undefined;
let dir: string | undefined;
let adminUrl = '';
let templateDb = '';

export async function setup(project: TestProject) {
  // the web console's bundle, built once before the servers of the test files serve it
  await ensureWebBuild();
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    dir = mkdtempSync(join(tmpdir(), 'assetlib-test-'));
    embedded = await openEmbedded(dir, 'test');
    adminUrl = embedded.url;
  }
  templateDb = `assetlib_tpl_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${templateDb}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: withDatabase(adminUrl, templateDb), max: 2 });
  await pool.query('CREATE EXTENSION IF NOT EXISTS pg_trgm').catch(() => undefined);
  await migrate(pool);
  await pool.end();
  project.provide('adminUrl', adminUrl);
  project.provide('templateDb', templateDb);
  project.provide('dbKind', process.env.DATABASE_URL ? 'external' : 'embedded');
  return teardown;
}

async function teardown() {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'assetlib_t%' AND datname LIKE $1`, [`%_${process.pid}_%`]);
  for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
  if (embedded) await embedded.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
