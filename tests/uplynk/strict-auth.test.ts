// Uplynk authentication modes. The vendor's scheme (default) signs only {_owner, _timestamp}: a
// captured msg/sig works for any call while its timestamp is fresh. UPLYNK_AUTH=strict accepts
// each signature once (across servers: the record is in the database) and checks `_method` and
// `_path` when msg carries them. The vendor's Python samples (signing every call afresh) pass in
// strict mode unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTestServer, createFixture, freshDatabase, type TestServer, type Fixture } from '../helpers/server.ts';
import { createApiKey } from '../../src/core/keys.ts';
import { rootOf, seedFiles, childGids } from '../helpers/seed.ts';

let strict: TestServer;
let strict2: TestServer;
let vendor: TestServer;
let f: Fixture;
let v: Fixture;
let nonce = 0;

beforeAll(async () => {
  const databaseUrl = await freshDatabase();
  // two strict servers over one database: a signature used on one is refused by the other
  strict = await startTestServer({ uplynkAuth: 'strict', databaseUrl });
  strict2 = await startTestServer({ uplynkAuth: 'strict', databaseUrl });
  vendor = await startTestServer();
  f = await createFixture(strict.db, { owner: 'owner' });
  v = await createFixture(vendor.db, { owner: 'owner' });
});
afterAll(async () => { await strict2?.close(); await strict?.close(); await vendor?.close(); });

function signed(owner: string, key: string, extra: Record<string, unknown> = {}): string {
  const msg = deflateSync(Buffer.from(JSON.stringify({ _owner: owner, _timestamp: Math.floor(Date.now() / 1000), ...extra })), { level: 9 }).toString('base64');
  const sig = createHmac('sha256', key).update(msg).digest('hex');
  return `msg=${encodeURIComponent(msg)}&sig=${sig}`;
}

async function call(base: string, method: string, path: string, auth: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/api/v4${path}?${auth}`, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const libraryCount = async (t: TestServer) => (await t.db.query('SELECT count(*)::int AS n FROM libraries')).rows[0].n;

describe('vendor mode (default): the scheme\'s limit', () => {
  it('a captured GET signature also creates a library (why strict mode exists)', async () => {
    const auth = signed(v.users.owner.gid, v.users.owner.key);
    expect((await call(vendor.url, 'GET', '/libraries', auth)).status).toBe(200);
    expect((await call(vendor.url, 'POST', '/libraries', auth, { desc: 'replayed' })).status).toBe(200);
    expect((await call(vendor.url, 'GET', '/libraries', auth)).status).toBe(200);
  });
});

describe('strict mode', () => {
  it('a signature is accepted once: replayed or re-targeted it gets 401 in Uplynk\'s shape, on any server, and changes nothing', async () => {
    const auth = signed(f.users.owner.gid, f.users.owner.key, { _nonce: ++nonce });
    expect((await call(strict.url, 'GET', '/libraries', auth)).status).toBe(200);
    const before = await libraryCount(strict);
    const retargeted = await call(strict.url, 'POST', '/libraries', auth, { desc: 'replayed' });
    expect(retargeted.status).toBe(401);
    expect(retargeted.body).toMatchObject({ '@type': 'Error', error: { status: 401, code: 'unauthenticated' } });
    expect(retargeted.body.error.message).toMatch(/already used/);
    expect((await call(strict2.url, 'POST', '/libraries', auth, { desc: 'replayed' })).status).toBe(401);
    expect((await call(strict.url, 'GET', '/libraries', auth)).status).toBe(401);
    expect(await libraryCount(strict)).toBe(before);
    // a fresh signature works
    expect((await call(strict2.url, 'POST', '/libraries', signed(f.users.owner.gid, f.users.owner.key, { _nonce: ++nonce }), { desc: 'fresh' })).status).toBe(200);
  });

  it('_method and _path in msg bind the signature to the call', async () => {
    const bound = (m: string, p: string) => signed(f.users.owner.gid, f.users.owner.key, { _method: m, _path: p, _nonce: ++nonce });
    expect((await call(strict.url, 'GET', '/libraries', bound('GET', '/api/v4/libraries'))).status).toBe(200);
    const before = await libraryCount(strict);
    expect((await call(strict.url, 'POST', '/libraries', bound('GET', '/api/v4/libraries'), { desc: 'x' })).status).toBe(401);
    expect((await call(strict.url, 'POST', '/libraries', bound('POST', '/api/v4/libraries/other'), { desc: 'x' })).status).toBe(401);
    expect(await libraryCount(strict)).toBe(before);
    expect((await call(strict.url, 'POST', '/libraries', bound('post', '/api/v4/libraries'), { desc: 'bound' })).status).toBe(200);
  });

  const python = spawnSync('python3', ['-c', 'import requests'], { encoding: 'utf8' });
  it.skipIf(python.status !== 0)('the vendor\'s Python samples pass unchanged (each call signs afresh)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uplynk-strict-'));
    try {
      const examples = resolve('examples/uplynk');
      copyFileSync(join(examples, 'api_auth.py'), join(dir, 'api_auth.py'));
      const run = promisify(execFile);
      // one key per sample run: two runs in the same second with one key would sign the same msg
      const sample = async (file: string, replace: Record<string, string>) => {
        let src = readFileSync(join(examples, file), 'utf8').replace('https://services.uplynk.com', strict.url);
        for (const [from, to] of Object.entries(replace)) src = src.split(from).join(to);
        writeFileSync(join(dir, file), src);
        const key = await createApiKey(strict.db, f.users.owner.id, f.projectId);
        return (await run('python3', [file], { cwd: dir, encoding: 'utf8', timeout: 30_000, env: { ...process.env, UPLYNK_OWNER: f.users.owner.gid, UPLYNK_API_KEY: key } })).stdout;
      };
      expect(await sample('create_library.py', {})).toContain("'@type': 'Library'");
      const lib = (await strict.db.query(`SELECT gid::text AS gid FROM libraries WHERE name = 'Marketing Library'`)).rows[0].gid as string;
      await seedFiles(strict.db, f.projectId, (await rootOf(strict.db, f.projectId)).id, 1);
      const asset = (await childGids(strict.db, (await rootOf(strict.db, f.projectId)).id))[0];
      const out = await sample('add_assets_to_library.py', { '8b69f969c65e481385281331520cf1e2': lib.replace(/-/g, ''), '7a08bca2': asset.replace(/-/g, '') });
      expect(out).toContain(`'@id': '/api/v4/libraries/${lib}/assets'`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
