// Checks made at start, before any slow work (initdb, migrations): DATA_DIR is a writable
// directory on a real filesystem, the port is free. Each failure is a StartupError whose message
// is the one line the CLI prints before it exits non-zero.
import { existsSync, mkdirSync, statfsSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createServer } from 'node:net';

export class StartupError extends Error {}

// statfs types of kernel pseudo-filesystems (linux/magic.h): proc, sysfs, devpts, cgroup, cgroup2, debugfs
const PSEUDO_FS = new Map<number, string>([[0x9fa0, 'proc'], [0x62656572, 'sysfs'], [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'], [0x63677270, 'cgroup2'], [0x64626720, 'debugfs']]);

/**
 * Creates DATA_DIR if needed (one level at a time: a recursive mkdir under /proc never returns)
 * and proves that this process can write there.
 */
export function checkDataDir(dataDir: string): void {
  let existing = dataDir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  try {
    const fsType = PSEUDO_FS.get(Number(statfsSync(existing).type));
    if (fsType) throw new StartupError(`DATA_DIR ${dataDir} is on the kernel's ${fsType} filesystem, not a disk; point DATA_DIR at a writable directory`);
  } catch (e) { if (e instanceof StartupError) throw e; /* statfs unsupported: the write probe decides */ }
  if (!statSync(existing).isDirectory()) throw new StartupError(`DATA_DIR ${dataDir}: ${existing} is not a directory`);
  const missing: string[] = [];
  for (let d = dataDir; d !== existing; d = dirname(d)) missing.unshift(d);
  const uid = process.getuid?.();
  try {
    for (const d of missing) mkdirSync(d);
    const probe = join(dataDir, `.write-probe-${process.pid}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (e: any) {
    const who = uid === undefined ? 'this user' : `this user (uid ${uid})`;
    const why = e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS' ? `is not writable by ${who}` : `cannot be written (${e.code ?? e.message})`;
    throw new StartupError(`DATA_DIR ${dataDir} ${why}; point DATA_DIR at a writable directory`);
  }
}

/** Fails when host:port cannot be listened on (in use, or not an address of this machine). */
export async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (e: any) => reject(new StartupError(listenMessage(e, host, port))));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve()));
  });
}

export function listenMessage(e: any, host: string, port: number): string {
  if (e.code === 'EADDRINUSE') return `port ${port} on ${host} is already in use; stop the other process or set PORT`;
  if (e.code === 'EACCES') return `not allowed to listen on port ${port} (ports below 1024 need privileges); set PORT`;
  if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') return `HOST ${host} is not an address of this machine; set HOST`;
  return `cannot listen on ${host}:${port}: ${e.message}`;
}

/** One line for a failure to reach the database at start, or undefined when `e` is something else. */
export function databaseMessage(e: any, url: string | undefined): string | undefined {
  let where = 'the embedded PostgreSQL';
  if (url) {
    try { const u = new URL(url); where = `the database at ${u.hostname}:${u.port || 5432}${u.pathname}`; } catch { where = 'DATABASE_URL'; }
  }
  const code = e?.code as string | undefined;
  const msg = String(e?.message ?? e);
  if (code === 'ECONNREFUSED') return `cannot connect to ${where}: connection refused; is PostgreSQL running? (check DATABASE_URL)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot connect to ${where}: host not found (check DATABASE_URL)`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `cannot connect to ${where}: host unreachable (check DATABASE_URL)`;
  if (/timeout/i.test(msg) && /connect/i.test(msg)) return `cannot connect to ${where}: no answer within DATABASE_CONNECT_TIMEOUT_MS; is it a PostgreSQL server?`;
  if (code === '28P01' || code === '28000') return `cannot connect to ${where}: authentication failed (check the user and password in DATABASE_URL)`;
  if (code === '3D000') return `cannot connect to ${where}: ${msg} (create it first, or fix DATABASE_URL)`;
  if (code === 'ECONNRESET' || /Connection terminated/i.test(msg)) return `cannot connect to ${where}: the connection was closed (${msg}); is it a PostgreSQL server?`;
  return undefined;
}
