// The server process on the embedded database: first start (demo credentials), the DATA_DIR lock,
// the admin CLI against a running and a stopped server, and a graceful SIGTERM.
// These always use the embedded database (DATABASE_URL is removed for the children).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { spawnAssetlib, runCli, freePort, postgresPids, type Proc } from '../helpers/process.ts';

let dataDir: string;
let port: number;
let server: Proc;
let env: Record<string, string | undefined>;

const auth = (project: string, key: string) => fetch(`http://127.0.0.1:${port}/api/p/${project}/auth`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: key }),
});

beforeAll(async () => {
  dataDir = join(mkdtempSync(join(tmpdir(), 'assetlib-cli-')), 'data');
  chmodSync(join(dataDir, '..'), 0o755);
  port = await freePort();
  env = { DATABASE_URL: undefined, DATA_DIR: dataDir, PORT: String(port) };
  server = spawnAssetlib(['serve'], env);
  await server.outputHas('listening on', 'server start');
});

afterAll(async () => {
  if (server.child.exitCode === null) { server.child.kill('SIGTERM'); await server.exited; }
  rmSync(join(dataDir, '..'), { recursive: true, force: true });
});

describe('first start on an empty embedded database', () => {
  it('serves /healthz and prints the URL and the demo credentials once', async () => {
    const out = server.output();
    expect(out).toContain(`http://127.0.0.1:${port}`);
    const project = /project gid: (\S+)/.exec(out)?.[1];
    const key = /api key: +(\S+)/.exec(out)?.[1];
    expect(project).toBeTruthy();
    expect(key).toMatch(/^al_/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const res = await auth(project!, key!);
    expect(res.status).toBe(200);
    expect(res.headers.get('authorization')).toMatch(/^ey/);
  });

  it('a second server on the same DATA_DIR refuses with a clear message and touches nothing', async () => {
    const pgBefore = postgresPids(join(dataDir, 'pg'));
    const second = runCli(['serve'], { ...env, PORT: String(await freePort()) });
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`assetlib: DATA_DIR ${dataDir} is in use by another assetlib server (pid ${server.child.pid}); stop it first, or point this one at another DATA_DIR.\n`);
    expect(postgresPids(join(dataDir, 'pg'))).toEqual(pgBefore);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});

describe('admin CLI against the running server', () => {
  it('creates a project, a user with a key, another key, and revokes one', async () => {
    const pgBefore = postgresPids(join(dataDir, 'pg')).length;
    const p = runCli(['project', 'create', '--name', 'Photos'], env);
    expect(p.code, p.stderr).toBe(0);
    const { gid } = JSON.parse(p.stdout);
    expect(gid).toMatch(/^[0-9a-f-]{36}$/);
    const u = runCli(['user', 'create', '--email', 'ed@example.test', '--project', gid, '--role', 'editor'], env);
    expect(u.code, u.stderr).toBe(0);
    const { user_id, api_key } = JSON.parse(u.stdout);
    expect(user_id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await auth(gid, api_key)).status).toBe(200);
    // the CLI reused the server's database instead of starting a second postgres
    expect(postgresPids(join(dataDir, 'pg')).length).toBe(pgBefore);

    const k = runCli(['key', 'create', '--email', 'ed@example.test', '--project', gid], env);
    expect(k.code, k.stderr).toBe(0);
    const second = JSON.parse(k.stdout).api_key;
    expect((await auth(gid, second)).status).toBe(200);
    const r = runCli(['key', 'revoke', '--key', second], env);
    expect(r.code, r.stderr).toBe(0);
    expect((await auth(gid, second)).status).toBe(403);
    expect((await auth(gid, api_key)).status).toBe(200);
  });

  it('refuses bad arguments with a usage message', () => {
    const r = runCli(['user', 'create', '--email', 'x@example.test'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/required option '--project/);
    const bad = runCli(['user', 'create', '--email', 'x@example.test', '--project', '00000000-0000-0000-0000-000000000000', '--role', 'owner'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/project not found/);
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM finishes an in-flight request, then stops postgres and exits 0', async () => {
    const project = /project gid: (\S+)/.exec(server.output())![1];
    const key = /api key: +(\S+)/.exec(server.output())![1];
    const body = JSON.stringify({ api_key: key });
    // The request is in flight during shutdown, with no timing: `Expect: 100-continue` makes the
    // server answer "100 Continue" once it has parsed the headers (the request is then its own);
    // signal, wait until the server says it is shutting down, then send the body.
    const response = new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/api/p/${project}/auth`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' } },
      (res) => { res.resume(); res.on('end', () => resolve(res.statusCode!)); });
      req.on('error', reject);
      req.on('continue', () => {
        server.child.kill('SIGTERM');
        server.outputHas('SIGTERM: shutting down', 'the shutdown to begin').then(() => req.end(body), reject);
      });
      req.flushHeaders();
    });
    expect(await response).toBe(200);
    expect(await server.exited).toBe(0);
    expect(postgresPids(join(dataDir, 'pg'))).toEqual([]);
  });

  it('the CLI works with the server stopped, and the server starts again without a new demo', async () => {
    const p = runCli(['project', 'create', '--name', 'Offline'], env);
    expect(p.code, p.stderr).toBe(0);
    expect(postgresPids(join(dataDir, 'pg'))).toEqual([]);
    server = spawnAssetlib(['serve'], env);
    await server.outputHas('listening on', 'restart');
    expect(server.output()).not.toContain('api key:');
    const m = runCli(['migrate'], env);
    expect(m.code, m.stderr).toBe(0);
  });
});
