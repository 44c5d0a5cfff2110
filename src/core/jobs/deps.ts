// The functions the jobs call from the selection and asset-tree cores.
// TEMPORARY: minimal stand-ins until src/core/selection and src/core/assets land; then this file
// re-exports the real ones and the stand-ins are deleted.
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { selectionError, forbidden } from '../errors.ts';
import { normalizeId } from '../ids.ts';
import { canWrite } from '../keys.ts';

export interface BatchOutcome { done: number; failed: Record<string, number> }
export type Selection = { gids: string[]; children: { parent: string; exclude: string[] }[] };

export function parseSelection(raw: unknown): Selection {
  if (!Array.isArray(raw)) throw selectionError('selection must be a list', { selection: raw });
  const sel: Selection = { gids: [], children: [] };
  raw.forEach((item, index) => {
    if (typeof item === 'string') {
      const g = normalizeId(item);
      if (!g) throw selectionError('not a gid', { index, entry: item });
      sel.gids.push(g);
    } else if (item && typeof item === 'object' && typeof (item as any).children === 'string') {
      const p = normalizeId((item as any).children);
      if (!p) throw selectionError('children must be a gid', { index, entry: item });
      sel.children.push({ parent: p, exclude: ((item as any).exclude ?? []).map((x: unknown) => normalizeId(x) ?? '00000000-0000-0000-0000-000000000000') });
    } else {
      throw selectionError('unknown selection entry', { index, entry: item });
    }
  });
  return sel;
}

export function selectionSql(actor: Actor, sel: Selection, opts: { trashed: 'exclude' | 'include' }, firstParam = 1): { sql: string; params: unknown[] } {
  const p = (n: number) => `$${firstParam + n}`;
  const live = opts.trashed === 'exclude' ? 'AND a.deleted_on IS NULL' : '';
  const parts: string[] = [
    `SELECT a.id AS asset_id, g.gid FROM unnest(${p(1)}::uuid[]) AS g(gid) LEFT JOIN assets a ON a.gid = g.gid AND a.project_id = ${p(0)} ${live}`,
  ];
  const params: unknown[] = [actor.projectId, sel.gids];
  for (const c of sel.children) {
    params.push(c.parent, c.exclude);
    parts.push(`SELECT a.id, a.gid FROM assets f JOIN assets a ON a.parent_id = f.id
      WHERE f.gid = ${p(params.length - 2)}::uuid AND f.project_id = ${p(0)} AND a.gid <> ALL(${p(params.length - 1)}::uuid[]) ${live}`);
  }
  return { sql: `SELECT DISTINCT asset_id, gid FROM (${parts.join(' UNION ALL ')}) s`, params };
}

function roots(ids: number[], actor: Actor, cond: string): string {
  void ids; void actor;
  return `SELECT id, path FROM assets WHERE id = ANY($1::bigint[]) AND project_id = $2 AND ${cond}`;
}

export async function trashSubtrees(tx: Db, actor: Actor, rootIds: number[]): Promise<BatchOutcome> {
  if (!canWrite(actor)) throw forbidden('viewers cannot delete');
  const { rows } = await tx.query(
    `WITH r AS (${roots(rootIds, actor, 'deleted_on IS NULL AND parent_id IS NOT NULL')}),
          u AS (UPDATE assets a SET deleted_on = now(), deleted_root = r.id FROM r
                WHERE a.path >= r.path AND a.path < left(r.path, -1) || '0' AND a.deleted_on IS NULL AND a.project_id = $2
                RETURNING a.gid),
          e AS (SELECT emit_changes($2, 'DELETE', 'assets', array_agg(gid::text)) FROM u)
     SELECT (SELECT count(*) FROM r) AS done, (SELECT count(*) FROM e) AS x`, [rootIds, actor.projectId]);
  const done = Number(rows[0].done);
  const failed: Record<string, number> = {};
  if (rootIds.length - done) failed.already_deleted = rootIds.length - done;
  return { done, failed };
}

export async function restoreSubtrees(tx: Db, actor: Actor, rootIds: number[]): Promise<BatchOutcome> {
  if (!canWrite(actor)) throw forbidden('viewers cannot undelete');
  const { rows } = await tx.query(
    `WITH r AS (${roots(rootIds, actor, 'deleted_on IS NOT NULL AND deleted_root = id')}),
          u AS (UPDATE assets a SET deleted_on = NULL, deleted_root = NULL FROM r
                WHERE a.path >= r.path AND a.path < left(r.path, -1) || '0' AND a.deleted_root = r.id
                RETURNING a.gid),
          e AS (SELECT emit_changes($2, 'INSERT', 'assets', array_agg(gid::text)) FROM u)
     SELECT (SELECT count(*) FROM r) AS done, (SELECT count(*) FROM e) AS x`, [rootIds, actor.projectId]);
  const done = Number(rows[0].done);
  const failed: Record<string, number> = {};
  if (rootIds.length - done) failed.not_deleted = rootIds.length - done;
  return { done, failed };
}

export async function moveSubtrees(tx: Db, actor: Actor, rootIds: number[], newParentId: number): Promise<BatchOutcome> {
  if (!canWrite(actor)) throw forbidden('viewers cannot move');
  // stand-in: moves only files (no subtree rewrite), refuses the parent itself
  const { rows } = await tx.query(
    `WITH np AS (SELECT * FROM assets WHERE id = $3),
          u AS (UPDATE assets a SET parent_id = np.id, path = np.path || a.id || '/', depth = np.depth + 1,
                  pathname = CASE WHEN np.pathname = '/' THEN '/' ELSE np.pathname || '/' END || a.name
                FROM np WHERE a.id = ANY($1::bigint[]) AND a.project_id = $2 AND a.is_file AND a.deleted_on IS NULL
                RETURNING a.gid),
          e AS (SELECT emit_changes($2, 'UPDATE', 'assets', array_agg(gid::text)) FROM u)
     SELECT (SELECT count(*) FROM u) AS done, (SELECT count(*) FROM e) AS x`, [rootIds, actor.projectId, newParentId]);
  const done = Number(rows[0].done);
  const failed: Record<string, number> = {};
  if (rootIds.length - done) failed.into_own_subtree = rootIds.length - done;
  return { done, failed };
}
