// Selections resolved in SQL, set-based: the ids never come to JS.
//
// selectionSql() is the contract the bulk jobs use: a query yielding DISTINCT rows
// (asset_id bigint, gid uuid, invalid_entry int, invalid_is_file boolean), the union of the entries.
// gid entries that do not resolve to an asset of the actor's project yield (NULL, gid, NULL, NULL),
// so jobs can count them as not found. The check of the {children} entries is folded into the
// same statement: a {children} entry whose target is not a folder of the project yields one row
// (NULL, target, ordinal, is_file) - ordinal of its parent in childrenArrays(), 1-based; see
// invalidEntryError() - so a caller resolves and checks in one statement.
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
import { arrayLiteral, defineStatement } from '../../db/statement.ts';

export interface SelectionSqlOptions { trashed: 'exclude' | 'include' }

/** Keyset position for paging (bulk/get): after the resolved asset `id`, or (id null) after the unresolved `gid`. */
export interface SelectionKey { id: number | null; gid: string }

interface PartOptions extends SelectionSqlOptions {
  after?: SelectionKey;
  /** per-part LIMIT (paging); parts are then ordered by their key */
  limit?: number;
}

/**
 * The {children} entries as arrays: one row per distinct parent, excludes as (ordinal, gid) pairs;
 * entry[o - 1]: the index in the selection of the first entry naming parent o.
 */
export interface ChildrenArrays { parents: string[]; exOrd: number[]; exGid: string[]; entry: number[] }

/**
 * Groups the {children} entries by parent. The union of entries naming the same parent excludes
 * a gid only when every one of them excludes it (the intersection), so each parent is one row and
 * the children part yields each asset once.
 */
export function childrenArrays(entries: SelectionEntry[]): ChildrenArrays {
  const out: ChildrenArrays = { parents: [], exOrd: [], exGid: [], entry: [] };
  const slot = new Map<string, number>(); // parent -> its position in out.parents
  const excludes: (readonly string[] | Set<string>)[] = []; // a Set only once a parent repeats
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.kind !== 'children') continue;
    const k = slot.get(e.parent);
    if (k === undefined) {
      slot.set(e.parent, out.parents.length);
      out.parents.push(e.parent);
      out.entry.push(i);
      excludes.push(e.exclude);
    } else {
      const ex = new Set(e.exclude);
      excludes[k] = new Set([...excludes[k]].filter((g) => ex.has(g)));
    }
  }
  excludes.forEach((ex, k) => { for (const g of ex) { out.exOrd.push(k + 1); out.exGid.push(g); } });
  return out;
}

function excludeSql(e: { exclude: string[] }, p: Params): string {
  return e.exclude.length ? ` AND a.gid <> ALL(${p.add(e.exclude)}::uuid[])` : '';
}

const NO_PROBLEM = 'NULL::int AS invalid_entry, NULL::boolean AS invalid_is_file';

function parts(actor: Actor, sel: Selection, opts: PartOptions, p: Params, ch = childrenArrays(sel.entries)): string[] {
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
    out.push(`SELECT a.id AS asset_id, g.gid, ${NO_PROBLEM} FROM unnest(${p.add(arrayLiteral([...new Set(gids)]))}::uuid[]) AS g(gid)
      LEFT JOIN assets a ON a.gid = g.gid AND a.project_id = ${project}${cond}${order}`);
  }
  if (resolvedDone) return out;

  if (ch.parents.length) {
    const exclude = (gid: string) => ch.exOrd.length
      ? ` AND NOT EXISTS (SELECT 1 FROM unnest(${p.add(arrayLiteral(ch.exOrd))}::bigint[], ${p.add(arrayLiteral(ch.exGid))}::uuid[]) AS x(o, gid) WHERE x.o = c.o AND x.gid = ${gid})`
      : '';
    const parents = `unnest(${p.add(arrayLiteral(ch.parents))}::uuid[]) WITH ORDINALITY AS c(parent, o)`;
    if (limit === undefined && !ch.exOrd.length) {
      // Resolve and check in one pass: each entry joins its target's live children (left join, so
      // an entry with none yields one row with a.parent_id NULL); only such rows probe the target
      // (t) to tell an empty folder (dropped) from a target that is missing or a file (reported).
      // A count needs no column of the children but parent_id: the plan can read an index alone.
      out.push(`SELECT a.id AS asset_id, CASE WHEN a.parent_id IS NULL THEN c.parent ELSE a.gid END AS gid,
        CASE WHEN a.parent_id IS NULL THEN c.o::int END AS invalid_entry, CASE WHEN a.parent_id IS NULL THEN t.id IS NOT NULL END AS invalid_is_file
      FROM ${parents}
      LEFT JOIN (assets f JOIN assets a ON a.parent_id = f.id${live}) ON f.gid = c.parent AND f.project_id = ${project}
      LEFT JOIN LATERAL (SELECT t.id, t.is_file FROM assets t
        WHERE a.parent_id IS NULL AND t.gid = c.parent AND t.project_id = ${project} OFFSET 0) t ON true
      WHERE a.parent_id IS NOT NULL OR t.id IS NULL OR t.is_file`);
    } else if (limit === undefined) {
      // With excludes every child's gid is read anyway: each entry joins its target (f, left: a
      // missing or file target is reported), then the target's live children, then the hashed
      // anti-join on the (entry, gid) exclude pairs. An empty folder yields no row.
      out.push(`SELECT a.id AS asset_id, CASE WHEN a.id IS NULL THEN c.parent ELSE a.gid END AS gid,
        CASE WHEN a.id IS NULL THEN c.o::int END AS invalid_entry, CASE WHEN a.id IS NULL THEN f.id IS NOT NULL END AS invalid_is_file
      FROM ${parents}
      LEFT JOIN assets f ON f.gid = c.parent AND f.project_id = ${project}
      LEFT JOIN assets a ON a.parent_id = f.id${live}
      WHERE (a.id IS NOT NULL OR f.id IS NULL OR f.is_file)${exclude('a.gid')}`);
    } else {
      // paging: each parent contributes at most `limit` children past the key, read in the
      // order of the assets_parent_id index (parent_id, id)
      out.push(`SELECT a.asset_id, a.gid, ${NO_PROBLEM} FROM ${parents}
      JOIN assets f ON f.gid = c.parent AND f.project_id = ${project}
      CROSS JOIN LATERAL (SELECT a.id AS asset_id, a.gid FROM assets a
        WHERE a.parent_id = f.id${live}${exclude('a.gid')}${resolvedAfter}
        ORDER BY a.parent_id, a.id LIMIT ${limit}) a`);
    }
  }

  for (const e of sel.entries) {
    if (e.kind !== 'search') continue;
    const s = searchSql(e.search, p);
    const tail = limit !== undefined ? ` ORDER BY a.id LIMIT ${limit}` : '';
    out.push(`SELECT a.id AS asset_id, a.gid, ${NO_PROBLEM} FROM assets a ${s.join}
      WHERE a.project_id = ${project}${live} AND ${s.where}${excludeSql(e, p)}${resolvedAfter}${tail}`);
  }
  return out;
}

