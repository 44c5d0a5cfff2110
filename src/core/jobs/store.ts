// The one module that owns the statements of the jobs tables (jobs, job_items, job_batches):
// creating, claiming, leasing, materialising, taking batches, recording progress, finishing and
// cancelling. The use cases (jobs.ts for clients, run.ts for the worker) call these; nothing else
// writes the tables. Each statement is a module (src/db/statement.ts) whose rendered SQL is
// committed under src/db/queries/job-*.sql.
//
// Leases: a worker owns a job while jobs.locked_by is its id; the lease (lease_until) is renewed
// by a heartbeat and by every batch. Every transaction that changes a job's work starts with
// holdLease(): no row means another worker took the job over, and the transaction does nothing.
// The job row stays locked to the end of that transaction, so a claimer (SKIP LOCKED) can never
// take a job in the middle of a batch.
import type pg from 'pg';
import { withTx, type Db } from '../../db/pool.ts';
import { defineStatement, parseIntArray, run } from '../../db/statement.ts';
import type { JobData, JobInfo, JobKind, JobParams } from './jobs.ts';

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

const SAMPLE_TOKEN = '6f1c2a8e-0000-4000-8000-0000000000a1';
const me = 'host:1234:abcd1234';

// ---- creating and reading (the client use cases) ----

export const insertJob = defineStatement<{ projectId: number; userId: number; keyId: number | null; kind: JobKind; params: JobParams }, { id: number; token: string }>({
  name: 'job-insert',
  summary: 'a queued bulk job (its first cc event follows in jobEvent)',
  render: (p) => ({
    text: `INSERT INTO jobs(project_id, user_id, key_id, kind, params, info)
       VALUES ($1, $2, $3, $4, $5::jsonb, '{}') RETURNING id, token::text`,
    values: [p.projectId, p.userId, p.keyId, p.kind, JSON.stringify(p.params)],
  }),
  samples: [{ label: 'a bulk delete', params: { projectId: 1, userId: 2, keyId: 3, kind: 'bulk_delete_assets', params: { selection: [{ children: SAMPLE_TOKEN }] } } }],
});

/**
 * The job's cc event, and (wake) the NOTIFY that wakes idle workers on commit. emit_job_event takes
 * the cc cursor row lock, held to commit: run it last in its transaction, with nothing read after.
 */
export const jobEvent = defineStatement<{ jobId: number; wake: boolean }, { cursor: number }>({
  name: 'job-event',
  summary: "a job's cc event (and, for a new job, the NOTIFY that wakes idle workers)",
  render: (p) => ({
    text: p.wake
      ? `SELECT emit_job_event($1) AS cursor, pg_notify('assetlib_jobs', $1::text)`
      : 'SELECT emit_job_event($1) AS cursor',
    values: [p.jobId],
  }),
  // by key, once per batch: planned once per connection (src/db/statement.ts)
  prepare: (p) => !p.wake,
  samples: [{ label: 'a new job', params: { jobId: 7, wake: true } }, { label: 'progress', params: { jobId: 7, wake: false } }],
});

export const jobByToken = defineStatement<{ token: string; projectId: number; lock: boolean }, { id: number; status: string; locked_by: string | null; expired: boolean | null; d: JobData }>({
  name: 'job-by-token',
  summary: "a job of the project by token, with its client JSON (locked for cancel)",
  render: (p) => ({
    text: `SELECT id, status, locked_by, lease_until < now() AS expired, job_data(j) AS d
       FROM jobs j WHERE token = $1 AND project_id = $2${p.lock ? ' FOR UPDATE' : ''}`,
    values: [p.token, p.projectId],
  }),
  samples: [{ label: 'jobs/get', params: { token: SAMPLE_TOKEN, projectId: 1, lock: false } }, { label: 'jobs/cancel', params: { token: SAMPLE_TOKEN, projectId: 1, lock: true } }],
});

export const cancelJobRow = defineStatement<{ jobId: number; now: boolean }, { d: JobData }>({
  name: 'job-cancel',
  summary: 'cancel: a queued job no worker holds ends at once; a running one stops after its batch',
  render: (p) => ({
    text: p.now
      ? `UPDATE jobs j SET status = 'done', cancel_requested = true, locked_by = NULL, lease_until = NULL,
                info = jsonb_build_object('total', 0, 'remaining', 0, 'done', 0, 'failed', '{}'::jsonb, 'cancelled', true),
                updated_on = clock_timestamp(), finished_on = clock_timestamp()
         WHERE j.id = $1 RETURNING job_data(j) AS d`
      : `UPDATE jobs j SET cancel_requested = true WHERE j.id = $1 RETURNING job_data(j) AS d`,
    values: [p.jobId],
  }),
  samples: [{ label: 'queued, not held', params: { jobId: 7, now: true } }, { label: 'processing', params: { jobId: 7, now: false } }],
});

