// Claiming jobs and holding their lease. A worker owns a job while jobs.locked_by is its id; the
// lease (lease_until) is renewed by a heartbeat and by every batch. Every transaction that changes
// a job's work starts with holdLease(): 0 rows means another worker took the job over, and the
// transaction does nothing. The job row stays locked to the end of that transaction, so a
// claimer (SKIP LOCKED) can never take a job in the middle of a batch.
import type pg from 'pg';
import type { Db } from '../db/pool.ts';
import type { JobKind, JobInfo, JobParams } from '../core/jobs/jobs.ts';

export interface JobRow {
  id: number;
  token: string;
  project_id: number;
  user_id: number;
  key_id: number | null;
  kind: JobKind;
  params: JobParams;
  info: JobInfo;
  materialized: boolean;
  next_seq: number;
  cancel_requested: boolean;
  attempts: number;
}

const COLS = `j.id, j.token::text AS token, j.project_id, j.user_id, j.key_id, j.kind, j.params, j.info,
  j.materialized, j.next_seq, j.cancel_requested, j.attempts`;

const lease = (p: string) => `clock_timestamp() + (${p}::float8 * interval '1 millisecond')`;

/**
 * Claims the oldest unfinished job that no live worker holds (queued, or processing with an
 * expired lease), marks it processing and emits the status change. null when there is none.
 */
export async function claimJob(pool: pg.Pool, me: string, leaseMs: number): Promise<JobRow | null> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query(
      `WITH c AS (
         SELECT id, status AS old_status FROM jobs
         WHERE status IN ('queued', 'processing') AND (locked_by IS NULL OR lease_until < clock_timestamp())
         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
       UPDATE jobs j SET locked_by = $1, lease_until = ${lease('$2')}, attempts = j.attempts + 1,
              status = 'processing', updated_on = CASE WHEN c.old_status = 'queued' THEN clock_timestamp() ELSE j.updated_on END
       FROM c WHERE j.id = c.id
       RETURNING ${COLS}, c.old_status`, [me, leaseMs]);
    const row = rows[0];
    if (row?.old_status === 'queued') await client.query('SELECT emit_job_event($1)', [row.id]);
    await client.query('COMMIT');
    return row ?? null;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Inside a transaction: renews the lease if this worker still holds the job; null when it does not. */
export async function holdLease(tx: Db, jobId: number, me: string, leaseMs: number): Promise<JobRow | null> {
  const { rows } = await tx.query(
    `UPDATE jobs j SET lease_until = ${lease('$3')}
     WHERE j.id = $1 AND j.locked_by = $2 AND j.status = 'processing' RETURNING ${COLS}`, [jobId, me, leaseMs]);
  return rows[0] ?? null;
}

/** Heartbeat: renews the lease outside batches; false when the job is no longer ours. */
export async function renewLease(pool: pg.Pool, jobId: number, me: string, leaseMs: number): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE jobs SET lease_until = ${lease('$3')} WHERE id = $1 AND locked_by = $2 AND status = 'processing'`, [jobId, me, leaseMs]);
  return rowCount === 1;
}

/** Gives a job back (graceful stop): another worker may claim it at once. */
export async function releaseJob(pool: pg.Pool, jobId: number, me: string): Promise<void> {
  await pool.query(`UPDATE jobs SET locked_by = NULL, lease_until = NULL WHERE id = $1 AND locked_by = $2 AND status = 'processing'`, [jobId, me]);
}

/** Ends a job (done or rejected) with its final info, drops its unprocessed items, emits the event. */
export async function finishJob(tx: Db, jobId: number, status: 'done' | 'rejected', info: JobInfo): Promise<void> {
  await tx.query(
    `UPDATE jobs SET status = $2, info = $3::jsonb, locked_by = NULL, lease_until = NULL,
            updated_on = clock_timestamp(), finished_on = clock_timestamp()
     WHERE id = $1`, [jobId, status, JSON.stringify(info)]);
  await tx.query('DELETE FROM job_items WHERE job_id = $1', [jobId]);
  await tx.query('SELECT emit_job_event($1)', [jobId]);
}
