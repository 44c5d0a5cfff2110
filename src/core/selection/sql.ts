// Selections resolved in SQL, set-based: the ids never come to JS.
//
// selectionSql() is the contract the bulk jobs use: a query yielding DISTINCT rows
// (asset_id bigint, gid uuid), the union of the entries. gid entries that do not resolve to an
// asset of the actor's project yield (NULL, gid), so jobs can count them as not found.
// gid entries resolve whatever their trash state; {children} and {search} entries include trashed
// assets only with trashed: 'include'. `exclude` removes gids from its own entry only.
//
// Shape: however many entries, the statement has at most three fixed parts plus one part per
// {search} entry (at most MAX_SELECTION_SEARCHES): the gid entries are one unnest($gids), the
// {children} entries one unnest($parents) WITH ORDINALITY joined to their excludes, flattened
// into two parallel arrays (parent ordinal, gid). The parameters are bounded whatever the entry
// count (no UNION branch, no bind parameter per entry).
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { selectionError } from '../errors.ts';
import { Params } from '../search/params.ts';
import { searchSql } from '../search/search.ts';
import { parseSelection, type Selection, type SelectionEntry } from './parse.ts';
import { defineStatement } from '../../db/statement.ts';

export interface SelectionSqlOptions { trashed: 'exclude' | 'include' }

/** Keyset position for paging (bulk/get): after the resolved asset `id`, or (id null) after the unresolved `gid`. */
export interface SelectionKey { id: number | null; gid: string }

interface PartOptions extends SelectionSqlOptions {
  after?: SelectionKey;
  /** per-part LIMIT (paging); parts are then ordered by their key */
  limit?: number;
}

/** The {children} entries as arrays: one row per distinct parent, excludes as (ordinal, gid) pairs. */
export interface ChildrenArrays { parents: string[]; exOrd: number[]; exGid: string[] }

/**
 * Groups the {children} entries by parent. The union of entries naming the same parent excludes
 * a gid only when every one of them excludes it (the intersection), so each parent is one row and
 * the children part yields each asset once.
 */
export function childrenArrays(entries: SelectionEntry[]): ChildrenArrays {
  const byParent = new Map<string, Set<string> | null>();
  for (const e of entries) {
    if (e.kind !== 'children') continue;
    const ex = new Set(e.exclude);
    if (!byParent.has(e.parent)) byParent.set(e.parent, ex);
    else {
      const prev = byParent.get(e.parent)!;
      byParent.set(e.parent, new Set([...prev].filter((g) => ex.has(g))));
    }
  }
  const out: ChildrenArrays = { parents: [], exOrd: [], exGid: [] };
  for (const [parent, ex] of byParent) {
    out.parents.push(parent);
    const o = out.parents.length;
    for (const g of ex ?? []) { out.exOrd.push(o); out.exGid.push(g); }
  }
  return out;
}

function excludeSql(e: { exclude: string[] }, p: Params): string {
  return e.exclude.length ? ` AND a.gid <> ALL(${p.add(e.exclude)}::uuid[])` : '';
}

