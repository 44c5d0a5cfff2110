// Trash: soft delete of whole subtrees, restore of exactly what a delete trashed, and permanent
// delete. Every batch function is set-based: a constant number of statements for 1 or 5,000
// roots and for subtrees of any size.
import type pg from 'pg';
import { withTx, type Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import type { BlobStore } from '../../storage/blob-store.ts';
import { rule, notFound } from '../errors.ts';
import { defineStatement, arrayLiteral, run } from '../../db/statement.ts';
import { type BatchOutcome, checkIds, lockTree, outcome, upper } from './common.ts';
import { mediaChanged } from '../media/cache.ts';

/**
 * CTEs okf, top, topf over the CTE `ok` (rows with id, path, is_file): the ok rows none of whose
 * proper ancestors is an ok row, found by looking each ancestor id of a row's path up in a jsonb set
 * (a constant number of lookups per row, never a join of the batch with itself that the planner
 * could make quadratic). Only a folder can be an ancestor, so the set holds the ok folders alone:
 * for a batch of files (the common bulk case) it is empty and no row's path is looked at (okf);
 * topf: the top folders, the only possible deleted_root of a row other than itself.
 */
const TOPS_OF = (ok: string) => `okf AS MATERIALIZED (SELECT coalesce(jsonb_object_agg(id::text, true), '{}') AS m FROM ${ok} WHERE NOT is_file),
top AS (SELECT o.* FROM ${ok} o, okf WHERE okf.m = '{}' OR NOT EXISTS (
          SELECT 1 FROM unnest(string_to_array(btrim(o.path, '/'), '/')) AS anc(sid) WHERE anc.sid <> o.id::text AND okf.m ? anc.sid)),
topf AS MATERIALIZED (SELECT coalesce(jsonb_object_agg(id::text, true), '{}') AS m FROM top WHERE NOT is_file)`;

/**
 * The end of both trash statements (CTE `upd` RETURNING gid, and `rel` with parent_id): the
 * parents whose childcount changed, probed by id, then the counts `counts` and the events, a
 * DELETE per trashed asset and an UPDATE per parent.
 */
const TRASH_EVENTS = (rel: string, counts: string) => `parents AS (SELECT p.gid FROM (SELECT DISTINCT parent_id FROM ${rel}) t
            CROSS JOIN LATERAL (SELECT p.gid FROM assets p WHERE p.id = t.parent_id OFFSET 0) p)
SELECT ${counts},
       (SELECT emit_changes($1, 'DELETE', 'assets', (SELECT array_agg(gid::text) FROM upd))) AS c1,
       (SELECT emit_changes($1, 'UPDATE', 'assets', (SELECT array_agg(gid::text) FROM parents))) AS c2`;

/**
 * $1 project id, $2 bigint[] root ids. Trashes every live asset in the subtree of each requested
 * live, non-root asset; deleted_root is the top-most requested ancestor (a requested asset inside
 * another requested subtree is trashed with it and counts as done). Rows already in the trash
 * keep their own deleted_root, so restoring this delete brings back exactly what it trashed.
 * Events: DELETE per trashed asset, then UPDATE per parent whose childcount changed.
 */
export const TRASH_SQL = `
WITH req AS (SELECT DISTINCT unnest($2::bigint[]) AS id),
-- read through the primary key in one index scan of the whole array (sorted, each leaf page read
-- once: ~150 buffers for 5,000 ids, against 3 per id for a probe per id)
cand AS (SELECT a.id, a.parent_id, a.path, a.is_file, a.deleted_on FROM assets a
         WHERE a.id = ANY ($2::bigint[]) AND a.project_id = $1),
ok AS (SELECT * FROM cand WHERE parent_id IS NOT NULL AND deleted_on IS NULL),
${TOPS_OF('ok')},
-- the rows of each top's subtree, probed by path range from the top (LATERAL ... OFFSET 0). The
-- trash state is filtered outside the probe, so no partial index "WHERE deleted_on IS NULL" can
-- stand in for the range (after an ANALYZE of a mostly trashed table one did: 29M rows visited
-- for a batch of 5,000; docs/perf-plans.md). A file is a leaf: its subtree is itself, no probe.
sub AS (SELECT t.id FROM top t WHERE t.is_file
        UNION ALL
        SELECT s.id FROM top t CROSS JOIN LATERAL (
          SELECT s.id, s.deleted_on FROM assets s WHERE s.path >= t.path AND s.path < ${upper('t.path')} OFFSET 0) s
        WHERE NOT t.is_file AND s.deleted_on IS NULL),
-- written through the primary key; deleted_root is the row's ancestor (or itself) among the tops:
-- a row under a top folder is found by its path's ancestors (the folder's own path holds its id);
-- a top file is its own. No top folder in the batch: every row is a top, its own root, no lookup.
upd AS (
  UPDATE assets a SET deleted_on = now(),
         deleted_root = CASE WHEN tf.m = '{}' THEN a.id ELSE coalesce(
                          (SELECT anc.sid::bigint FROM unnest(string_to_array(btrim(a.path, '/'), '/')) AS anc(sid)
                           WHERE tf.m ? anc.sid LIMIT 1), a.id) END
  FROM topf tf
  WHERE a.id = ANY (ARRAY(SELECT id FROM sub))
  RETURNING a.gid),
${TRASH_EVENTS('top', `(SELECT count(*) FROM ok) AS done,
       (SELECT count(*) FROM req) - (SELECT count(*) FROM cand) AS not_found,
       (SELECT count(*) FROM cand WHERE parent_id IS NULL) AS is_root,
       (SELECT count(*) FROM cand WHERE parent_id IS NOT NULL AND deleted_on IS NOT NULL) AS already_deleted`)}`;

/**
 * $1 project id, $2 bigint[] distinct ids. When none of them is a live folder (an index-only probe
 * of assets_live_folders, migration 011; the caller holds the tree lock, which keeps it so), each
 * live file is its own subtree and its own deleted_root, so the batch is one UPDATE of them; the
 * ids it did not write (none, usually: then not read again) are classified afterwards (not_found,
 * is_root, already_deleted). Same outcomes and events as TRASH_SQL for such a batch. When one is
 * a live folder, nothing is written and has_folder is true: the caller runs TRASH_SQL instead.
 */
export const TRASH_FILES_SQL = `
WITH probe AS MATERIALIZED (SELECT EXISTS (SELECT 1 FROM assets a WHERE a.id = ANY ($2::bigint[]) AND a.project_id = $1
                                           AND NOT a.is_file AND a.deleted_on IS NULL) AS has_folder),
upd AS (
  UPDATE assets a SET deleted_on = now(), deleted_root = a.id
  WHERE NOT (SELECT has_folder FROM probe)
    AND a.id = ANY ($2::bigint[]) AND a.project_id = $1 AND a.parent_id IS NOT NULL AND a.deleted_on IS NULL
  RETURNING a.id, a.gid, a.parent_id),
written AS MATERIALIZED (SELECT count(*) AS n FROM upd),
-- the ids not written, read by key (only when some were not written)
rest AS (SELECT a.parent_id, a.deleted_on FROM assets a
         WHERE NOT (SELECT has_folder FROM probe) AND (SELECT n FROM written) < cardinality($2::bigint[])
           AND a.id = ANY (ARRAY(SELECT x FROM unnest($2::bigint[]) AS x EXCEPT SELECT id FROM upd)) AND a.project_id = $1),
${TRASH_EVENTS('upd', `(SELECT has_folder FROM probe) AS has_folder,
       (SELECT n FROM written) AS done,
       CASE WHEN (SELECT has_folder FROM probe) THEN 0
            ELSE cardinality($2::bigint[]) - (SELECT n FROM written) - (SELECT count(*) FROM rest) END AS not_found,
       (SELECT count(*) FROM rest WHERE parent_id IS NULL) AS is_root,
       (SELECT count(*) FROM rest WHERE parent_id IS NOT NULL AND deleted_on IS NOT NULL) AS already_deleted`)}`;

/**
 * $1 project id, $2 bigint[] ids. Restores each requested trash root (an asset whose own delete
 * trashed it) with exactly the rows that delete trashed. Refused per item: not_found,
 * not_deleted, name_conflict (a live sibling, or a sibling restored in this batch, has the name;
 * among two requested same-named trash roots the lower id wins), parent_deleted (the parent stays
 * in the trash after this batch). A requested root whose parent is restored by another requested
 * root in the same batch is restored (the chain is followed with a recursive walk). A requested
 * asset that was trashed by an ancestor's delete counts as done when that ancestor is restored
 * in this batch, else parent_deleted.
 * Events: INSERT per restored asset, then UPDATE per live parent whose childcount changed.
 */
/** The parent of asset `id`, by two primary-key probes (never a join the planner could turn around). */
const PARENT_OF = (id: string) =>
  `SELECT p.deleted_on, p.deleted_root FROM assets p WHERE p.id = (SELECT a.parent_id FROM assets a WHERE a.id = ${id}) OFFSET 0`;

export const RESTORE_SQL = `
WITH RECURSIVE req AS (SELECT DISTINCT unnest($2::bigint[]) AS id),
cand AS (SELECT a.* FROM req CROSS JOIN LATERAL (
           SELECT a.id, a.parent_id, a.path, a.name, a.pathname, a.deleted_on, a.deleted_root
           FROM assets a WHERE a.id = req.id AND a.project_id = $1 OFFSET 0) a),
troots AS (SELECT *, row_number() OVER (PARTITION BY parent_id, name ORDER BY id) AS nth
           FROM cand WHERE deleted_on IS NOT NULL AND deleted_root = id),
conflicted AS (
  SELECT r.id FROM troots r
  WHERE r.nth > 1
     -- a live sibling of the same name has the root's pathname: probed through assets_live_pathname,
     -- the one index that answers this whatever the statistics say (docs/perf-plans.md); a stale
     -- pathname would miss a conflict, which the unique sibling index then refuses (name_conflict)
     OR EXISTS (SELECT 1 FROM (SELECT s.parent_id, s.name FROM assets s
                               WHERE s.project_id = $1 AND s.pathname = r.pathname AND s.deleted_on IS NULL OFFSET 0) s
                WHERE s.parent_id = r.parent_id AND s.name = r.name)
     OR EXISTS (SELECT 1 FROM (SELECT p.id, p.deleted_on, p.deleted_root FROM assets p WHERE p.id = r.parent_id OFFSET 0) p
                JOIN assets s ON s.parent_id = p.id AND s.name = r.name AND s.deleted_root = p.deleted_root AND s.id <> r.id
                WHERE p.deleted_on IS NOT NULL AND p.deleted_root IN (SELECT id FROM troots))),
cands AS (SELECT * FROM troots WHERE id NOT IN (SELECT id FROM conflicted)),
-- the parent of each walked root, probed by id (LATERAL ... OFFSET 0: docs/perf-plans.md)
walk(start, cur) AS (
  SELECT id, id FROM cands
  UNION ALL
  SELECT w.start, p.deleted_root
  FROM walk w CROSS JOIN LATERAL (${PARENT_OF('w.cur')}) p
  WHERE p.deleted_on IS NOT NULL AND p.deleted_root IN (SELECT id FROM cands)),
okr AS (
  SELECT DISTINCT w.start AS id FROM walk w CROSS JOIN LATERAL (${PARENT_OF('w.cur')}) p
  WHERE p.deleted_on IS NULL),
roots AS (SELECT c.* FROM cand c JOIN okr ON okr.id = c.id),
-- the rows each root's delete trashed, probed by path range from the root, written by key
sub AS (SELECT s.id FROM roots r CROSS JOIN LATERAL (
          SELECT s.id, s.deleted_root FROM assets s WHERE s.path >= r.path AND s.path < ${upper('r.path')} OFFSET 0) s
        WHERE s.deleted_root = r.id),
upd AS (
  UPDATE assets a SET deleted_on = NULL, deleted_root = NULL
  WHERE a.id = ANY (ARRAY(SELECT id FROM sub))
  RETURNING a.gid),
parents AS (SELECT p.gid FROM (SELECT DISTINCT parent_id FROM roots) r
            CROSS JOIN LATERAL (SELECT p.gid, p.deleted_on FROM assets p WHERE p.id = r.parent_id OFFSET 0) p
            WHERE p.deleted_on IS NULL),
tally AS (
  SELECT CASE
    WHEN c.id IS NULL THEN 'not_found'
    WHEN c.deleted_on IS NULL THEN 'not_deleted'
    WHEN c.id IN (SELECT id FROM okr) THEN 'done'
    WHEN c.deleted_root <> c.id AND c.deleted_root IN (SELECT id FROM okr) THEN 'done'
    WHEN c.id IN (SELECT id FROM conflicted) THEN 'name_conflict'
    ELSE 'parent_deleted' END AS st
  FROM req LEFT JOIN cand c ON c.id = req.id)
SELECT (SELECT count(*) FROM tally WHERE st = 'done') AS done,
       (SELECT count(*) FROM tally WHERE st = 'not_found') AS not_found,
       (SELECT count(*) FROM tally WHERE st = 'not_deleted') AS not_deleted,
       (SELECT count(*) FROM tally WHERE st = 'name_conflict') AS name_conflict,
       (SELECT count(*) FROM tally WHERE st = 'parent_deleted') AS parent_deleted,
       (SELECT emit_changes($1, 'INSERT', 'assets', (SELECT array_agg(gid::text) FROM upd))) AS c1,
       (SELECT emit_changes($1, 'UPDATE', 'assets', (SELECT array_agg(gid::text) FROM parents))) AS c2`;

/**
 * Soft-deletes the subtrees of `rootIds` (internal ids of the actor's project). Set-based; never
 * throws for per-item failures (not_found, is_root, already_deleted). Run inside a transaction.
 * A building block: the use case calling it has checked asset.write (src/core/access.ts).
 */
export async function trashSubtrees(tx: Db, actor: Actor, rootIds: number[]): Promise<BatchOutcome> {
  checkIds(rootIds);
  if (rootIds.length === 0) return { done: 0, failed: {} };
  await lockTree(tx, actor.projectId);
  // no live folder among them (the tree lock keeps it so): the files' UPDATE alone; else the
  // general statement (the files statement wrote nothing)
  const [f] = await run(tx, trashFilesBatch, { projectId: actor.projectId, ids: [...new Set(rootIds)] });
  const r = f.has_folder ? (await run(tx, trashBatch, { projectId: actor.projectId, ids: rootIds }))[0] : f;
  if (r.done) mediaChanged(tx); // their renditions and public URLs stop answering once this commits
  return outcome(r.done, { not_found: r.not_found, is_root: r.is_root, already_deleted: r.already_deleted });
}

/**
 * Restores what the deletes of `rootIds` trashed. Set-based; never throws for per-item failures
 * (not_found, not_deleted, name_conflict, parent_deleted). Run inside a transaction. The caller
 * (a use case) has checked asset.write.
 */
export async function restoreSubtrees(tx: Db, actor: Actor, rootIds: number[]): Promise<BatchOutcome> {
  checkIds(rootIds);
  if (rootIds.length === 0) return { done: 0, failed: {} };
  await lockTree(tx, actor.projectId);
  const [r] = await run(tx, restoreBatch, { projectId: actor.projectId, ids: rootIds });
  return outcome(r.done, { not_found: r.not_found, not_deleted: r.not_deleted, name_conflict: r.name_conflict, parent_deleted: r.parent_deleted });
}

const FAIL_MESSAGES: Record<string, string> = {
  not_found: 'the asset does not exist',
  is_root: 'the root folder cannot be deleted',
  already_deleted: 'the asset is already deleted',
  not_deleted: 'the asset is not deleted',
  parent_deleted: 'the parent folder is deleted: undelete the parent first',
  name_conflict: 'a live asset with the same name exists in the parent folder',
  deleted: 'the asset is deleted',
  into_own_subtree: 'a folder cannot be moved into itself or its own subtree',
};

/** Turns the single failure of a one-id batch into a 422 (rule, or not_found). */
export function throwIfFailed(o: BatchOutcome, gid: string): void {
  const reason = Object.keys(o.failed)[0];
  if (!reason) return;
  const info = { asset: gid, reason };
  throw reason === 'not_found' ? notFound(FAIL_MESSAGES[reason], info) : rule(FAIL_MESSAGES[reason] ?? reason, info);
}

/**
 * $1 project id, $2 asset id (must be deleted). Removes the subtree rows for good and returns
 * the content hashes that no remaining row references. Events: DELETE per removed asset.
 */
export const PURGE_SQL = `
WITH r AS (SELECT id, path FROM assets WHERE id = $2 AND project_id = $1 AND deleted_on IS NOT NULL),
del AS (DELETE FROM assets a USING r WHERE a.path >= r.path AND a.path < ${upper('r.path')} RETURNING a.id, a.gid, a.content_hash),
hs AS (SELECT content_hash AS h FROM del WHERE content_hash IS NOT NULL
       UNION SELECT l.blob_hash FROM media_links l JOIN del ON l.asset_id = del.id),
orphans AS (
  SELECT hs.h FROM hs, r
  WHERE NOT EXISTS (
    SELECT 1 FROM assets o WHERE o.content_hash = hs.h
      AND NOT (o.path >= r.path AND o.path < ${upper('r.path')}))
    AND NOT EXISTS (SELECT 1 FROM media_links o WHERE o.blob_hash = hs.h AND o.asset_id NOT IN (SELECT id FROM del)))
SELECT (SELECT count(*) FROM del) AS removed,
       (SELECT coalesce(array_agg(h), '{}') FROM orphans) AS orphans,
       (SELECT emit_changes($1, 'DELETE', 'assets', (SELECT array_agg(gid::text) FROM del))) AS c1`;

/**
 * Permanently deletes a deleted asset and its subtree. Blobs that no row references any more
 * are removed by `removeOrphanBlobs` after the caller commits. The caller has checked asset.write. Returns the number of rows removed
 * and those blob hashes.
 */
export async function purgeSubtree(tx: Db, actor: Actor, id: number, gid: string): Promise<{ removed: number; orphans: string[] }> {
  await lockTree(tx, actor.projectId);
  const { rows: [a] } = await tx.query('SELECT parent_id, deleted_on FROM assets WHERE id = $1 AND project_id = $2', [id, actor.projectId]);
  if (!a) throw notFound('the asset does not exist', { asset: gid });
  if (a.parent_id === null) throw rule('the root folder cannot be deleted', { asset: gid, reason: 'is_root' });
  if (a.deleted_on === null) throw rule('only a deleted asset can be permanently deleted', { asset: gid, reason: 'not_deleted' });
  const [r] = await run(tx, purgeStatement, { projectId: actor.projectId, id });
  mediaChanged(tx);
  return { removed: Number(r.removed), orphans: r.orphans };
}

/**
 * The advisory lock (class, key) between blob removal and `assetlib backup`: a backup holds it
 * exclusively from before its snapshot until it has copied every blob that snapshot references;
 * removers take it shared, without waiting (src/ops/backup.ts).
 */
export const BLOB_GUARD_LOCK = [727271, 3] as const;

/**
 * After commit: removes the blobs of `hashes` that no asset and no media link (006) references.
 * While a backup runs, nothing is removed (the backup's snapshot may still reference them): the
 * blobs stay as unreferenced garbage, reported in the returned `kept` (not an error).
 */
export async function removeOrphanBlobs(db: pg.Pool, blobs: BlobStore, hashes: string[]): Promise<{ removed: number; kept: number }> {
  if (hashes.length === 0) return { removed: 0, kept: 0 };
  return withTx(db, async (tx) => {
    const { rows: [g] } = await tx.query('SELECT pg_try_advisory_xact_lock_shared($1, $2) AS ok', [...BLOB_GUARD_LOCK]);
    if (!g.ok) return { removed: 0, kept: hashes.length };
    const { rows } = await tx.query(
      `SELECT h FROM unnest($1::text[]) h WHERE NOT EXISTS (SELECT 1 FROM assets WHERE content_hash = h)
         AND NOT EXISTS (SELECT 1 FROM media_links WHERE blob_hash = h)`, [hashes]);
    await blobs.remove(rows.map((r) => r.h));
    return { removed: rows.length, kept: 0 };
  });
}

// The statements of this module as reviewed artifacts (src/db/queries/tree-*.sql).
type Counts = Record<string, number>;
/** The outcome row of both trash statements (counts come back as bigint text or numbers). */
interface TrashCounts { done: number; not_found: number; is_root: number; already_deleted: number }
const BATCH = { projectId: 1, ids: [101, 102, 103] };
export const trashBatch = defineStatement<{ projectId: number; ids: number[] }, TrashCounts>({
  name: 'tree-trash',
  summary: 'trash the subtrees of a batch of roots (per-item outcomes, DELETE and parent UPDATE events)',
  render: (p) => ({ text: TRASH_SQL, values: [p.projectId, arrayLiteral(p.ids)] }),
  // prepared: every read in it is a probe from the ids, so its generic plan is the custom one
  // (5,000 files: 100-112 ms executing either way; planning 0.27 ms against 1.6 ms)
  prepare: () => true,
  samples: [{ label: 'a batch of three roots', params: BATCH }],
});
export const trashFilesBatch = defineStatement<{ projectId: number; ids: number[] }, TrashCounts & { has_folder: boolean }>({
  name: 'tree-trash-files',
  summary: 'trash a batch of ids if none of them is a live folder: one UPDATE of the files (per-item outcomes, DELETE and parent UPDATE events); else nothing, has_folder',
  render: (p) => ({ text: TRASH_FILES_SQL, values: [p.projectId, arrayLiteral(p.ids)] }),
  prepare: () => true,
  samples: [{ label: 'a batch of three files', params: BATCH }],
});
export const restoreBatch = defineStatement<{ projectId: number; ids: number[] }, Counts>({
  name: 'tree-undelete',
  summary: 'restore what the deletes of a batch of trash roots trashed (per-item outcomes, INSERT and parent UPDATE events)',
  render: (p) => ({ text: RESTORE_SQL, values: [p.projectId, arrayLiteral(p.ids)] }),
  samples: [{ label: 'a batch of three roots', params: BATCH }],
});
export const purgeStatement = defineStatement<{ projectId: number; id: number }, { removed: number; orphans: string[] }>({
  name: 'tree-purge',
  summary: 'permanently delete a trashed subtree; answers the blob hashes no remaining row references',
  render: (p) => ({ text: PURGE_SQL, values: [p.projectId, p.id] }),
  samples: [{ label: 'one trashed folder', params: { projectId: 1, id: 101 } }],
});
