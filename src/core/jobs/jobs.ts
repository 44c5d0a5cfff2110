// Jobs as clients see them: creating a bulk job after validating its input, reading and
// cancelling one. The worker runs them (src/core/jobs/run.ts); the jobs tables' statements are
// src/core/jobs/store.ts. Rules and shapes: docs/jobs.md.
import type pg from 'pg';
import { withTx, type Db } from '../../db/pool.ts';
import { run } from '../../db/statement.ts';
import type { Actor } from '../keys.ts';
import { requirePermission } from '../access.ts';
import { invalid, notFound, rule } from '../errors.ts';
import { normalizeId, requireId } from '../ids.ts';
import { parseSelection } from '../selection/parse.ts';
import { checkSelection } from '../selection/sql.ts';
import { cancelJobRow, insertJob, jobByToken, jobEvent } from './store.ts';

export type JobKind = 'bulk_delete_assets' | 'bulk_undelete_assets' | 'bulk_move_assets';
export type JobStatus = 'queued' | 'processing' | 'done' | 'rejected';

/** The job's JSON: the `data` of its cc `jobs` sync event (API-SPEC §1.8). */
export interface JobData {
  project_gid: string;
  job: JobKind;
  status: JobStatus;
  info: JobInfo;
  created_on: number;
  updated_on: number;
}

/** total = done + sum(failed) + remaining, at every step (see docs/jobs.md). */
export interface JobInfo {
  total?: number;
  remaining?: number;
  done?: number;
  failed?: Record<string, number>;
  cancelled?: boolean;
  reason?: string;
}

export interface JobParams { selection: unknown; parent?: number; parent_gid?: string }

export interface CreateJobInput { selection: unknown; parent?: unknown }

/**
 * Validates the request, creates the job (queued) with its first cc event and wakes the workers;
 * returns the token. The event is the transaction's last statement (it holds the cc cursor lock to
 * commit), and nothing is read after it.
 */
export async function createBulkJob(pool: pg.Pool, actor: Actor, kind: JobKind, input: CreateJobInput): Promise<{ token: string }> {
  requirePermission(actor, 'job.write');
  if (input.selection === undefined) throw invalid('selection is required', { field: 'selection' });
  // 422/1006 naming the bad entry (shape, then {children} targets that are not folders of the
  // project); the worker parses it again from params when it materialises the selection.
  await checkSelection(pool, actor, parseSelection(input.selection));
  const params: JobParams = { selection: input.selection };
  if (kind === 'bulk_move_assets') {
    if (input.parent === undefined || input.parent === null) throw invalid('parent is required', { field: 'parent' });
    const gid = requireId(input.parent, 'parent');
    const { rows } = await pool.query(
      'SELECT id, is_file, deleted_on IS NOT NULL AS deleted FROM assets WHERE gid = $1 AND project_id = $2', [gid, actor.projectId]);
    const p = rows[0];
    if (!p || p.deleted) throw notFound('the parent does not exist', { parent: gid });
    if (p.is_file) throw rule('the parent must be a folder', { parent: gid });
    params.parent = p.id;
    params.parent_gid = gid;
  }
  return withTx(pool, async (tx) => {
    const [job] = await run(tx, insertJob, { projectId: actor.projectId, userId: actor.userId, keyId: actor.keyId ?? null, kind, params });
    await run(tx, jobEvent, { jobId: job.id, wake: true }); // wakes idle workers on commit
    return { token: job.token };
  });
}

function tokenOf(raw: unknown): string {
  if (raw === undefined || raw === null) throw invalid('job.token is required', { field: 'job.token' });
  const t = normalizeId(raw);
  if (!t) throw invalid('job.token must be a token (uuid)', { field: 'job.token', value: raw });
  return t;
}

/** A job of the actor's project, by token (any member may read it). */
export async function getJob(db: Db, actor: Actor, rawToken: unknown): Promise<{ token: string; job: JobData }> {
  requirePermission(actor, 'job.read');
  const token = tokenOf(rawToken);
  const [j] = await run(db, jobByToken, { token, projectId: actor.projectId, lock: false });
  if (!j) throw notFound('no such job', { 'job.token': token });
  return { token, job: j.d };
}

/**
 * Cancels a job. A queued job that no worker holds ends at once; a processing one stops after
 * its current batch (the worker sees cancel_requested). Either way it ends as status done with
 * info.cancelled true; cancelling a finished job changes nothing and answers its state.
 */
export async function cancelJob(pool: pg.Pool, actor: Actor, rawToken: unknown): Promise<{ token: string; job: JobData }> {
  requirePermission(actor, 'job.write', 'a viewer cannot cancel jobs');
  const token = tokenOf(rawToken);
  return withTx(pool, async (tx) => {
    const [j] = await run(tx, jobByToken, { token, projectId: actor.projectId, lock: true });
    if (!j) throw notFound('no such job', { 'job.token': token });
    if (j.status === 'queued' && (j.locked_by === null || j.expired)) {
      const [c] = await run(tx, cancelJobRow, { jobId: j.id, now: true });
      await run(tx, jobEvent, { jobId: j.id, wake: false }); // last: the cc cursor lock is held to commit
      return { token, job: c.d };
    }
    if (j.status === 'queued' || j.status === 'processing') {
      const [c] = await run(tx, cancelJobRow, { jobId: j.id, now: false });
      return { token, job: c.d };
    }
    return { token, job: j.d };
  });
}
