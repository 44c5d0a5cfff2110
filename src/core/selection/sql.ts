// Selections resolved in SQL, set-based: the ids never come to JS.
//
// selectionSql() is the contract the bulk jobs use: a query yielding DISTINCT rows
// (asset_id bigint, gid uuid), the union of the entries. gid entries that do not resolve to an
// asset of the actor's project yield (NULL, gid), so jobs can count them as not found.
// gid entries resolve whatever their trash state; {children} and {search} entries include trashed
// assets only with trashed: 'include'. `exclude` removes gids from its own entry only.
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { selectionError } from '../errors.ts';
import { Params } from '../search/params.ts';
import { searchSql } from '../search/search.ts';
import type { Selection, SelectionEntry } from './parse.ts';

export interface SelectionSqlOptions { trashed: 'exclude' | 'include' }

/** Keyset position for paging (bulk/get): after the resolved asset `id`, or (id null) after the unresolved `gid`. */
export interface SelectionKey { id: number | null; gid: string }

interface PartOptions extends SelectionSqlOptions {
  after?: SelectionKey;
  /** per-part LIMIT (paging); parts are then ordered by their key */
  limit?: number;
}

function excludeSql(e: { exclude: string[] }, p: Params): string {
  return e.exclude.length ? ` AND a.gid <> ALL(${p.add(e.exclude)}::uuid[])` : '';
}

function parts(actor: Actor, sel: Selection, opts: PartOptions, p: Params): string[] {
  const out: string[] = [];
  const project = p.add(actor.projectId);
  const live = opts.trashed === 'include' ? '' : ' AND a.deleted_on IS NULL';
  const after = opts.after;
  const cursorId = after && after.id !== null ? p.add(after.id) : undefined;
  const tail = opts.limit !== undefined ? ` ORDER BY a.id LIMIT ${Math.trunc(opts.limit)}` : '';
  // parent_id is fixed: ordering by (parent_id, id) is the same order and matches the
  // assets_parent_id index, so the planner reads the children, not the primary key from the start
  const childTail = opts.limit !== undefined ? ` ORDER BY a.parent_id, a.id LIMIT ${Math.trunc(opts.limit)}` : '';
  // resolved rows sort before unresolved gids: past the resolved rows, only gid entries yield rows
  const resolvedDone = after !== undefined && after.id === null;
  const resolvedAfter = cursorId ? ` AND a.id > ${cursorId}::bigint` : '';

  const gids = sel.entries.filter((e): e is Extract<SelectionEntry, { kind: 'gid' }> => e.kind === 'gid').map((e) => e.gid);
  if (gids.length) {
    let cond = '';
    if (after) {
      cond = after.id === null
        ? ` WHERE a.id IS NULL AND g.gid > ${p.add(after.gid)}::uuid`
        : ` WHERE (a.id > ${cursorId}::bigint OR a.id IS NULL)`;
    }
    const order = opts.limit !== undefined ? ` ORDER BY a.id NULLS LAST, g.gid LIMIT ${Math.trunc(opts.limit)}` : '';
    out.push(`SELECT a.id AS asset_id, g.gid FROM unnest(${p.add([...new Set(gids)])}::uuid[]) AS g(gid)
      LEFT JOIN assets a ON a.gid = g.gid AND a.project_id = ${project}${cond}${order}`);
  }
  if (resolvedDone) return out;
  for (const e of sel.entries) {
    if (e.kind === 'children') {
      out.push(`SELECT a.id AS asset_id, a.gid FROM assets a
        WHERE a.parent_id = (SELECT c.id FROM assets c WHERE c.gid = ${p.add(e.parent)}::uuid AND c.project_id = ${project})
        ${live}${excludeSql(e, p)}${resolvedAfter}${childTail}`);
    } else if (e.kind === 'search') {
      const s = searchSql(e.search, p);
      out.push(`SELECT a.id AS asset_id, a.gid FROM assets a ${s.join}
        WHERE a.project_id = ${project}${live} AND ${s.where}${excludeSql(e, p)}${resolvedAfter}${tail}`);
    }
  }
  return out;
}

const EMPTY = 'SELECT NULL::bigint AS asset_id, NULL::uuid AS gid WHERE false';

/**
 * A query yielding the DISTINCT rows (asset_id bigint, gid uuid) of the selection, with its
 * parameters numbered from firstParam. Embed it as `... FROM (<sql>) s`.
 */
export function selectionSql(actor: Actor, sel: Selection, opts: SelectionSqlOptions, firstParam = 1): { sql: string; params: unknown[] } {
  const p = new Params(firstParam);
  const ps = parts(actor, sel, { trashed: opts.trashed }, p);
  if (!ps.length) return { sql: EMPTY, params: [] };
  // each part alone yields distinct rows; only a union of several needs deduplication
  return { sql: ps.length === 1 ? ps[0] : ps.map((x) => `(${x})`).join('\nUNION\n'), params: p.values };
}

/**
 * One page of the selection in key order (resolved assets by internal id, then unresolved gids),
 * strictly after `after`: each entry contributes at most `limit` rows past the key, so a page
 * costs O(limit) per entry, not O(selection).
 */
export function selectionPageSql(actor: Actor, sel: Selection, opts: SelectionSqlOptions, after: SelectionKey | undefined, limit: number): { sql: string; params: unknown[] } {
  const p = new Params(1);
  const ps = parts(actor, sel, { trashed: opts.trashed, after, limit }, p);
  if (!ps.length) return { sql: EMPTY, params: [] };
  const sql = `SELECT DISTINCT u.asset_id, u.gid FROM (${ps.map((x) => `(${x})`).join('\nUNION ALL\n')}) u
    ORDER BY u.asset_id NULLS LAST, u.gid LIMIT ${Math.trunc(limit)}`;
  return { sql, params: p.values };
}

/**
 * Checks what parseSelection cannot: every {children} entry names an asset of the project that
 * is a folder. Throws selectionError (422/1006) naming the entry.
 */
export async function checkSelection(db: Db, actor: Actor, sel: Selection): Promise<void> {
  const idx: number[] = [];
  const gids: string[] = [];
  sel.entries.forEach((e, i) => { if (e.kind === 'children') { idx.push(i); gids.push(e.parent); } });
  if (!gids.length) return;
  const { rows } = await db.query(
    `SELECT g.o::int AS o, a.id IS NOT NULL AS found, coalesce(a.is_file, false) AS is_file
     FROM unnest($1::uuid[]) WITH ORDINALITY AS g(gid, o)
     LEFT JOIN assets a ON a.gid = g.gid AND a.project_id = $2
     WHERE a.id IS NULL OR a.is_file ORDER BY g.o LIMIT 1`, [gids, actor.projectId]);
  if (!rows[0]) return;
  const index = idx[rows[0].o - 1];
  const reason = rows[0].found ? 'children of a file (not a folder)' : 'children of an asset that does not exist';
  throw selectionError(`selection entry ${index}: ${reason}`, { index, reason, children: gids[rows[0].o - 1] });
}