// ---- claiming and leases (the worker) ----

export const claimStatement = defineStatement<{ me: string; leaseMs: number }, JobRow & { old_status: string }>({
  name: 'job-claim',
  summary: 'claim the oldest unfinished job no live worker holds (SKIP LOCKED), mark it processing',
  render: (p) => ({
    text: `WITH c AS (
         SELECT id, status AS old_status FROM jobs
         WHERE status IN ('queued', 'processing') AND (locked_by IS NULL OR lease_until < clock_timestamp())
         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
       UPDATE jobs j SET locked_by = $1, lease_until = ${lease('$2')}, attempts = j.attempts + 1,
              status = 'processing', updated_on = CASE WHEN c.old_status = 'queued' THEN clock_timestamp() ELSE j.updated_on END
       FROM c WHERE j.id = c.id
       RETURNING ${COLS}, c.old_status`,
    values: [p.me, p.leaseMs],
  }),
  samples: [{ label: 'a worker with a 30 s lease', params: { me, leaseMs: 30_000 } }],
});

/**
 * Claims the oldest unfinished job that no live worker holds (queued, or processing with an
 * expired lease), marks it processing and emits the status change. null when there is none.
 */
export async function claimJob(pool: pg.Pool, worker: string, leaseMs: number): Promise<JobRow | null> {
  return withTx(pool, async (tx) => {
    const [row] = await run(tx, claimStatement, { me: worker, leaseMs });
    if (row?.old_status === 'queued') await run(tx, jobEvent, { jobId: row.id, wake: false });
    return row ?? null;
  });
}

export const leaseStatement = defineStatement<{ jobId: number; me: string; leaseMs: number; returning: boolean }, JobRow>({
  name: 'job-lease',
  summary: "renew a job's lease if this worker still holds it (the first statement of every batch; the heartbeat)",
  render: (p) => ({
    text: `UPDATE jobs j SET lease_until = ${lease('$3')}
     WHERE j.id = $1 AND j.locked_by = $2 AND j.status = 'processing'${p.returning ? ` RETURNING ${COLS}` : ''}`,
    values: [p.jobId, p.me, p.leaseMs],
  }),
  prepare: () => true, // by key, once per batch
  samples: [{ label: 'in a batch transaction', params: { jobId: 7, me, leaseMs: 30_000, returning: true } },
    { label: 'heartbeat', params: { jobId: 7, me, leaseMs: 30_000, returning: false } }],
});

/** Inside a transaction: renews the lease if this worker still holds the job; null when it does not. */
export async function holdLease(tx: Db, jobId: number, worker: string, leaseMs: number): Promise<JobRow | null> {
  return (await run(tx, leaseStatement, { jobId, me: worker, leaseMs, returning: true }))[0] ?? null;
}

/** Heartbeat: renews the lease outside batches; false when the job is no longer ours. */
export async function renewLease(pool: pg.Pool, jobId: number, worker: string, leaseMs: number): Promise<boolean> {
  const { text, values } = leaseStatement.render({ jobId, me: worker, leaseMs, returning: false });
  return (await pool.query(text, values)).rowCount === 1;
}

export const releaseStatement = defineStatement<{ jobId: number; me: string }, never>({
  name: 'job-release',
  summary: 'give a job back on a graceful stop (if this worker still holds it): another worker may claim it at once',
  render: (p) => ({
    text: `UPDATE jobs SET locked_by = NULL, lease_until = NULL WHERE id = $1 AND locked_by = $2 AND status = 'processing'`,
    values: [p.jobId, p.me],
  }),
  samples: [{ label: 'a stopping worker', params: { jobId: 7, me } }],
});

/** Gives a job back (graceful stop): another worker may claim it at once. */
export async function releaseJob(pool: pg.Pool, jobId: number, worker: string): Promise<void> {
  await run(pool, releaseStatement, { jobId, me: worker });
}

