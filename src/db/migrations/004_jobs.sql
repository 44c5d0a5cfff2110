-- Jobs: durable background work of the bulk calls (assets/bulk/delete, undelete, move).
-- A PostgreSQL queue: workers claim with FOR UPDATE SKIP LOCKED and hold a lease (locked_by,
-- lease_until) renewed by a heartbeat and by every batch; an expired lease is reclaimed.
-- See docs/jobs.md.

CREATE TABLE jobs (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token            uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  project_id       bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  user_id          bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,   -- the job acts as this user
  key_id           bigint,                                                    -- the key of the creating call
  kind             text NOT NULL CHECK (kind IN ('bulk_delete_assets', 'bulk_undelete_assets', 'bulk_move_assets')),
  params           jsonb NOT NULL,            -- {selection, parent?: internal id, parent_gid?}
  status           text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'processing', 'done', 'rejected')),
  info             jsonb NOT NULL DEFAULT '{}',
  materialized     boolean NOT NULL DEFAULT false,   -- job_items holds the resolved selection
  next_seq         bigint NOT NULL DEFAULT 1,        -- job_items below this seq are processed
  cancel_requested boolean NOT NULL DEFAULT false,
  locked_by        text,
  lease_until      timestamptz,
  attempts         int NOT NULL DEFAULT 0,           -- claims so far (1 + reclaims after a lost worker)
  created_on       timestamptz NOT NULL DEFAULT now(),
  updated_on       timestamptz NOT NULL DEFAULT now(),
  finished_on      timestamptz
);
-- The claim scans only unfinished jobs.
CREATE INDEX jobs_open ON jobs (id) WHERE status IN ('queued', 'processing');
CREATE INDEX jobs_project ON jobs (project_id, id);

-- The materialised selection, numbered seq = 1..n in tree (path) order so that an ancestor is
-- processed before its selected descendants and every run processes the same batches. Stored as
-- one row per batch (the asset ids of seq first_seq..last_seq, in order): a 1,000,000-asset job is
-- 200 rows, not 1,000,000 index entries. A batch deletes its row in the transaction that processes it.
CREATE TABLE job_items (
  job_id    bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  first_seq bigint NOT NULL,
  last_seq  bigint NOT NULL,
  asset_ids bigint[] NOT NULL,
  PRIMARY KEY (job_id, first_seq)
);

-- Audit of processed batches (one row per committed batch): which worker processed which seq
-- range. Written in the batch's own transaction, so it is exactly the work that took effect.
CREATE TABLE job_batches (
  job_id       bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  first_seq    bigint NOT NULL,
  last_seq     bigint NOT NULL,
  worker       text NOT NULL,
  started_on   timestamptz NOT NULL,
  committed_on timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (job_id, first_seq)
);

-- The job as clients see it: the `data` of its cc `jobs` sync event (API-SPEC §1.8), also the
-- answer of jobs/get. Timestamps are float Unix seconds.
CREATE FUNCTION job_data(j jobs) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'project_gid', (SELECT gid::text FROM projects WHERE id = j.project_id),
    'job', j.kind,
    'status', j.status,
    'info', j.info,
    'created_on', extract(epoch FROM j.created_on)::float8,
    'updated_on', extract(epoch FROM j.updated_on)::float8)
$$;

-- Emits the job's cc event (type cc, action UPDATE, data_type jobs, data_key token).
CREATE FUNCTION emit_job_event(jid bigint) RETURNS bigint LANGUAGE sql AS $$
  SELECT emit_cc_change(j.project_id, 'UPDATE', 'jobs', j.token::text, job_data(j)) FROM jobs j WHERE j.id = jid
$$;
