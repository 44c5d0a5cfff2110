// The vendor's Python samples are real clients: examples/uplynk/*.py (seed 001's sample verbatim,
// seed 000's plus the auth parameters it omits) run against the test server with only the host
// and the ids replaced, signing through examples/uplynk/api_auth.py. Skipped, saying why, when
// python3 with `requests` is not available.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { rootOf, seedFiles, childGids } from '../helpers/seed.ts';
import { UplynkClient } from './client.ts';

const EXAMPLES = resolve('examples/uplynk');
const python = spawnSync('python3', ['-c', 'import requests'], { encoding: 'utf8' });
const hasPython = python.status === 0;
if (!hasPython) console.warn(`SKIPPING the Python sample tests: python3 with the requests module is not available (${python.error?.message ?? python.stderr.trim()})`);

let t: TestServer;
let f: Fixture;
let dir: string;
let assets: string[];

beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner' });
  await seedFiles(t.db, f.projectId, (await rootOf(t.db, f.projectId)).id, 3);
  assets = await childGids(t.db, (await rootOf(t.db, f.projectId)).id);
  dir = mkdtempSync(join(tmpdir(), 'uplynk-py-'));
  copyFileSync(join(EXAMPLES, 'api_auth.py'), join(dir, 'api_auth.py'));
});
afterAll(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// async: the server answering the sample runs in this process
const run = promisify(execFile);

/** Runs a sample with the host and the given literal strings replaced; returns stdout. */
async function runSample(file: string, replace: Record<string, string>, owner = f.users.owner.gid): Promise<string> {
  let src = readFileSync(join(EXAMPLES, file), 'utf8').replace('https://services.uplynk.com', t.url);
  for (const [from, to] of Object.entries(replace)) {
    expect(src).toContain(from);
    src = src.split(from).join(to);
  }
  writeFileSync(join(dir, file), src);
  const { stdout } = await run('python3', [file], {
    cwd: dir, encoding: 'utf8', timeout: 30_000, env: { ...process.env, UPLYNK_OWNER: owner, UPLYNK_API_KEY: f.users.owner.key },
  });
  return stdout;
}

async function members(libId: string): Promise<string[]> {
  const { rows } = await t.db.query(
    'SELECT asset_gid::text AS g FROM library_assets la JOIN libraries l ON l.id = la.library_id WHERE l.gid = $1 ORDER BY 1', [libId]);
  return rows.map((r) => r.g);
}

describe.skipIf(!hasPython)('the vendor Python samples against assetlib', () => {
  it('create_library.py (the docs sample) creates a library', async () => {
    const out = await runSample('create_library.py', {});
    expect(out).toContain("'@type': 'Library'");
    expect(out).toContain("'desc': 'Marketing Library'");
    expect(out).toContain("'allow_copy': True");
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM libraries WHERE name = 'Marketing Library' AND allow_copy`);
    expect(rows[0].n).toBe(1);
  });

  it('seed 001 (add_assets_to_library.py, unchanged but host and ids) adds the asset', async () => {
    const lib = await new UplynkClient(t.url, f.users.owner.gid, f.users.owner.key).createLibrary('Py add');
    const hexLib = lib.id.replace(/-/g, '');
    const out = await runSample('add_assets_to_library.py', { '8b69f969c65e481385281331520cf1e2': hexLib, '7a08bca2': assets[0].replace(/-/g, '') },
      f.users.owner.gid.replace(/-/g, ''));
    expect(out).toContain(`'@id': '/api/v4/libraries/${lib.id}/assets'`);
    expect(out).toContain("'@type': 'Library'");
    expect(await members(lib.id)).toEqual([assets[0]]);
  });

  it('seed 000 (remove_assets_from_library.py, with the auth parameters) removes the assets', async () => {
    const c = new UplynkClient(t.url, f.users.owner.gid, f.users.owner.key);
    const lib = await c.createLibrary('Py remove');
    await c.patch(`/libraries/${lib.id}/assets`, { asset_ids: assets });
    const out = await runSample('remove_assets_from_library.py', { '8b69f969c65e481385281331520cf1e2': lib.id, '"789012"': `"${assets[0]}"`, '"345678"': `"${assets[1]}"` });
    expect(out).toContain("'message': 'Assets removed successfully.'");
    expect(out).toContain(`'owner_name': '${f.users.owner.email}'`);
    expect(await members(lib.id)).toEqual([assets[2]]);
  });

  it('api_auth.py signs exactly like the server expects (a wrong key is refused)', async () => {
    const code = `from api_auth import APICredentials, APIParams\nimport requests\n` +
      `p = APIParams(APICredentials(secret="al_wrong")).get_params({})\n` +
      `print(requests.get("${t.url}/api/v4/libraries", params=p).status_code)`;
    writeFileSync(join(dir, 'wrong.py'), code);
    const { stdout: out } = await run('python3', ['wrong.py'], { cwd: dir, encoding: 'utf8', timeout: 30_000, env: { ...process.env, UPLYNK_OWNER: f.users.owner.gid, UPLYNK_API_KEY: 'x' } });
    expect(out.trim()).toBe('401');
  });
});