export const finishStatement = defineStatement<{ jobId: number; status: 'done' | 'rejected'; info: JobInfo }, { dropped: number }>({
  name: 'job-finish',
  summary: 'end a job (done or rejected) with its final info, drop its unprocessed items, emit its event (last)',
  render: (p) => ({
    text: `WITH fin AS (
         UPDATE jobs SET status = $2, info = $3::jsonb, locked_by = NULL, lease_until = NULL,
                updated_on = clock_timestamp(), finished_on = clock_timestamp()
         WHERE id = $1 RETURNING id),
       items AS (DELETE FROM job_items WHERE job_id = (SELECT id FROM fin) RETURNING 1)
     SELECT (SELECT count(*) FROM items) AS dropped`,
    values: [p.jobId, p.status, JSON.stringify(p.info)],
  }),
  samples: [{ label: 'done', params: { jobId: 7, status: 'done', info: { total: 10, remaining: 0, done: 9, failed: { not_found: 1 } } } }],
});

/** Ends a job (done or rejected) with its final info, drops its unprocessed items, emits the event. */
export async function finishJob(tx: Db, jobId: number, status: 'done' | 'rejected', info: JobInfo): Promise<void> {
  await run(tx, finishStatement, { jobId, status, info });
  await run(tx, jobEvent, { jobId, wake: false }); // after the UPDATE: the event carries the final state
}

// ---- materialising and batches ----

/**
 * The order of a job's items: `tree` (path order: an ancestor before its selected descendants), or
 * `id` when the selection holds only children of one folder: siblings, none another's ancestor, so
 * any fixed order is a tree order, and id order needs no path (no second read of the selected
 * rows, a sort of integers: about a second less per 1,000,000 children).
 */
export type ItemOrder = 'tree' | 'id';

export const materialiseStatement = defineStatement<{ jobId: number; batchSize: number; order: ItemOrder; selection: { sql: string; params: unknown[] } }, { n: number; not_found: number }>({
  name: 'job-items-materialise',
  summary: "a job's selection into job_items in one INSERT ... SELECT: numbered in tree order, one row per batch (invalid {children} entries, checked at the request, resolve to nothing)",
  render: (p) => ({
    text: `WITH sel AS (${p.selection.sql}),
          -- the selection read once, into its ids and the count of gids that resolve to nothing
          -- (not kept as a table of a million rows to be read twice)
          agg AS MATERIALIZED (SELECT array_agg(asset_id${p.order === 'id' ? ' ORDER BY asset_id' : ''}) FILTER (WHERE asset_id IS NOT NULL) AS ids,
                                      count(*) FILTER (WHERE asset_id IS NULL AND invalid_entry IS NULL) AS not_found FROM sel),
          ${p.order === 'id'
    ? `-- children of one folder: by id (siblings, any order is a tree order)
          ordered AS (SELECT ids FROM agg),`
    : `-- the paths read by one primary-key index scan of the whole id array (each index page
          -- once), not a probe per selected asset (3 buffers each); the ids in tree order
          ordered AS (SELECT array_agg(a.id ORDER BY a.path) AS ids
                      FROM assets a WHERE a.id = ANY ((SELECT ids FROM agg)::bigint[])),`}
          -- one array, one sort, cut into slices of $2 (no window and second sort to number them)
          ins AS (INSERT INTO job_items(job_id, first_seq, last_seq, asset_ids)
                  SELECT $1, g * $2::int + 1, least((g + 1) * $2::int, n), o.ids[g * $2::int + 1 : (g + 1) * $2::int]
                  FROM ordered o, cardinality(o.ids) AS n, generate_series(0, (n - 1) / $2::int) AS g
                  RETURNING last_seq - first_seq + 1 AS n)
     SELECT (SELECT coalesce(sum(n), 0) FROM ins)::bigint AS n, (SELECT not_found FROM agg)::bigint AS not_found`,
    values: [p.jobId, p.batchSize, ...p.selection.params],
  }),
  samples: [{
    label: 'a selection of two gids (parameters from $3)',
    params: { jobId: 7, batchSize: 5000, order: 'tree', selection: {
      sql: 'SELECT a.id AS asset_id, g.gid, NULL::int AS invalid_entry, NULL::boolean AS invalid_is_file FROM unnest($4::uuid[]) AS g(gid)\n      LEFT JOIN assets a ON a.gid = g.gid AND a.project_id = $3',
      params: [1, [SAMPLE_TOKEN, '6f1c2a8e-0000-4000-8000-0000000000a2']] } },
  }, {
    label: 'the children of one folder (the selection SQL abridged)',
    params: { jobId: 7, batchSize: 5000, order: 'id', selection: {
      sql: 'SELECT a.id AS asset_id, a.gid, NULL::int AS invalid_entry, NULL::boolean AS invalid_is_file FROM assets f JOIN assets a ON a.parent_id = f.id AND a.deleted_on IS NULL\n      WHERE f.gid = $4 AND f.project_id = $3',
      params: [1, SAMPLE_TOKEN] } },
  }],
});

