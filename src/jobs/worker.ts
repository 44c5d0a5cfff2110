// The job worker: claims queued jobs (or jobs whose worker died: expired lease) and runs them in
// batches. Runs inside the server by default, or alone as `assetlib worker`; any number of workers
// may share one database. What a job does (the use case): src/core/jobs/run.ts; the jobs tables'
// statements: src/core/jobs/store.ts. Design and settings: docs/jobs.md.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { claimJob, releaseJob, renewLease } from '../core/jobs/store.ts';
import { rejectFailing, runJob } from '../core/jobs/run.ts';
import type { WorkerSettings } from './settings.ts';

export interface WorkerHandle { stop(): Promise<void>; readonly id: string }

/** Structured lines of a job's life (start, each batch, end) for pino: (fields, message). */
export type JobLog = (fields: Record<string, unknown>, msg: string) => void;

export function startWorker(db: pg.Pool, settings: WorkerSettings, log: (m: string) => void = () => {}, jobLog: JobLog = () => {}): WorkerHandle {
  const me = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let stopping = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(() => { wake = undefined; resolve(); }, ms);
    wake = () => { clearTimeout(t); wake = undefined; resolve(); };
  });

  // LISTEN for new jobs (createBulkJob notifies on commit) so that an idle worker starts at once;
  // polling every pollMs remains the fallback (and finds reclaimable jobs). Best effort.
  let listener: pg.PoolClient | undefined;
  const listen = async () => {
    if (listener || stopping) return;
    try {
      const c = await db.connect();
      const drop = () => { if (listener === c) { listener = undefined; c.release(true); } };
      c.on('notification', () => wake?.());
      c.on('error', drop);
      await c.query('LISTEN assetlib_jobs');
      listener = c;
    } catch { /* poll only, retry on the next idle round */ }
  };

  const loop = (async () => {
    while (!stopping) {
      await listen();
      let job;
      try {
        job = await claimJob(db, me, settings.leaseMs);
      } catch (err) {
        if (!stopping) log(`job worker: claim failed: ${(err as Error).message}`);
      }
      if (!job) {
        if (!stopping) await sleep(settings.pollMs);
        continue;
      }
      let lost = false;
      const beat = setInterval(() => {
        renewLease(db, job.id, me, settings.leaseMs).then((ok) => { if (!ok) lost = true; }, () => undefined);
      }, Math.max(200, Math.floor(settings.leaseMs / 3)));
      const started = Date.now();
      const fields = { job: job.token, kind: job.kind, project_id: job.project_id, worker: me };
      jobLog({ ...fields, attempt: job.attempts, remaining: job.info?.remaining ?? null }, 'job started');
      let items = 0;
      const onBatch = (n: number, info: { done?: number; remaining?: number; failed?: Record<string, number> }) => {
        items += n;
        jobLog({ ...fields, items: n, done: info.done ?? 0, remaining: info.remaining ?? 0, failed: info.failed ?? {}, items_per_second: Math.round(items / Math.max(0.001, (Date.now() - started) / 1000)) }, 'job progress');
      };
      try {
        const end = await runJob(db, job, { me, settings, log, onBatch, shouldYield: () => stopping || lost });
        jobLog({ ...fields, end, items, ms: Date.now() - started }, 'job ended');
        if (end === 'failing') await rejectFailing(db, job, { me, settings, log, shouldYield: () => false }, 'internal error').catch(() => undefined);
        if (end === 'stopped' && !lost) await releaseJob(db, job.id, me).catch(() => undefined);
        if (end === 'lost' || (end === 'stopped' && lost)) log(`job ${job.token}: lease lost to another worker; stopped`);
      } catch (err) {
        log(`job ${job.token}: ${(err as Error).message}`);
      } finally {
        clearInterval(beat);
      }
    }
  })();

  return {
    id: me,
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      const l = listener;
      listener = undefined;
      if (l) await l.query('UNLISTEN *').then(() => l.release(), () => l.release(true));
    },
  };
}
