// The worker's use case: running one claimed job. It checks, once per batch transaction, that the
// job's user may still write (src/core/access.ts), materialises the selection into job_items (one
// INSERT ... SELECT), then processes it in batches, each batch its own transaction that checks the
// lease, takes the batch's job_items row, applies the operation (the tree building blocks shared
// with the single-asset commands) and records the progress. A crash rolls back the batch in flight
// and nothing else, so a reclaimed job resumes exactly where it stopped. The jobs tables are
// written only through ./store.ts. Loop, heartbeat and wake-up: src/jobs/worker.ts.
import type pg from 'pg';
import { withTx, type Db } from '../../db/pool.ts';
import { run } from '../../db/statement.ts';
import { CoreError } from '../errors.ts';
import { actorQuery, type Actor } from '../keys.ts';
import { can } from '../access.ts';
import type { JobInfo, JobKind, JobParams } from './jobs.ts';
import { parseSelection } from '../selection/parse.ts';
import { selectionSql } from '../selection/sql.ts';
import { restoreSubtrees, trashSubtrees } from '../assets/trash.ts';
import { moveSubtrees } from '../assets/move.ts';
import type { BatchOutcome } from '../assets/common.ts';
import { finishJob, holdLease, jobEvent, markMaterialised, materialiseItems, recordBatch, takeBatch, type JobRow } from './store.ts';

/** The worker settings a run needs (src/jobs/settings.ts). */
export interface RunSettings { batchSize: number; leaseMs: number; emitMs: number }

export type RunEnd = 'finished' | 'lost' | 'stopped' | 'failing';

export interface RunControl {
  me: string;
  settings: RunSettings;
  /** true once the worker is stopping or the heartbeat found the lease lost */
  shouldYield(): boolean;
  log(m: string): void;
  /** after each committed batch: how many items it processed and the job's progress */
  onBatch?(items: number, info: JobInfo): void;
}

type Step = 'finished' | 'lost' | 'continue';

/**
 * Whether {children} and {search} entries include trashed assets: only for undelete (that is what
 * it restores). A gid listed explicitly resolves whatever its trash state, so an already deleted
 * asset listed in a delete fails one by one (already_deleted), as Unicat documents, and a deleted
 * one listed in a move fails as deleted.
 */
export function trashedFor(kind: JobKind): 'exclude' | 'include' {
  return kind === 'bulk_undelete_assets' ? 'include' : 'exclude';
}

/** Applies the job's operation to a batch of internal asset ids (set-based, per-item failures counted). */
function runBatch(tx: Db, actor: Actor, kind: JobKind, params: JobParams, ids: number[]): Promise<BatchOutcome> {
  switch (kind) {
    case 'bulk_delete_assets': return trashSubtrees(tx, actor, ids);
    case 'bulk_undelete_assets': return restoreSubtrees(tx, actor, ids);
    case 'bulk_move_assets': return moveSubtrees(tx, actor, ids, params.parent as number);
  }
}

/**
 * A job acts as the user who started it, with that user's current role in the project (so a
 * user removed from the project, or made a viewer, stops their queued jobs). null: may not write.
 * The one permission check of a job's batch (the building blocks do not check again).
 */
async function actorForJob(db: Db, job: { user_id: number; project_id: number; key_id: number | null }): Promise<Actor | null> {
  const a = (await run(db, actorQuery, { by: 'member', userId: job.user_id, projectId: job.project_id, keyId: job.key_id }))[0] as Actor | undefined;
  return a && can(a, 'job.write') ? a : null;
}

/** For a move: the parent must still be a live folder; locks it (FOR SHARE) for the batch. */
async function moveParentProblem(tx: Db, params: JobParams): Promise<string | null> {
  const { rows } = await tx.query('SELECT is_file, deleted_on IS NOT NULL AS deleted FROM assets WHERE id = $1 FOR SHARE', [params.parent]);
  if (!rows[0] || rows[0].deleted) return 'parent_deleted';
  if (rows[0].is_file) return 'parent_not_a_folder';
  return null;
}


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

/** A batch threw an error that is not transient: its transaction is rolled back and the batch
 *  runs again, split (applyBatch). */
class SplitBatch extends Error {}

/**
 * Applies the operation to a batch. The core functions count per-item failures themselves; if one
 * throws anyway, the batch's transaction is rolled back (SplitBatch) and the batch runs again with
 * `split`: in halves (savepoints) down to the items that throw, which are counted as failed with
 * the error's reason: a bad item never aborts the job. (No savepoint in the common case: two round
 * trips fewer per batch.)
 */
