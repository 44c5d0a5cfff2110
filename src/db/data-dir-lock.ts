// The DATA_DIR lock: an OS-held lock for the life of the process, never pid liveness.
//
// The lock is a listening Unix socket whose name is derived from DATA_DIR's real path. On Linux it
// is in the abstract namespace (no file): binding fails with EADDRINUSE while a live process holds
// it, and the kernel releases it when that process ends, however it ends (SIGKILL included), so a
// kill can never leave a stale lock. Node opens sockets close-on-exec: the postgres and initdb
// children never inherit it. Elsewhere it is DATA_DIR/assetlib.sock, taken over when nobody
// answers on it.
//
// The holder answers each connection with one JSON line {pid, role, port}: a second server names
// it in its refusal, the CLI and workers read the port of its database (null while starting).
import { createHash } from 'node:crypto';
import { realpathSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type Server } from 'node:net';
import type { Role } from './embedded.ts';

export interface HolderInfo { pid: number; role: Role; port: number | null }

export interface DataDirLock {
  /** makes the port of the database known to processes that ask */
  setPort(port: number): void;
  release(): Promise<void>;
}

function address(dataDir: string): string {
  const real = realpathSync(dataDir);
  if (process.platform === 'linux') return `\0assetlib-data-dir-${createHash('sha256').update(real).digest('hex').slice(0, 40)}`;
  return join(real, 'assetlib.sock');
}

/** The holder's answer, or undefined when nobody answers (no holder). */
export function askHolder(dataDir: string, timeoutMs = 5000): Promise<HolderInfo | undefined> {
  return new Promise((resolve) => {
    const sock = connect(address(dataDir));
    let buf = '';
    const done = (v: HolderInfo | undefined) => { clearTimeout(timer); sock.destroy(); resolve(v); };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) { try { done(JSON.parse(buf.slice(0, nl))); } catch { done(undefined); } }
    });
    sock.on('error', () => done(undefined));
    sock.on('end', () => done(undefined));
  });
}

function listen(server: Server, addr: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr, () => { server.off('error', reject); resolve(); });
  });
}

/**
 * Takes the lock of `dataDir` (which must exist) for `role`; returns undefined when another live
 * process holds it (see askHolder for who).
 */
export async function tryLockDataDir(dataDir: string, role: Role): Promise<DataDirLock | undefined> {
  const addr = address(dataDir);
  const info: HolderInfo = { pid: process.pid, role, port: null };
  const server = createServer((sock) => { sock.on('error', () => {}); sock.end(`${JSON.stringify(info)}\n`); });
  try {
    await listen(server, addr);
  } catch (e: any) {
    if (e.code !== 'EADDRINUSE') throw e;
    if (addr.startsWith('\0')) return undefined;
    // a socket file: stale when nobody answers on it
    if (await askHolder(dataDir, 2000)) return undefined;
    try { unlinkSync(addr); } catch { /* another process took it over first */ }
    try { await listen(server, addr); } catch (e2: any) { if (e2.code === 'EADDRINUSE') return undefined; throw e2; }
  }
  server.unref(); // held for the process's life, without keeping it alive
  let released = false;
  return {
    setPort(port) { info.port = port; },
    release() {
      if (released) return Promise.resolve();
      released = true;
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
