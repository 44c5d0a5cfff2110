// Running one claimed job: materialise its selection into job_items (one INSERT ... SELECT), then
// process it in batches, each batch its own transaction that checks the lease, removes the batch's
// job_items row, applies the operation, records the batch and updates the job's info. A crash rolls back
// the batch in flight and nothing else, so a reclaimed job resumes exactly where it stopped.
import type pg from 'pg';
import { withTx, type Db } from '../db/pool.ts';
import { CoreError } from '../core/errors.ts';
import type { Actor } from '../core/keys.ts';
import type { JobInfo } from '../core/jobs/jobs.ts';
import { actorForJob, moveParentProblem, runBatch, trashedFor, type BatchOutcome } from '../core/jobs/kinds.ts';
import { parseSelection, selectionSql } from '../core/jobs/deps.ts';
import { finishJob, holdLease, type JobRow } from './claim.ts';
import type { WorkerSettings } from './settings.ts';

export type RunEnd = 'finished' | 'lost' | 'stopped' | 'failing';

export interface RunControl {
  me: string;
  settings: WorkerSettings;
  /** true once the worker is stopping or the heartbeat found the lease lost */
  shouldYield(): boolean;
  log(m: string): void;
}

type Step = 'finished' | 'lost' | 'continue';

/** Errors worth retrying the whole batch for, rather than counting an item as failed. */
function isTransient(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  if (err instanceof CoreError) return false;
  if (!code) return true; // connection lost, or a bug: retry the batch, then give up (see runJob)
  return ['40001', '40P01', '55P03', '57014', '57P01', '08000', '08003', '08006'].includes(code);
}

function reasonOf(err: unknown): string {
  if (err instanceof CoreError) return String(err.info.reason ?? err.kind);
  if ((err as { code?: string })?.code === '23505') return 'name_conflict';
  return 'error';
}

function addFailed(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) if (v) into[k] = (into[k] ?? 0) + v;
}

/**
 * Applies the operation to a batch. The core functions count per-item failures themselves; if one
 * throws anyway, the batch is split in halves (savepoints) down to the items that throw, which are
 * counted as failed with the error's reason: a bad item never aborts the job.
 */
async function applyBatch(tx: Db, actor: Actor, job: JobRow, ids: number[], log: (m: string) => void): Promise<BatchOutcome> {
  await tx.query('SAVEPOINT job_batch');
  try {
    const out = await runBatch(tx, actor, job.kind, job.params, ids);
    await tx.query('RELEASE SAVEPOINT job_batch');
    return out;
  } catch (err) {
    if (isTransient(err)) throw err;
    await tx.query('ROLLBACK TO SAVEPOINT job_batch');
    await tx.query('RELEASE SAVEPOINT job_batch');
    if (ids.length === 1) {
      if (!(err instanceof CoreError)) log(`job ${job.token}: asset ${ids[0]} failed: ${(err as Error).message}`);
      return { done: 0, failed: { [reasonOf(err)]: 1 } };
    }
    const mid = Math.ceil(ids.length / 2);
    const a = await applyBatch(tx, actor, job, ids.slice(0, mid), log);
    const b = await applyBatch(tx, actor, job, ids.slice(mid), log);
    const failed = { ...a.failed };
    addFailed(failed, b.failed);
    return { done: a.done + b.done, failed };
  }
}

/**
 * Resolves the selection into job_items in one INSERT ... SELECT: numbered in tree order and cut
 * into batches of `batchSize` (one row per batch).
 */
async function materialise(tx: Db, job: JobRow, actor: Actor, batchSize: number): Promise<JobInfo> {
  const sel = parseSelection(job.params.selection);
  const q = selectionSql(actor, sel, { trashed: trashedFor(job.kind) }, 3);
  const { rows } = await tx.query(
    `WITH sel AS MATERIALIZED (${q.sql}),
          numbered AS (SELECT sel.asset_id, row_number() OVER (ORDER BY a.path) AS seq
                       FROM sel JOIN assets a ON a.id = sel.asset_id),
          ins AS (INSERT INTO job_items(job_id, first_seq, last_seq, asset_ids)
                  SELECT $1, min(seq), max(seq), array_agg(asset_id ORDER BY seq)
                  FROM numbered GROUP BY (seq - 1) / $2::bigint
                  RETURNING last_seq - first_seq + 1 AS n)
     SELECT (SELECT coalesce(sum(n), 0) FROM ins)::bigint AS n, (SELECT count(*) FROM sel WHERE asset_id IS NULL)::bigint AS not_found`,
    [job.id, batchSize, ...q.params]);
  const n = Number(rows[0].n);
  const notFound = Number(rows[0].not_found);
  return { total: n + notFound, remaining: n, done: 0, failed: notFound ? { not_found: notFound } : {} };
}

