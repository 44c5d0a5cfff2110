// Shared helpers of the job tests: waiting for a job, reading its cc events, spawning processes.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freshDatabase, createFixture, type Fixture } from '../helpers/server.ts';
import type { UnicatClient } from '../helpers/unicat-client.ts';
import { spawnAssetlib as spawnCli, freePort } from '../helpers/process.ts';

export async function waitJob(c: UnicatClient, token: string, until: (job: any) => boolean = (j) => j.status === 'done' || j.status === 'rejected', maxMs = 120_000): Promise<any> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const r = await c.call('jobs/get', { 'job.token': token });
    const job = r.data.jobs[token];
    if (until(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${token} still ${JSON.stringify(job)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Waits (without a time assertion) until cond() is true. */
export async function waitFor(cond: () => Promise<boolean>, what: string, maxMs = 120_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

export async function jobEvents(db: pg.Pool, token: string): Promise<any[]> {
  const { rows } = await db.query(
    `SELECT cursor, project_id, action, data_type, data_key, data FROM cc_changes WHERE data_type = 'jobs' AND data_key = $1 ORDER BY cursor`, [token]);
  return rows;
}

export interface Proc { child: ChildProcess; url: string; output(): string; kill(sig?: NodeJS.Signals): Promise<void> }

/** Spawns `node bin/assetlib.js <cmd>` with the given database; serve waits for /healthz. */
export async function spawnAssetlib(cmd: 'serve' | 'worker', databaseUrl: string, env: Record<string, string> = {}): Promise<Proc> {
  const port = cmd === 'serve' ? await freePort() : 0;
  const p = spawnCli([cmd], {
    DATABASE_URL: databaseUrl, DATA_DIR: mkdtempSync(join(tmpdir(), 'assetlib-job-')), PORT: String(port), HOST: '127.0.0.1', ...env,
  });
  const { child } = p;
  const out = p.output;
  const proc: Proc = {
    child, url: `http://127.0.0.1:${port}`, output: out,
    async kill(sig: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
      await p.exited;
    },
  };
  if (cmd === 'serve') {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`server exited: ${out()}`);
      try { return (await fetch(`${proc.url}/healthz`)).ok; } catch { return false; }
    }, 'the server to start', 60_000);
  } else {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`worker exited: ${out()}`);
      return out().includes('assetlib worker running');
    }, 'the worker to start', 60_000);
  }
  return proc;
}

/** A fresh database with one project, for tests that run their own server processes on it. */
export async function openJobDatabase(): Promise<{ dbUrl: string; pool: pg.Pool; f: Fixture }> {
  const dbUrl = await freshDatabase();
  const pool = new pg.Pool({ connectionString: dbUrl, max: 3 });
  return { dbUrl, pool, f: await createFixture(pool) };
}