function parts(actor: Actor, sel: Selection, opts: PartOptions, p: Params): string[] {
  const out: string[] = [];
  const project = p.add(actor.projectId);
  const live = opts.trashed === 'include' ? '' : ' AND a.deleted_on IS NULL';
  const after = opts.after;
  const limit = opts.limit !== undefined ? Math.trunc(opts.limit) : undefined;
  const cursorId = after && after.id !== null ? p.add(after.id) : undefined;
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
    const order = limit !== undefined ? ` ORDER BY a.id NULLS LAST, g.gid LIMIT ${limit}` : '';
    out.push(`SELECT a.id AS asset_id, g.gid FROM unnest(${p.add([...new Set(gids)])}::uuid[]) AS g(gid)
      LEFT JOIN assets a ON a.gid = g.gid AND a.project_id = ${project}${cond}${order}`);
  }
  if (resolvedDone) return out;

  const ch = childrenArrays(sel.entries);
  if (ch.parents.length) {
    const unexcluded = ch.exOrd.length
      ? ` AND NOT EXISTS (SELECT 1 FROM unnest(${p.add(ch.exOrd)}::bigint[], ${p.add(ch.exGid)}::uuid[]) AS x(o, gid) WHERE x.o = c.o AND x.gid = a.gid)`
      : '';
    const from = `FROM unnest(${p.add(ch.parents)}::uuid[]) WITH ORDINALITY AS c(parent, o)
      JOIN assets f ON f.gid = c.parent AND f.project_id = ${project}`;
    if (limit === undefined) {
      out.push(`SELECT a.id AS asset_id, a.gid ${from}
      JOIN assets a ON a.parent_id = f.id
      WHERE true${live}${unexcluded}`);
    } else {
      // paging: each parent contributes at most `limit` children past the key, read in the
      // order of the assets_parent_id index (parent_id, id)
      out.push(`SELECT a.asset_id, a.gid ${from}
      CROSS JOIN LATERAL (SELECT a.id AS asset_id, a.gid FROM assets a
        WHERE a.parent_id = f.id${live}${unexcluded}${resolvedAfter}
        ORDER BY a.parent_id, a.id LIMIT ${limit}) a`);
    }
  }

  for (const e of sel.entries) {
    if (e.kind !== 'search') continue;
    const s = searchSql(e.search, p);
    const tail = limit !== undefined ? ` ORDER BY a.id LIMIT ${limit}` : '';
    out.push(`SELECT a.id AS asset_id, a.gid FROM assets a ${s.join}
      WHERE a.project_id = ${project}${live} AND ${s.where}${excludeSql(e, p)}${resolvedAfter}${tail}`);
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
 * strictly after `after`: each part (and each {children} parent) contributes at most `limit`
 * rows past the key, so a page costs O(limit) per part, not O(selection).
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

/** The statements of this module as reviewed artifacts (src/db/queries/selection-*.sql). */
export interface SelectionStatementParams { projectId: number; selection: unknown[]; trashed: 'exclude' | 'include'; after?: SelectionKey; limit?: number }
const SAMPLE_SELECTION = [
  '6f1c2a8e-0000-4000-8000-00000000000a', '6f1c2a8e-0000-4000-8000-00000000000b',
  { children: '6f1c2a8e-0000-4000-8000-0000000000f1', exclude: ['6f1c2a8e-0000-4000-8000-00000000000c'] },
  { children: '6f1c2a8e-0000-4000-8000-0000000000f2' },
  { search: { language: 'en', q: 'harbour -night' } },
];
export const resolveSelection = defineStatement<SelectionStatementParams, { asset_id: number | null; gid: string }>({
  name: 'selection-resolve',
  summary: 'a selection as one statement of distinct (asset_id, gid) rows (what a bulk job materialises)',
  render: (p) => {
    const s = selectionSql({ projectId: p.projectId } as Actor, parseSelection(p.selection), { trashed: p.trashed });
    return { text: s.sql, values: s.params };
  },
  samples: [
    { label: 'gids only', params: { projectId: 1, selection: SAMPLE_SELECTION.slice(0, 2), trashed: 'exclude' } },
    { label: 'gids, two {children} (one with an exclude) and a {search}', params: { projectId: 1, selection: SAMPLE_SELECTION, trashed: 'exclude' } },
    { label: 'the same for undelete (trashed included)', params: { projectId: 1, selection: SAMPLE_SELECTION, trashed: 'include' } },
  ],
});
export const selectionPage = defineStatement<SelectionStatementParams, { asset_id: number | null; gid: string }>({
  name: 'selection-page',
  summary: 'one keyset page of a selection (assets/bulk/get)',
  render: (p) => {
    const s = selectionPageSql({ projectId: p.projectId } as Actor, parseSelection(p.selection), { trashed: p.trashed }, p.after, p.limit ?? 101);
    return { text: s.sql, values: s.params };
  },
  samples: [
    { label: 'first page', params: { projectId: 1, selection: SAMPLE_SELECTION, trashed: 'exclude', limit: 101 } },
    { label: 'a page after asset 42', params: { projectId: 1, selection: SAMPLE_SELECTION, trashed: 'exclude', after: { id: 42, gid: '6f1c2a8e-0000-4000-8000-00000000000a' }, limit: 101 } },
  ],
});