async function step(pool: pg.Pool, jobId: number, ctl: RunControl, state: { lastEmit: number }): Promise<Step> {
  const { me, settings } = ctl;
  return withTx(pool, async (tx) => {
    const job = await holdLease(tx, jobId, me, settings.leaseMs);
    if (!job) return 'lost';
    const info: JobInfo = { total: 0, remaining: 0, done: 0, failed: {}, ...job.info };
    if (job.cancel_requested) {
      await finishJob(tx, job.id, 'done', { ...info, cancelled: true });
      return 'finished';
    }
    const actor = await actorForJob(tx, job);
    if (!actor) {
      await finishJob(tx, job.id, 'rejected', { ...info, reason: 'the user who started the job may no longer change this project' });
      return 'finished';
    }
    if (job.kind === 'bulk_move_assets') {
      const problem = await moveParentProblem(tx, job.params);
      if (problem) {
        await finishJob(tx, job.id, 'rejected', { ...info, reason: problem });
        return 'finished';
      }
    }
    if (!job.materialized) {
      let first: JobInfo;
      try {
        first = await materialise(tx, job, actor, settings.batchSize);
      } catch (err) {
        if (!(err instanceof CoreError)) throw err;
        await finishJob(tx, job.id, 'rejected', { ...info, reason: `selection: ${err.message}` });
        return 'finished';
      }
      const done = first.remaining === 0;
      await tx.query(
        `UPDATE jobs SET materialized = true, info = $2::jsonb, updated_on = clock_timestamp() WHERE id = $1`,
        [job.id, JSON.stringify(first)]);
      if (done) {
        await finishJob(tx, job.id, 'done', first);
        return 'finished';
      }
      await tx.query('SELECT emit_job_event($1)', [job.id]);
      state.lastEmit = Date.now();
      return 'continue';
    }

    const { rows } = await tx.query(
      `DELETE FROM job_items WHERE job_id = $1 AND first_seq = (
         SELECT min(first_seq) FROM job_items WHERE job_id = $1 AND first_seq >= $2)
       RETURNING first_seq, last_seq, asset_ids`, [job.id, job.next_seq]);
    if (rows.length === 0) {
      await finishJob(tx, job.id, 'done', { ...info, remaining: 0 });
      return 'finished';
    }
    const from = Number(rows[0].first_seq);
    const lastSeq = Number(rows[0].last_seq);
    const ids = (rows[0].asset_ids as (string | number)[]).map(Number);
    const out = await applyBatch(tx, actor, job, ids, ctl.log);
    const failed = { ...(info.failed ?? {}) };
    addFailed(failed, out.failed);
    const next: JobInfo = { ...info, done: (info.done ?? 0) + out.done, failed, remaining: Math.max(0, (info.remaining ?? 0) - ids.length) };
    // started_on: the batch transaction's start (now())
    await tx.query('INSERT INTO job_batches(job_id, first_seq, last_seq, worker, started_on) VALUES ($1, $2, $3, $4, now())',
      [job.id, from, lastSeq, me]);
    if (next.remaining === 0) {
      await tx.query('UPDATE jobs SET next_seq = $2 WHERE id = $1', [job.id, lastSeq + 1]);
      await finishJob(tx, job.id, 'done', next);
      return 'finished';
    }
    await tx.query(
      `UPDATE jobs SET info = $2::jsonb, next_seq = $3, updated_on = clock_timestamp(),
              lease_until = clock_timestamp() + ($4::float8 * interval '1 millisecond')
       WHERE id = $1`, [job.id, JSON.stringify(next), lastSeq + 1, settings.leaseMs]);
    if (Date.now() - state.lastEmit >= settings.emitMs) {
      await tx.query('SELECT emit_job_event($1)', [job.id]); // last: the cc cursor lock is held to commit
      state.lastEmit = Date.now();
    }
    return 'continue';
  });
}

/** Runs a claimed job until it ends, the lease is lost, or the worker stops. */
export async function runJob(pool: pg.Pool, job: JobRow, ctl: RunControl): Promise<RunEnd> {
  const state = { lastEmit: 0 };
  let failures = 0;
  for (;;) {
    if (ctl.shouldYield()) return 'stopped';
    let s: Step;
    try {
      s = await step(pool, job.id, ctl, state);
      failures = 0;
    } catch (err) {
      failures++;
      ctl.log(`job ${job.token}: batch failed (${failures}): ${(err as Error).message}`);
      if (failures >= 5) return 'failing';
      await new Promise((r) => setTimeout(r, 200 * failures));
      continue;
    }
    if (s !== 'continue') return s;
  }
}

/** A job whose batches keep failing with an unexpected error: rejected, if still ours. */
export async function rejectFailing(pool: pg.Pool, job: JobRow, ctl: RunControl, reason: string): Promise<void> {
  await withTx(pool, async (tx) => {
    const cur = await holdLease(tx, job.id, ctl.me, ctl.settings.leaseMs);
    if (!cur) return;
    await finishJob(tx, job.id, 'rejected', { ...cur.info, reason });
  });
}
