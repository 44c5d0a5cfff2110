// The functions the jobs call from the selection and asset-tree cores.
// TEMPORARY: the selection functions are minimal stand-ins until src/core/selection lands.
import type { Actor } from '../keys.ts';
import { selectionError } from '../errors.ts';
import { normalizeId } from '../ids.ts';

export { trashSubtrees, restoreSubtrees } from '../assets/trash.ts';
export { moveSubtrees } from '../assets/move.ts';
export type { BatchOutcome } from '../assets/common.ts';
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
    `SELECT a.id AS asset_id, g.gid FROM unnest(${p(1)}::uuid[]) AS g(gid) LEFT JOIN assets a ON a.gid = g.gid AND a.project_id = ${p(0)}`,
  ];
  const params: unknown[] = [actor.projectId, sel.gids];
  for (const c of sel.children) {
    params.push(c.parent, c.exclude);
    parts.push(`SELECT a.id, a.gid FROM assets f JOIN assets a ON a.parent_id = f.id
      WHERE f.gid = ${p(params.length - 2)}::uuid AND f.project_id = ${p(0)} AND a.gid <> ALL(${p(params.length - 1)}::uuid[]) ${live}`);
  }
  return { sql: `SELECT DISTINCT asset_id, gid FROM (${parts.join(' UNION ALL ')}) s`, params };
}

