// Spawning real `assetlib` processes for CLI, lifecycle and durability tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export const BIN = 'bin/assetlib.js';

export interface Proc {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Resolves when the output so far contains `text` (checked on each chunk of output, no polling); rejects if the process exits first. */
  outputHas(text: string | RegExp, what?: string, ms?: number): Promise<void>;
}

export function spawnAssetlib(args: string[], env: Record<string, string | undefined>): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => { out += d; for (const w of [...waiters]) w(); };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { for (const w of [...waiters]) w(); resolve(code); }));
  const has = (text: string | RegExp) => (typeof text === 'string' ? out.includes(text) : text.test(out));
  const outputHas = (text: string | RegExp, what = String(text), ms = 60_000) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`gave up waiting for ${what}: ${out}`)); }, ms);
    const check = () => {
      if (has(text)) { clearTimeout(timer); waiters.delete(check); resolve(); return; }
      if (child.exitCode !== null || child.signalCode !== null) {
        clearTimeout(timer); waiters.delete(check); reject(new Error(`exited before ${what}: ${out}`));
      }
    };
    waiters.add(check);
    check();
  });
  return { child, output: () => out, exited, outputHas };
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env: Record<string, string | undefined>): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs the CLI to completion without blocking this process's event loop: needed when this process
 * also hosts the server the CLI talks to (spawnSync would freeze the server, and the worker's open
 * transaction with it, while the CLI waits for its locks).
 */
export function runCliAsync(args: string[], env: Record<string, string | undefined>, ms = 120_000, as?: { uid: number; gid: number }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...as });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`assetlib ${args.join(' ')} took over ${ms} ms: ${stderr}`)); }, ms);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

export async function waitFor<T>(fn: () => T | undefined | Promise<T | undefined>, ms = 30_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = await fn();
    if (v !== undefined && v !== null && (v as unknown) !== false) return v as T;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** postgres processes running on a data directory. */
export function postgresPids(pgDir: string): number[] {
  const r = spawnSync('pgrep', ['-f', `postgres -D ${pgDir}`], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}
