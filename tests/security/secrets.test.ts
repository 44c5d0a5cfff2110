// Defect 7 (issue 11): a database dump must give away neither the key-sealing secret nor the JWT
// secret. They live in the environment or DATA_DIR/secrets.json (0600); an install that kept them
// in `settings` has them moved out at its next start, and its sealed keys and JWTs keep working.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, jwtVerify } from 'jose';
import pg from 'pg';
import { freshDatabase, createFixture, startTestServer, type TestServer } from '../helpers/server.ts';
import { loadConfig } from '../../src/config.ts';
import { startServer } from '../../src/http/server.ts';
import { useKeySealSecret } from '../../src/core/key-seal.ts';
import { runCli } from '../helpers/process.ts';
import { UplynkClient } from '../uplynk/client.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => { for (const c of cleanups.reverse()) await c(); });

async function server(overrides: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const t = await startTestServer(overrides);
  cleanups.push(() => t.close());
  return t;
}

/** Every row of every table of the public schema as text: what a dump gives away. */
async function dump(db: pg.Pool): Promise<string> {
  const { rows } = await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
  let out = '';
  for (const { tablename } of rows) {
    const r = await db.query(`SELECT row_to_json(t)::text AS j FROM "${tablename}" t`);
    out += r.rows.map((x) => x.j).join('\n');
  }
  return out;
}

