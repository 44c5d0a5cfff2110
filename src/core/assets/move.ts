// Moving subtrees: set-based for any batch size and any subtree size.
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { notFound, rule } from '../errors.ts';
import { defineStatement, arrayLiteral, run } from '../../db/statement.ts';
import { type BatchOutcome, checkIds, lockTree, outcome, upper } from './common.ts';

/**
 * $1 project id, $2 bigint[] ids, $3 new parent id. Classifies each requested id:
 * not_found, is_root, deleted, into_own_subtree (the new parent is the asset or inside it),
 * same (already a child of the new parent: a no-op that counts as done), name_conflict (a live
 * child of the new parent has the name, or a lower id of the batch with the same name moves there),
 * ok. Returns the ok ids split into tops and nested (an ok id inside another ok id's subtree).
 */
export const MOVE_CLASSIFY_SQL = `
WITH req AS (SELECT DISTINCT unnest($2::bigint[]) AS id),
np AS (SELECT id, path FROM assets WHERE id = $3),
cand AS (SELECT a.id, a.parent_id, a.path, a.name, a.deleted_on FROM assets a JOIN req ON a.id = req.id WHERE a.project_id = $1),
c1 AS (
  SELECT c.id, c.path, c.name, CASE
    WHEN c.parent_id IS NULL THEN 'is_root'
    WHEN c.deleted_on IS NOT NULL THEN 'deleted'
    WHEN np.path >= c.path AND np.path < ${upper('c.path')} THEN 'into_own_subtree'
    WHEN c.parent_id = np.id THEN 'same'
    WHEN EXISTS (SELECT 1 FROM assets s WHERE s.parent_id = np.id AND s.name = c.name AND s.deleted_on IS NULL) THEN 'name_conflict'
    ELSE 'ok' END AS st
  FROM cand c, np),
c2 AS (
  SELECT id, path, CASE WHEN st = 'ok' AND row_number() OVER (PARTITION BY st, name ORDER BY id) > 1 THEN 'name_conflict' ELSE st END AS st
  FROM c1),
ok AS (SELECT id, path FROM c2 WHERE st = 'ok'),
nested AS (
  SELECT DISTINCT o.id FROM ok o
  CROSS JOIN LATERAL unnest(string_to_array(btrim(o.path, '/'), '/')) AS anc(sid)
  JOIN ok o2 ON o2.id = anc.sid::bigint AND o2.id <> o.id)
SELECT (SELECT coalesce(array_agg(id), '{}') FROM ok WHERE id NOT IN (SELECT id FROM nested)) AS tops,
       (SELECT coalesce(array_agg(id), '{}') FROM nested) AS nested,
       (SELECT count(*) FROM c2 WHERE st IN ('ok', 'same')) AS done,
       (SELECT count(*) FROM req WHERE id NOT IN (SELECT id FROM cand)) AS not_found,
       (SELECT count(*) FROM c2 WHERE st = 'is_root') AS is_root,
       (SELECT count(*) FROM c2 WHERE st = 'deleted') AS deleted,
       (SELECT count(*) FROM c2 WHERE st = 'into_own_subtree') AS into_own_subtree,
       (SELECT count(*) FROM c2 WHERE st = 'name_conflict') AS name_conflict`;

// The rewrite of one moved row `a` whose nearest moved root is `r`, under new parent `np`.
const SET_MOVED = `
  parent_id = CASE WHEN a.id = r.id THEN np.id ELSE a.parent_id END,
  path = np.path || substr(a.path, length(r.path) - length(r.id::text)),
  pathname = (CASE WHEN np.pathname = '/' THEN '' ELSE np.pathname END) || '/' || r.name || substr(a.pathname, length(r.pathname) + 1),
  depth = a.depth - r.depth + np.depth + 1,
  updated_on = now()`;

/**
 * $1 project id, $2 bigint[] nested ok ids, $3 new parent id. Moves each nested root (with the
 * rows for which it is the deepest moved ancestor) under the new parent. Events: UPDATE per row.
 */
export const MOVE_NESTED_SQL = `
WITH np AS (SELECT id, path, pathname, depth FROM assets WHERE id = $3),
n AS (SELECT id, path, pathname, depth, name FROM assets WHERE id = ANY($2::bigint[]) AND project_id = $1),
pick AS (
  SELECT DISTINCT ON (a.id) a.id AS aid, n.id, n.path, n.pathname, n.depth, n.name
  FROM n JOIN assets a ON a.path >= n.path AND a.path < ${upper('n.path')}
  ORDER BY a.id, n.depth DESC),
upd AS (
  UPDATE assets a SET ${SET_MOVED}
  FROM pick r, np WHERE a.id = r.aid
  RETURNING a.gid)
SELECT (SELECT emit_changes($1, 'UPDATE', 'assets', (SELECT array_agg(gid::text) FROM upd))) AS c1`;

