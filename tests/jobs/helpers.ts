// Shared helpers of the job tests: waiting for a job, reading its cc events, spawning processes.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CORE_TEST_ENV, freshDatabase, createFixture, useCoreTestSecrets, type Fixture } from '../helpers/server.ts';
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

/** Every process spawnAssetlib started and did not see exit; killSpawned() ends them. */
const spawned = new Set<Proc>();

/** Kills every process this file spawned (also those that failed to start): call it in afterAll. */
export async function killSpawned(sig: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  await Promise.all([...spawned].map((p) => p.kill(sig)));
}

/**
 * Spawns `node bin/assetlib.js <cmd>` with the given database; serve waits for /healthz, worker
 * for its "running" line. The process is registered before it starts, and killed when it fails to
 * start, so a failed start leaves no orphan behind.
 */
export async function spawnAssetlib(cmd: 'serve' | 'worker', databaseUrl: string, env: Record<string, string> = {}): Promise<Proc> {
  const port = cmd === 'serve' ? await freePort() : 0;
  const p = spawnCli([cmd], {
    DATABASE_URL: databaseUrl, DATA_DIR: mkdtempSync(join(tmpdir(), 'assetlib-job-')), PORT: String(port), HOST: '127.0.0.1', ...CORE_TEST_ENV, ...env,
  });
  const { child } = p;
  const proc: Proc = {
    child, url: `http://127.0.0.1:${port}`, output: p.output,
    async kill(sig: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
      await p.exited;
      spawned.delete(proc);
    },
  };
  spawned.add(proc);
  void p.exited.then(() => spawned.delete(proc));
  try {
    if (cmd === 'serve') {
      await p.outputHas(/listening on/, 'the server to start');
      if (!(await fetch(`${proc.url}/healthz`)).ok) throw new Error(`server unhealthy: ${p.output()}`);
    } else {
      await p.outputHas('assetlib worker running', 'the worker to start');
    }
  } catch (err) {
    await proc.kill();
    throw err;
  }
  return proc;
}

/**
 * Waits until cond() holds, re-checking it on each NOTIFY on `channel` (the feed functions notify
 * on commit: 'assetlib_changes', 'assetlib_cc_changes'): synchronised on the events themselves.
 */
export async function waitForNotice(databaseUrl: string, channel: string, cond: () => Promise<boolean>, what: string, maxMs = 120_000): Promise<void> {
  const listener = new pg.Client({ connectionString: databaseUrl });
  await listener.connect();
  try {
    await new Promise<void>((resolve, reject) => {
      let busy = false;
      let again = false;
      const timer = setTimeout(() => reject(new Error(`gave up waiting for ${what}`)), maxMs);
      const check = async () => {
        if (busy) { again = true; return; }
        busy = true;
        try {
          do {
            again = false;
            if (await cond()) { clearTimeout(timer); resolve(); return; }
          } while (again);
        } catch (e) { clearTimeout(timer); reject(e); } finally { busy = false; }
      };
      listener.on('notification', () => void check());
      listener.query(`LISTEN ${channel}`).then(check, reject);
    });
  } finally {
    await listener.end();
  }
}

/** A fresh database with one project, for tests that run their own server processes on it. */
export async function openJobDatabase(): Promise<{ dbUrl: string; pool: pg.Pool; f: Fixture }> {
  const dbUrl = await freshDatabase();
  useCoreTestSecrets(); // the spawned servers and workers get the same secrets (CORE_TEST_ENV)
  const pool = new pg.Pool({ connectionString: dbUrl, max: 3 });
  return { dbUrl, pool, f: await createFixture(pool) };
}