/** The legacy secrets that the migrations put in `settings` (every database before this fix). */
async function legacy(url: string): Promise<{ jwt: string; seal: string }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT key, value FROM settings WHERE key IN ('jwt_secret', 'key_seal_secret')`);
    const m = new Map(rows.map((r) => [r.key, r.value]));
    return { jwt: m.get('jwt_secret'), seal: m.get('key_seal_secret') };
  } finally { await c.end(); }
}

describe('secrets out of the database', () => {
  it('an install from before: secrets move to DATA_DIR/secrets.json (0600), leave settings, and its keys and JWTs keep working', async () => {
    const url = await freshDatabase();
    const old = await legacy(url);
    expect(old.jwt).toBeTruthy();
    expect(old.seal).toBeTruthy();
    // keys sealed and a JWT signed under the legacy secrets, as a server before the fix did
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    cleanups.push(() => pool.end());
    useKeySealSecret(old.seal);
    const f = await createFixture(pool, { owner: 'owner' });
    const keyId = (await pool.query('SELECT id FROM api_keys WHERE user_id = $1', [f.users.owner.id])).rows[0].id;
    const oldJwt = await new SignJWT({ k: keyId }).setProtectedHeader({ alg: 'HS256' }).setSubject(f.users.owner.gid)
      .setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(old.jwt));

    const t = await server({ databaseUrl: url });
    const file = join(t.dataDir, 'secrets.json');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ jwtSecret: old.jwt, keySealSecret: old.seal });
    expect((await pool.query(`SELECT key FROM settings WHERE key IN ('jwt_secret', 'key_seal_secret')`)).rows).toEqual([]);
    const d = await dump(pool);
    expect(d).not.toContain(old.jwt);
    expect(d).not.toContain(old.seal);

    // the Uplynk HMAC signature needs the key unsealed under the moved secret
    const r = await new UplynkClient(t.url, f.users.owner.gid, f.users.owner.key).get('/libraries');
    expect(r.status).toBe(200);
    // a JWT issued before the move is still valid
    const res = await fetch(`${t.url}/api/p/${f.projectGid}/init`, { headers: { authorization: `Bearer ${oldJwt}` } });
    expect(res.status).toBe(200);
  });

  it('a new server: a dump of the database holds neither secret, and new keys are sealed under the file\'s', async () => {
    const t = await server();
    const f = await createFixture(t.db, { owner: 'owner' });
    const s = JSON.parse(readFileSync(join(t.dataDir, 'secrets.json'), 'utf8'));
    expect(statSync(join(t.dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    const d = await dump(t.db);
    expect(d).not.toContain(s.jwtSecret);
    expect(d).not.toContain(s.keySealSecret);
    expect((await new UplynkClient(t.url, f.users.owner.gid, f.users.owner.key).get('/libraries')).status).toBe(200);
  });

  it('JWT_SECRET and KEY_SEAL_SECRET in the environment win, and are not written to the file or the database', async () => {
    const jwtSecret = 'env-jwt-secret-0123456789abcdef0123456789';
    const keySealSecret = 'env-seal-secret-0123456789abcdef012345678';
    const t = await server({ jwtSecret, keySealSecret });
    const f = await createFixture(t.db, { owner: 'owner' });
    const auth = await fetch(`${t.url}/api/p/${f.projectGid}/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: f.users.owner.key }) });
    const jwt = (auth.headers.get('authorization') ?? '').replace(/^Bearer /, '');
    await expect(jwtVerify(jwt, new TextEncoder().encode(jwtSecret))).resolves.toBeTruthy();
    const file = join(t.dataDir, 'secrets.json');
    if (existsSync(file)) expect(readFileSync(file, 'utf8')).not.toMatch(/env-(jwt|seal)-secret/);
    const d = await dump(t.db);
    expect(d).not.toContain(jwtSecret);
    expect(d).not.toContain(keySealSecret);
    expect((await t.db.query(`SELECT key FROM settings WHERE key IN ('jwt_secret', 'key_seal_secret')`)).rows).toEqual([]);
    expect((await new UplynkClient(t.url, f.users.owner.gid, f.users.owner.key).get('/libraries')).status).toBe(200);
  });

  it('refuses to start with one line when sealed keys exist but their secret is nowhere, or a host has another secret', async () => {
    const t = await server();
    await createFixture(t.db, { owner: 'owner' });
    const empty = mkdtempSync(join(tmpdir(), 'assetlib-data-'));
    cleanups.push(() => rmSync(empty, { recursive: true, force: true }));
    const config = loadConfig({ host: '127.0.0.1', port: 0, dataDir: empty, databaseUrl: t.config.databaseUrl, logLevel: 'silent' });
    await expect(startServer(config, { quiet: true })).rejects.toThrow(/key-sealing secret that is not here: neither KEY_SEAL_SECRET nor .*secrets\.json holds it \(and 1 API keys are sealed under it\)/);
    await expect(startServer({ ...config, jwtSecret: 'another', keySealSecret: 'another' }, { quiet: true }))
      .rejects.toThrow(/KEY_SEAL_SECRET does not hold this database's key-sealing secret/);
    expect(existsSync(join(empty, 'secrets.json'))).toBe(false);
  });

  it('assetlib secrets rotate: new secrets in the file, every key re-sealed in one transaction and still working', async () => {
    const url = await freshDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'assetlib-data-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { DATABASE_URL: url, DATA_DIR: dataDir, JWT_SECRET: '', KEY_SEAL_SECRET: '' };
    const p = JSON.parse(runCli(['project', 'create', '--name', 'P'], env).stdout).gid;
    const key = JSON.parse(runCli(['user', 'create', '--email', 'a@example.test', '--project', p, '--role', 'owner'], env).stdout).api_key;
    const before = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'));
    const r = runCli(['secrets', 'rotate'], env);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ rotated: ['jwt', 'key-seal'], resealed_keys: 1 });
    const after = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'));
    expect(after.jwtSecret).not.toBe(before.jwtSecret);
    expect(after.keySealSecret).not.toBe(before.keySealSecret);
    expect(statSync(join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    const t = await server({ databaseUrl: url, dataDir });
    const { rows } = await t.db.query('SELECT gid::text FROM users WHERE email = $1', ['a@example.test']);
    expect((await new UplynkClient(t.url, rows[0].gid, key).get('/libraries')).status).toBe(200);
    // a host still holding the old file is refused
    const stale = mkdtempSync(join(tmpdir(), 'assetlib-data-'));
    cleanups.push(() => rmSync(stale, { recursive: true, force: true }));
    const config = loadConfig({ host: '127.0.0.1', port: 0, dataDir: stale, databaseUrl: url, logLevel: 'silent', ...before });
    await expect(startServer(config, { quiet: true })).rejects.toThrow(/does not hold this database's/);
  });
});
