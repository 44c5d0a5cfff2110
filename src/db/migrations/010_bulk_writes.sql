-- Cheaper writes for bulk jobs (issue 12 §3). See docs/jobs.md, "Costs" and docs/sync.md, "Retention".

-- A job's materialised selection is one row per batch holding 5,000 ids (40 kB). Stored compressed
-- (the default, pglz), a 1,000,000-asset job spent most of its materialise compressing 200 such
-- arrays (1M files on PostgreSQL 15: 3.7-4.0 s against 1.4-2.0 s uncompressed, load 10). The rows
-- live for the length of a job, so they are stored out of line and uncompressed.
ALTER TABLE job_items ALTER COLUMN asset_ids SET STORAGE EXTERNAL;

-- The project feed's events were indexed by created_on for retention alone; that index cost every
-- event an index entry (15% of an event's WAL, 2.19 MB against 1.86 MB per 5,000 events; backend
-- CPU 20.5 against 18 ms). Retention now finds each project's expired events by walking its
-- primary key from the oldest cursor (src/core/feed/retention.ts): the rows it walks are the ones
-- it removes. The global (cc) feed is small and keeps its index.
DROP INDEX IF EXISTS changes_created;
