// Jobs as clients see them: creating a bulk job after validating its input, reading and
// cancelling one. The worker (src/jobs/) runs them. Rules and shapes: docs/jobs.md.
import type pg from 'pg';
import { withTx, type Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { requirePermission } from '../access.ts';
import { invalid, notFound, rule } from '../errors.ts';
import { normalizeId, requireId } from '../ids.ts';
import { checkSelection, parseSelection } from './deps.ts';

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

/** Validates the request, creates the job (queued) with its first cc event; returns the token. */
export async function createBulkJob(pool: pg.Pool, actor: Actor, kind: JobKind, input: CreateJobInput): Promise<{ token: string; job: JobData }> {
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
    const { rows } = await tx.query(
      `INSERT INTO jobs(project_id, user_id, key_id, kind, params, info)
       VALUES ($1, $2, $3, $4, $5::jsonb, '{}') RETURNING id, token::text`,
      [actor.projectId, actor.userId, actor.keyId ?? null, kind, JSON.stringify(params)]);
    const job = rows[0];
    await tx.query('SELECT emit_job_event($1)', [job.id]);
    await tx.query(`SELECT pg_notify('assetlib_jobs', $1)`, [String(job.id)]); // wakes idle workers on commit
    return { token: job.token, job: await jobDataById(tx, job.id) };
  });
}

export async function jobDataById(db: Db, id: number): Promise<JobData> {
  const { rows } = await db.query('SELECT job_data(j) AS d FROM jobs j WHERE j.id = $1', [id]);
  return rows[0].d;
}

function tokenOf(raw: unknown): string {
  if (raw === undefined || raw === null) throw invalid('job.token is required', { field: 'job.token' });
  const t = normalizeId(raw);
  if (!t) throw invalid('job.token must be a token (uuid)', { field: 'job.token', value: raw });
  return t;
}

/** A job of the actor's project, by token (any member may read it). */
export async function getJob(db: Db, actor: Actor, rawToken: unknown): Promise<{ token: string; job: JobData }> {
  const token = tokenOf(rawToken);
  const { rows } = await db.query('SELECT job_data(j) AS d FROM jobs j WHERE j.token = $1 AND j.project_id = $2', [token, actor.projectId]);
  if (!rows[0]) throw notFound('no such job', { 'job.token': token });
  return { token, job: rows[0].d };
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
    const { rows } = await tx.query(
      `SELECT id, status, locked_by, lease_until < now() AS expired FROM jobs WHERE token = $1 AND project_id = $2 FOR UPDATE`,
      [token, actor.projectId]);
    const j = rows[0];
    if (!j) throw notFound('no such job', { 'job.token': token });
    if (j.status === 'queued' && (j.locked_by === null || j.expired)) {
      await tx.query(
        `UPDATE jobs SET status = 'done', cancel_requested = true, locked_by = NULL, lease_until = NULL,
                info = jsonb_build_object('total', 0, 'remaining', 0, 'done', 0, 'failed', '{}'::jsonb, 'cancelled', true),
                updated_on = clock_timestamp(), finished_on = clock_timestamp()
         WHERE id = $1`, [j.id]);
      await tx.query('SELECT emit_job_event($1)', [j.id]);
    } else if (j.status === 'queued' || j.status === 'processing') {
      await tx.query('UPDATE jobs SET cancel_requested = true WHERE id = $1', [j.id]);
    }
    return { token, job: await jobDataById(tx, j.id) };
  });
}
