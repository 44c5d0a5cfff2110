// Defect 8 (issue 11): the DATA_DIR lock is held by the OS for the process's life. A SIGKILL at any
// point of the start never bricks the data dir (the next start serves, and what the killed one
// left running is stopped); a stale lock naming a live process that is not assetlib does not
// refuse; a second server is refused while the first lives. Real processes, embedded database;
// every wait is on a log line or a bounded poll of state.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, chmodSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { spawnAssetlib, freePort, postgresPids, runCli, type Proc } from '../helpers/process.ts';

const root = mkdtempSync(join(tmpdir(), 'assetlib-lock-'));
chmodSync(root, 0o755);
const running: Proc[] = [];
const sleepers: number[] = [];
afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) { p.child.kill('SIGKILL'); await p.exited; }
  for (const pid of sleepers) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  for (const d of readdirSync(root)) {
    for (const pid of postgresPids(join(root, d, 'pg'))) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  }
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
async function env() {
  const dataDir = join(root, `d${n++}`);
  return { DATABASE_URL: undefined, DATA_DIR: dataDir, PORT: String(await freePort()), LOG_LEVEL: 'info' };
}

function serve(e: Record<string, string | undefined>): Proc {
  const p = spawnAssetlib(['serve'], e);
  running.push(p);
  return p;
}

const initdbPids = (dataDir: string) => spawnSync('pgrep', ['-f', `initdb --pgdata=${dataDir}/`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);

/** Starts a server, waits for it to serve, stops it with SIGTERM; nothing may be left running. */
async function startsAndServes(e: Record<string, string | undefined>): Promise<void> {
  const p = serve(e);
  await p.outputHas('listening on', 'the next start to serve', 120_000);
  expect((await fetch(`http://127.0.0.1:${e.PORT}/healthz`)).status).toBe(200);
  p.child.kill('SIGTERM');
  expect(await p.exited).toBe(0);
  expect(postgresPids(join(e.DATA_DIR!, 'pg'))).toEqual([]);
  expect(initdbPids(e.DATA_DIR!)).toEqual([]);
}

describe('a SIGKILL during startup never bricks DATA_DIR', () => {
  // the log lines of the start, in order: during initdb, during postgres's start, during the
  // migrations, and once serving
  const points = [
    'initialising the embedded PostgreSQL',
    'starting the embedded PostgreSQL',
    'applied migration 001',
    'listening on',
  ];
  for (const point of points) {
    it(`killed at "${point}": the next start serves and stops what was left running`, async () => {
      const e = await env();
      const first = serve(e);
      await first.outputHas(point, point, 120_000);
      first.child.kill('SIGKILL');
      await first.exited;
      await startsAndServes(e);
    }, 240_000);
  }

  it('killed twice in a row during the first initdb, then started: serves', async () => {
    const e = await env();
    for (let i = 0; i < 2; i++) {
      const p = serve(e);
      await p.outputHas('initialising the embedded PostgreSQL', 'initdb', 120_000);
      p.child.kill('SIGKILL');
      await p.exited;
    }
    await startsAndServes(e);
  }, 300_000);
});

describe('stale locks and a second server', () => {
  it('a lock file and a postmaster.pid naming a live process that is not assetlib do not refuse', async () => {
    const e = await env();
    await startsAndServes(e); // initialise
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    sleepers.push(sleeper.pid!);
    writeFileSync(join(e.DATA_DIR!, 'assetlib.lock'), JSON.stringify({ pid: sleeper.pid, role: 'server', port: 1 }));
    writeFileSync(join(e.DATA_DIR!, 'pg', 'postmaster.pid'), `${sleeper.pid}\n${e.DATA_DIR}/pg\n1700000000\n5432\n\n127.0.0.1\n  0  0\nready\n`);
    await startsAndServes(e);
  }, 240_000);

  it('a second server on the same DATA_DIR is refused with one line while the first lives, and starts once it is gone', async () => {
    const e = await env();
    mkdirSync(e.DATA_DIR!, { recursive: true });
    const first = serve(e);
    await first.outputHas('listening on', 'the first server', 120_000);
    const second = runCli(['serve'], { ...e, PORT: String(await freePort()) });
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`assetlib: DATA_DIR ${e.DATA_DIR} is in use by another assetlib server (pid ${first.child.pid}); stop it first, or point this one at another DATA_DIR.\n`);
    expect((await fetch(`http://127.0.0.1:${e.PORT}/healthz`)).status).toBe(200);
    // the CLI shares the live server's database
    const pg = postgresPids(join(e.DATA_DIR!, 'pg'));
    expect(runCli(['project', 'create', '--name', 'X'], e).code).toBe(0);
    expect(postgresPids(join(e.DATA_DIR!, 'pg'))).toEqual(pg);
    first.child.kill('SIGKILL');
    await first.exited;
    await startsAndServes({ ...e, PORT: String(await freePort()) });
  }, 240_000);
});
