// Every bad configuration ends with one clear line on stderr and a non-zero exit, without a stack
// trace and before any slow work. Each case is a real `assetlib serve` process start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import { BIN, freePort, runCli } from '../helpers/process.ts';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'assetlib-cfg-'));
  chmodSync(root, 0o755);
  expect(runCli(['--version'], {}).code).toBe(0); // builds dist/ if needed, as this user
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
const freshDir = () => join(root, `d${n++}`, 'data');

/** Runs `assetlib serve` (asynchronously: some cases need this process to answer sockets). */
function serve(env: Record<string, string | undefined>, opts: { uid?: number; nodeArgs?: string[] } = {}): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, 'serve'], {
      env: { ...process.env, LOG_LEVEL: 'warn', DATABASE_URL: undefined, PORT: '0', ...env },
      uid: opts.uid, gid: opts.uid, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

function expectOneLine(r: { code: number | null; stderr: string; stdout: string }, pattern: RegExp) {
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.code).not.toBeNull(); // it exited by itself
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^assetlib: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).toBe('');
}

describe('invalid values', () => {
  it('PORT=99999', async () => {
    expectOneLine(await serve({ PORT: '99999', DATA_DIR: freshDir() }), /PORT="99999" must be an integer from 0 to 65535/);
  });
  it('LOG_LEVEL=verbose', async () => {
    expectOneLine(await serve({ LOG_LEVEL: 'verbose', DATA_DIR: freshDir() }), /LOG_LEVEL="verbose" must be one of .*info/);
  });
  it('DATABASE_URL=not-a-url (and the value, which may hold a password, is not echoed)', async () => {
    const r = await serve({ DATABASE_URL: 'not-a-url', DATA_DIR: freshDir() });
    expectOneLine(r, /DATABASE_URL must be a URL postgres:\/\//);
    expect(r.stderr).not.toContain('not-a-url');
  });
});

describe('the database', () => {
  it('an unreachable DATABASE_URL: connection refused', async () => {
    const port = await freePort();
    expectOneLine(await serve({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x`, DATA_DIR: freshDir() }),
      new RegExp(`cannot connect to the database at 127.0.0.1:${port}/x: connection refused`));
  });

  it('a server that accepts TCP and never answers: the connection times out', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => { sockets.push(s); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const r = await serve({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x`, DATABASE_CONNECT_TIMEOUT_MS: '500', DATA_DIR: freshDir() });
      expectOneLine(r, /no answer within DATABASE_CONNECT_TIMEOUT_MS/);
      expect(sockets.length).toBeGreaterThan(0); // it did connect, and gave up waiting
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});

describe('the port and DATA_DIR', () => {
  it('a port in use is found before initdb', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as { port: number }).port;
    const dataDir = freshDir();
    try {
      expectOneLine(await serve({ PORT: String(port), DATA_DIR: dataDir }), new RegExp(`port ${port} on 127.0.0.1 is already in use`));
      expect(existsSync(join(dataDir, 'pg'))).toBe(false);
    } finally {
      holder.close();
    }
  });

  it('an unwritable DATA_DIR says so (not "another assetlib process")', async () => {
    const parent = join(root, `ro${n++}`);
    mkdirSync(parent, { mode: 0o755 });
    const r = await serve({ DATA_DIR: join(parent, 'data') }, { uid: 65534 });
    expectOneLine(r, /DATA_DIR .* is not writable by this user \(uid 65534\)/);
  });

  it('DATA_DIR in /proc ends at once', async () => {
    expectOneLine(await serve({ DATA_DIR: '/proc/assetlib-data' }), /DATA_DIR \/proc\/assetlib-data is on the kernel's proc filesystem/);
  });

  it('a failed initdb says why and leaves no lock behind', async () => {
    const dataDir = freshDir();
    mkdirSync(join(dataDir, 'pg'), { recursive: true });
    writeFileSync(join(dataDir, 'pg', 'stray-file'), 'not a cluster');
    const first = await serve({ DATA_DIR: dataDir });
    expectOneLine(first, /initdb failed in .*pg: .*exists but is not empty/);
    expect(existsSync(join(dataDir, 'assetlib.lock'))).toBe(false);
    expect(readdirSync(dataDir).filter((d) => d.startsWith('pg.init-'))).toEqual([]);
    // the next start meets the same cause, not a stale lock
    expectOneLine(await serve({ DATA_DIR: dataDir }), /initdb failed/);
  });
});

it('a Node.js older than package.json engines is refused at the very start', async () => {
  const fake = 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"18.20.4"})';
  expectOneLine(await serve({ DATA_DIR: freshDir() }, { nodeArgs: ['--import', fake] }), /needs Node.js >= 20.19 \(this is 18.20.4\)/);
});