const EMPTY = `SELECT NULL::bigint AS asset_id, NULL::uuid AS gid, ${NO_PROBLEM} WHERE false`;

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

function childrenError(index: number, found: boolean, children: string): Error {
  const reason = found ? 'children of a file (not a folder)' : 'children of an asset that does not exist';
  return selectionError(`selection entry ${index}: ${reason}`, { index, reason, children });
}

/**
 * The selectionError (422/1006) naming the entry for the first invalid {children} target a
 * resolve reported: `o` is the row's invalid_entry (ordinal of the parent in childrenArrays).
 */
export function invalidEntryError(sel: Selection, o: number, isFile: boolean): Error {
  const ch = childrenArrays(sel.entries);
  return childrenError(ch.entry[o - 1], isFile, ch.parents[o - 1]);
}

/**
 * The count statement of countSelection: rows (n, u, bad, bad_file). n counts the resolved assets
 * plus the unresolved gids (u); u is only computed when there are gid entries, so that a
 * selection of {children} and {search} entries never needs the resolved assets' ids (the plan
 * can then count the children from an index alone).
 */
export function countSelectionSql(actor: Actor, sel: Selection, opts: SelectionSqlOptions): { sql: string; params: unknown[] } {
  const s = selectionSql(actor, sel, opts);
  const u = sel.entries.some((e) => e.kind === 'gid') ? 'count(*) FILTER (WHERE s.invalid_entry IS NULL AND s.asset_id IS NULL)' : '0';
  return {
    sql: `SELECT count(*) FILTER (WHERE s.invalid_entry IS NULL) AS n, ${u} AS u, min(s.invalid_entry) AS bad,
            (array_agg(s.invalid_is_file ORDER BY s.invalid_entry) FILTER (WHERE s.invalid_entry IS NOT NULL))[1] AS bad_file
     FROM (${s.sql}) s`,
    params: s.params,
  };
}

/** The result of countSelectionSql: the totals, or the selectionError naming the first invalid {children} entry. */
export function countResult(sel: Selection, r: { n: string | number; u: string | number; bad: number | null; bad_file: boolean | null }): { resolved: number; unresolved: number } {
  if (r.bad !== null) throw invalidEntryError(sel, r.bad, r.bad_file === true);
  return { resolved: Number(r.n) - Number(r.u), unresolved: Number(r.u) };
}

/**
 * Resolves and checks a selection in one statement: the number of assets it resolves to and of
 * gid entries that resolve to nothing; throws selectionError naming the first {children} entry
 * whose target is not a folder of the project.
 */
export async function countSelection(db: Db, actor: Actor, sel: Selection, opts: SelectionSqlOptions): Promise<{ resolved: number; unresolved: number }> {
  const s = countSelectionSql(actor, sel, opts);
  const { rows: [r] } = await db.query(s.sql, s.params);
  return countResult(sel, r);
}

/**
 * Checks, without resolving, what parseSelection cannot: every {children} entry names an asset
 * of the project that is a folder (a job's request: the worker resolves later). Throws
 * selectionError (422/1006) naming the entry. Resolving callers use countSelection (one statement).
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
  throw childrenError(idx[rows[0].o - 1], rows[0].found, gids[rows[0].o - 1]);
}

/** The statements of this module as reviewed artifacts (src/db/queries/selection-*.sql). */
export interface SelectionStatementParams { projectId: number; selection: unknown[]; trashed: 'exclude' | 'include'; after?: SelectionKey; limit?: number }
const SAMPLE_SELECTION = [
  '6f1c2a8e-0000-4000-8000-00000000000a', '6f1c2a8e-0000-4000-8000-00000000000b',
  { children: '6f1c2a8e-0000-4000-8000-0000000000f1', exclude: ['6f1c2a8e-0000-4000-8000-00000000000c'] },
  { children: '6f1c2a8e-0000-4000-8000-0000000000f2' },
  { search: { language: 'en', q: 'harbour -night' } },
];
export const resolveSelection = defineStatement<SelectionStatementParams, { asset_id: number | null; gid: string; invalid_entry: number | null; invalid_is_file: boolean | null }>({
  name: 'selection-resolve',
  summary: 'a selection as one statement of distinct (asset_id, gid) rows (what a bulk job materialises), with its invalid {children} entries',
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