/** Materialises the selection (its SQL numbered from $3) into job_items (then markMaterialised). */
export async function materialiseItems(tx: Db, jobId: number, batchSize: number, order: ItemOrder, selection: { sql: string; params: unknown[] }): Promise<{ n: number; notFound: number }> {
  // the ids' sort and the one-row CTE holding their array (8 MB per 1,000,000) in memory, not
  // spilled to temporary files: 1,000,000 children 860-1,000 -> 740-890 ms (6 runs interleaved);
  // for this transaction only (it ends after the materialise)
  await tx.query("SET LOCAL work_mem = '64MB'");
  const [r] = await run(tx, materialiseStatement, { jobId, batchSize, order, selection });
  return { n: Number(r.n), notFound: Number(r.not_found) };
}

export const takeBatchStatement = defineStatement<{ jobId: number; nextSeq: number }, { first_seq: number; last_seq: number; asset_ids: string }>({
  name: 'job-items-take',
  summary: "take a job's next batch of asset ids (the job_items row is removed in the batch's transaction)",
  render: (p) => ({
    text: `DELETE FROM job_items WHERE job_id = $1 AND first_seq = (
         SELECT min(first_seq) FROM job_items WHERE job_id = $1 AND first_seq >= $2)
       RETURNING first_seq, last_seq, asset_ids::text AS asset_ids`, // as text: parseIntArray
    values: [p.jobId, p.nextSeq],
  }),
  prepare: () => true, // by key (the primary key of job_items), once per batch
  samples: [{ label: 'the batch after seq 5000', params: { jobId: 7, nextSeq: 5001 } }],
});

/** The next batch (its first and last seq, asset ids), removed from job_items; null when none is left. */
export async function takeBatch(tx: Db, jobId: number, nextSeq: number): Promise<{ from: number; last: number; ids: number[] } | null> {
  const [r] = await run(tx, takeBatchStatement, { jobId, nextSeq });
  return r ? { from: Number(r.first_seq), last: Number(r.last_seq), ids: parseIntArray(r.asset_ids) } : null;
}

export const progressStatement = defineStatement<{ jobId: number; from: number; last: number; me: string; info: JobInfo; leaseMs: number }, { n: number }>({
  name: 'job-progress',
  summary: 'record a processed batch (job_batches) and the job progress, renewing the lease',
  render: (p) => ({
    text: `WITH b AS (INSERT INTO job_batches(job_id, first_seq, last_seq, worker, started_on) VALUES ($1, $2, $3, $4, now()) RETURNING 1)
     UPDATE jobs SET info = $5::jsonb, next_seq = $3 + 1, updated_on = clock_timestamp(), lease_until = ${lease('$6')}
     WHERE id = $1 RETURNING (SELECT count(*) FROM b) AS n`,
    values: [p.jobId, p.from, p.last, p.me, JSON.stringify(p.info), p.leaseMs],
  }),
  prepare: () => true, // by key, once per batch
  samples: [{ label: 'the second batch', params: { jobId: 7, from: 5001, last: 10000, me, info: { total: 20000, remaining: 10000, done: 9999, failed: { already_deleted: 1 } }, leaseMs: 30_000 } }],
});

/** Records a processed batch (started_on: the transaction's start) and the job's progress. */
export async function recordBatch(tx: Db, p: { jobId: number; from: number; last: number; me: string; info: JobInfo; leaseMs: number }): Promise<void> {
  await run(tx, progressStatement, p);
}

export const markMaterialisedStatement = defineStatement<{ jobId: number; info: JobInfo }, never>({
  name: 'job-materialised',
  summary: 'after materialising: the job is materialized, with its first progress (its event follows)',
  render: (p) => ({
    text: 'UPDATE jobs SET materialized = true, info = $2::jsonb, updated_on = clock_timestamp() WHERE id = $1',
    values: [p.jobId, JSON.stringify(p.info)],
  }),
  samples: [{ label: 'materialised 20,000 items, one gid not found', params: { jobId: 7, info: { total: 20001, remaining: 20000, done: 0, failed: { not_found: 1 } } } }],
});

/** After materialising: the job is materialized, with its first progress. */
export async function markMaterialised(tx: Db, jobId: number, info: JobInfo): Promise<void> {
  await run(tx, markMaterialisedStatement, { jobId, info });
}

export const JOB_STATEMENTS = [insertJob, jobEvent, jobByToken, cancelJobRow, claimStatement, leaseStatement, releaseStatement, finishStatement,
  materialiseStatement, markMaterialisedStatement, takeBatchStatement, progressStatement];
