// Per-test-file fixtures: a fresh database cloned from the template, a real server listening on
// a loopback port, and a project with users and keys. Tests talk to it over real HTTP.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config.ts';
import { startServer, type RunningServer } from '../../src/http/server.ts';
import { createPool, withTx } from '../../src/db/pool.ts';
import { createProject } from '../../src/core/projects.ts';
import { ensureUser, setMembership, type Role } from '../../src/core/users.ts';
import { createApiKey } from '../../src/core/keys.ts';
import { withDatabase } from './pg-url.ts';
import { useKeySealSecret } from '../../src/core/key-seal.ts';
import { secretsFile } from '../../src/core/secrets.ts';

let counter = 0;

/** A new database cloned from the migrated template; returns its URL. */
export async function freshDatabase(): Promise<string> {
  const adminUrl = inject('adminUrl');
  const name = `assetlib_t_${process.ppid}_${process.pid}_${Date.now()}_${counter++}`.replace(/[^a-z0-9_]/g, '');
  // the template's owner pid: teardown drops databases by the global-setup pid pattern
  const tpl = inject('templateDb');
  const globalPid = tpl.split('_')[2];
  const dbName = `assetlib_t_${globalPid}_${name.slice('assetlib_t_'.length)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${dbName} TEMPLATE ${tpl}`);
        break;
      } catch (e: any) {
        // "source database is being accessed by other users": another file is cloning right now
        if (attempt < 50 && e.code === '55006') { await new Promise((r) => setTimeout(r, 100)); continue; }
        throw e;
      }
    }
  } finally {
    await admin.end();
  }
  return withDatabase(adminUrl, dbName);
}

export interface CoreDb { db: pg.Pool; url: string; close(): Promise<void> }

/**
 * The secrets of tests that write keys without a server of their own in this process (core tests,
 * and tests whose servers are child processes: give those CORE_TEST_ENV so they unseal the keys).
 */
export const CORE_TEST_SECRETS = { keySeal: 'core tests: keys sealed under this secret', jwt: 'core tests: JWTs signed under this secret' };
export const CORE_TEST_ENV = { KEY_SEAL_SECRET: CORE_TEST_SECRETS.keySeal, JWT_SECRET: CORE_TEST_SECRETS.jwt };
/** Seals keys written by this process under CORE_TEST_SECRETS (never call it beside an in-process server). */
export const useCoreTestSecrets = () => useKeySealSecret(CORE_TEST_SECRETS.keySeal);

/** A fresh migrated database and a pool on it, for tests of the core (no HTTP server). */
export async function openCoreDb(): Promise<CoreDb> {
  const url = await freshDatabase();
  const db = createPool(url, 5);
  useCoreTestSecrets(); // a server loads it from DATA_DIR/secrets.json
  return { db, url, close: () => db.end() };
}

export interface TestServer {
  url: string;
  server: RunningServer;
  db: pg.Pool;
  dataDir: string;
  config: Config;
  /** the JWT secret the server signs with (from its DATA_DIR/secrets.json unless configured) */
  jwtSecret: string;
  close(): Promise<void>;
}

/** The DATA_DIR of the first test server on each database: later servers on it get a copy of its secrets.json, as hosts sharing a database must. */
const firstDataDir = new Map<string, string>();

export async function startTestServer(overrides: Partial<Config> = {}, opts: { logStream?: NodeJS.WritableStream } = {}): Promise<TestServer> {
  const databaseUrl = overrides.databaseUrl ?? await freshDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'assetlib-data-'));
  // no failed-authentication limit unless a test sets one: many tests check 401s from one address
  const first = firstDataDir.get(databaseUrl);
  if (first && existsSync(secretsFile(first))) copyFileSync(secretsFile(first), secretsFile(dataDir));
  else if (!first) firstDataDir.set(databaseUrl, overrides.dataDir ?? dataDir);
  const config = loadConfig({ host: '127.0.0.1', port: 0, dataDir, databaseUrl, logLevel: 'silent', authFailLimit: 0, ...overrides });
  const server = await startServer(config, opts.logStream ? { logStream: opts.logStream } : { quiet: true });
  const jwtSecret = config.jwtSecret ?? JSON.parse(readFileSync(secretsFile(config.dataDir), 'utf8')).jwtSecret;
  return {
    url: server.url, server, db: server.db.pool, dataDir, config, jwtSecret,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Fixture { projectGid: string; projectId: number; users: Record<string, { gid: string; id: number; email: string; key: string }> }

/** A project whose members are given as {alias: role}; each gets a user and an API key. */
export async function createFixture(db: pg.Pool, members: Record<string, Role> = { owner: 'owner' }): Promise<Fixture> {
  return withTx(db, async (tx) => {
    const project = await createProject(tx, `Test project ${counter++}`);
    const users: Fixture['users'] = {};
    for (const [alias, role] of Object.entries(members)) {
      const email = `${alias}.${project.gid.slice(0, 8)}@example.test`;
      const user = await ensureUser(tx, email, alias);
      await setMembership(tx, project.id, user.id, role);
      users[alias] = { gid: user.gid, id: user.id, email, key: await createApiKey(tx, user.id, project.id) };
    }
    return { projectGid: project.gid, projectId: project.id, users };
  });
}