async function applyBatch(tx: Db, actor: Actor, job: JobRow, ids: number[], log: (m: string) => void, split: boolean): Promise<BatchOutcome> {
  if (!split) {
    try {
      return await runBatch(tx, actor, job.kind, job.params, ids);
    } catch (err) {
      throw isTransient(err) ? err : new SplitBatch((err as Error).message);
    }
  }
  return applySplit(tx, actor, job, ids, log);
}

async function applySplit(tx: Db, actor: Actor, job: JobRow, ids: number[], log: (m: string) => void): Promise<BatchOutcome> {
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
    const a = await applySplit(tx, actor, job, ids.slice(0, mid), log);
    const b = await applySplit(tx, actor, job, ids.slice(mid), log);
    const failed = { ...a.failed };
    addFailed(failed, b.failed);
    return { done: a.done + b.done, failed };
  }
}

/**
 * Resolves the selection into job_items in one INSERT ... SELECT: numbered in tree order (by id
 * for the children of one folder) and cut into batches of `batchSize` (one row per batch).
 */
async function materialise(tx: Db, job: JobRow, actor: Actor, batchSize: number): Promise<JobInfo> {
  const sel = parseSelection(job.params.selection);
  // only children of one folder (whatever their excludes): siblings, numbered by id (store.ts)
  const first = sel.entries[0];
  const siblings = first?.kind === 'children' && sel.entries.every((e) => e.kind === 'children' && e.parent === first.parent);
  const { n, notFound } = await materialiseItems(tx, job.id, batchSize, siblings ? 'id' : 'tree', selectionSql(actor, sel, { trashed: trashedFor(job.kind) }, 3));
  return { total: n + notFound, remaining: n, done: 0, failed: notFound ? { not_found: notFound } : {} };
}

interface StepState { lastEmit: number; batch?: { items: number; info: JobInfo }; split?: boolean }

async function step(pool: pg.Pool, jobId: number, ctl: RunControl, state: StepState): Promise<Step> {
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
      await markMaterialised(tx, job.id, first);
      if (first.remaining === 0) {
        await finishJob(tx, job.id, 'done', first);
        return 'finished';
      }
      await run(tx, jobEvent, { jobId: job.id, wake: false });
      state.lastEmit = Date.now();
      return 'continue';
    }

    const batch = await takeBatch(tx, job.id, job.next_seq);
    if (!batch) {
      await finishJob(tx, job.id, 'done', { ...info, remaining: 0 });
      return 'finished';
    }
    const out = await applyBatch(tx, actor, job, batch.ids, ctl.log, state.split === true);
    const failed = { ...(info.failed ?? {}) };
    addFailed(failed, out.failed);
    const next: JobInfo = { ...info, done: (info.done ?? 0) + out.done, failed, remaining: Math.max(0, (info.remaining ?? 0) - batch.ids.length) };
    await recordBatch(tx, { jobId: job.id, from: batch.from, last: batch.last, me, info: next, leaseMs: settings.leaseMs });
    state.batch = { items: batch.ids.length, info: next }; // reported by runJob once committed
    if (next.remaining === 0) {
      await finishJob(tx, job.id, 'done', next);
      return 'finished';
    }
    if (Date.now() - state.lastEmit >= settings.emitMs) {
      await run(tx, jobEvent, { jobId: job.id, wake: false }); // last: the cc cursor lock is held to commit
      state.lastEmit = Date.now();
    }
    return 'continue';
  });
}

/** Runs a claimed job until it ends, the lease is lost, or the worker stops. */
export async function runJob(pool: pg.Pool, job: JobRow, ctl: RunControl): Promise<RunEnd> {
  const state: StepState = { lastEmit: 0 };
  let failures = 0;
  for (;;) {
    if (ctl.shouldYield()) return 'stopped';
    let s: Step;
    try {
      state.batch = undefined;
      s = await step(pool, job.id, ctl, state);
      failures = 0;
      state.split = false;
      const done = state.batch as StepState['batch']; // set by step (TypeScript narrowed it to undefined above)
      if (done) ctl.onBatch?.(done.items, done.info);
    } catch (err) {
      if (err instanceof SplitBatch && !state.split) {
        state.split = true; // the same batch again, split (nothing of it was committed)
        continue;
      }
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