/**
 * $1 project id, $2 bigint[] top ok ids, $3 new parent id. Moves each subtree under the new
 * parent in one UPDATE. Events: UPDATE per moved row, then UPDATE per old parent and the new one.
 */
export const MOVE_SQL = `
WITH np AS (SELECT id, gid, path, pathname, depth FROM assets WHERE id = $3),
t AS (SELECT id, parent_id, path, pathname, depth, name FROM assets WHERE id = ANY($2::bigint[]) AND project_id = $1),
upd AS (
  UPDATE assets a SET ${SET_MOVED}
  FROM t r, np WHERE a.path >= r.path AND a.path < ${upper('r.path')}
  RETURNING a.gid),
parents AS (
  SELECT p.gid FROM assets p WHERE p.id IN (SELECT parent_id FROM t)
  UNION SELECT gid FROM np)
SELECT (SELECT emit_changes($1, 'UPDATE', 'assets', (SELECT array_agg(gid::text) FROM upd))) AS c1,
       (SELECT emit_changes($1, 'UPDATE', 'assets', (SELECT array_agg(gid::text) FROM parents))) AS c2`;

/** Checks that `parentId` is a live folder of the actor's project (throws otherwise). */
export async function requireLiveFolder(db: Db, projectId: number, parentId: number, gid?: string): Promise<void> {
  const { rows: [p] } = await db.query('SELECT is_file, deleted_on FROM assets WHERE id = $1 AND project_id = $2', [parentId, projectId]);
  const info = { parent: gid ?? parentId };
  if (!p) throw notFound('the parent does not exist', info);
  if (p.deleted_on !== null) throw rule('the parent is deleted', { ...info, reason: 'parent_deleted' });
  if (p.is_file) throw rule('the parent is a file, not a folder', { ...info, reason: 'parent_not_folder' });
}

/**
 * Moves the subtrees of `rootIds` (internal ids of the actor's project) under `newParentId`.
 * Each requested asset ends up directly under the new parent, as if moved one by one: a
 * requested asset inside another requested subtree leaves it for the new parent. Set-based (at
 * most four statements); never throws for per-item failures. Throws (not_found / rule) when the
 * new parent is not a live folder of the project. Run inside a transaction. The caller (a use
 * case) has checked asset.write.
 */
export async function moveSubtrees(tx: Db, actor: Actor, rootIds: number[], newParentId: number): Promise<BatchOutcome> {
  checkIds(rootIds);
  checkIds([newParentId], 'newParentId');
  await lockTree(tx, actor.projectId);
  await requireLiveFolder(tx, actor.projectId, newParentId);
  if (rootIds.length === 0) return { done: 0, failed: {} };
  const [c] = await run(tx, moveClassify, { projectId: actor.projectId, ids: rootIds, parentId: newParentId });
  if (c.nested.length > 0) await run(tx, moveNested, { projectId: actor.projectId, ids: c.nested, parentId: newParentId });
  if (c.tops.length > 0) await run(tx, moveTops, { projectId: actor.projectId, ids: c.tops, parentId: newParentId });
  return outcome(c.done, { not_found: c.not_found, is_root: c.is_root, deleted: c.deleted, into_own_subtree: c.into_own_subtree, name_conflict: c.name_conflict });
}

// The statements of this module as reviewed artifacts (src/db/queries/tree-move*.sql).
interface MoveParams { projectId: number; ids: number[]; parentId: number }
const values = (p: MoveParams) => [p.projectId, arrayLiteral(p.ids), p.parentId];
const SAMPLE: MoveParams = { projectId: 1, ids: [101, 102, 103], parentId: 50 };
export const moveClassify = defineStatement<MoveParams, { tops: number[]; nested: number[] } & Record<string, number>>({
  name: 'tree-move-classify',
  summary: 'classify a batch of roots to move under a new parent: per-item outcomes, the tops and the nested ok ids',
  render: (p) => ({ text: MOVE_CLASSIFY_SQL, values: values(p) }),
  samples: [{ label: 'a batch of three roots', params: SAMPLE }],
});
export const moveNested = defineStatement<MoveParams, { c1: number }>({
  name: 'tree-move-nested',
  summary: 'move the nested roots of a batch (each with the rows it is the deepest moved ancestor of)',
  render: (p) => ({ text: MOVE_NESTED_SQL, values: values(p) }),
  samples: [{ label: 'two nested roots', params: { ...SAMPLE, ids: [102, 103] } }],
});
export const moveTops = defineStatement<MoveParams, { c1: number; c2: number }>({
  name: 'tree-move',
  summary: 'move whole subtrees under a new parent in one UPDATE (UPDATE events for the rows and both parents)',
  render: (p) => ({ text: MOVE_SQL, values: values(p) }),
  samples: [{ label: 'three top roots', params: SAMPLE }],
});
