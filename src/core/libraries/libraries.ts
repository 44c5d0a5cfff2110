// Libraries: create, read, list, update, trash and restore. See docs/libraries.md.
// Feed events (data_type 'libraries', key = library gid): create INSERT, update UPDATE,
// trash DELETE, restore INSERT; share changes UPDATE (sharing.ts).
import type { Db } from '../../db/pool.ts';
import { defineStatement, run } from '../../db/statement.ts';
import type { Actor } from '../keys.ts';
import { invalid, notFound } from '../errors.ts';
import { requirePermission } from '../access.ts';
import { loadLibrary, librarySelect, libraryJoins, requireAccess, effectiveAccess, type Library } from './access.ts';

export const MAX_NAME = 1000;
export const MAX_DESCRIPTION = 10_000;
export const MAX_PAGE = 1000;

export interface LibraryInput { name?: unknown; description?: unknown; allowCopy?: unknown; isAd?: unknown }

function text(v: unknown, field: string, max: number, required: boolean): string | undefined {
  if (v === undefined || v === null) {
    if (required) throw invalid(`${field} is required`, { field });
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(`${field} must be a string`, { field });
  const s = v.trim();
  if (required && s === '') throw invalid(`${field} must not be empty`, { field });
  if (s.includes('\u0000')) throw invalid(`${field} must not contain NUL characters`, { field });
  if (s.length > max) throw invalid(`${field} is longer than ${max} characters`, { field });
  return s;
}

function bool(v: unknown, field: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(`${field} must be a boolean`, { field });
  return v;
}

/** Creates a library owned by the caller in the caller's project. Project viewers cannot. */
export async function createLibrary(db: Db, actor: Actor, input: LibraryInput): Promise<Library> {
  requirePermission(actor, 'library.create');
  const name = text(input.name, 'name', MAX_NAME, true)!;
  const description = text(input.description, 'description', MAX_DESCRIPTION, false) ?? '';
  const allowCopy = bool(input.allowCopy, 'allowCopy') ?? false;
  const isAd = bool(input.isAd, 'isAd') ?? false;
  const [row] = await run(db, insertLibrary, { projectId: actor.projectId, userId: actor.userId, name, description, allowCopy, isAd });
  return getLibrary(db, actor, row.gid);
}

/** A library visible to the caller, with their access and its live member count. */
export async function getLibrary(db: Db, actor: Actor, gid: unknown): Promise<Library> {
  return loadLibrary(db, actor, gid, { withCount: true });
}

export type LibraryOrder = 'created' | '-created' | 'name' | '-name' | 'modified' | '-modified';
const ORDERS: Record<LibraryOrder, string> = {
  created: 'l.created ASC, l.id ASC',
  '-created': 'l.created DESC, l.id DESC',
  name: 'lower(l.name) ASC, l.id ASC',
  '-name': 'lower(l.name) DESC, l.id DESC',
  modified: 'l.modified ASC, l.id ASC',
  '-modified': 'l.modified DESC, l.id DESC',
};
export const LIBRARY_ORDERS = Object.keys(ORDERS) as LibraryOrder[];

export interface ListLibrariesOptions {
  offset?: number;
  limit?: number;
  /** case-insensitive substring of the name */
  search?: string;
  order?: LibraryOrder;
  /** owner: the caller's own; shared: shared with the caller; default both */
  type?: 'owner' | 'shared';
  /** also the caller's own libraries in the trash (never others': sharees lose access) */
  includeDeleted?: boolean;
  /** only libraries created after this instant */
  createdAfter?: Date;
}

export interface LibraryList { items: Library[]; total: number; totalOwned: number; totalShared: number }

/**
 * The libraries the caller owns or that are shared with them, in the caller's project.
 * total counts the filtered set (all pages); totalOwned/totalShared split the set before the type filter.
 */
export async function listLibraries(db: Db, actor: Actor, opts: ListLibrariesOptions = {}): Promise<LibraryList> {
  const offset = opts.offset ?? 0;
  const limit = opts.limit ?? 50;
  if (!Number.isInteger(offset) || offset < 0) throw invalid('offset must be a non-negative integer', { field: 'offset' });
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw invalid(`limit must be an integer from 1 to ${MAX_PAGE}`, { field: 'limit' });
  const order = opts.order ?? 'created';
  if (!(order in ORDERS)) throw invalid(`order must be one of ${LIBRARY_ORDERS.join(', ')}`, { field: 'order' });
  if (opts.createdAfter !== undefined && !(opts.createdAfter instanceof Date && Number.isFinite(opts.createdAfter.getTime()))) {
    throw invalid('createdAfter must be a valid date', { field: 'createdAfter' });
  }
  if (opts.type !== undefined && opts.type !== 'owner' && opts.type !== 'shared') throw invalid('type must be owner or shared', { field: 'type' });
  const search = opts.search ? `%${opts.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const { rows } = await db.query(
    `WITH vis AS (
       SELECT l.id, (l.owner_id = $2) AS owned
       FROM libraries l LEFT JOIN library_shares s ON s.library_id = l.id AND s.user_id = $2
       WHERE l.project_id = $1 AND (l.owner_id = $2 OR s.user_id IS NOT NULL)
         AND (l.deleted_on IS NULL OR ($3 AND l.owner_id = $2))
         AND ($4::text IS NULL OR l.name ILIKE $4)
         AND ($8::timestamptz IS NULL OR l.created > $8)),
     sel AS (SELECT * FROM vis WHERE $5::text IS NULL OR owned = ($5 = 'owner')),
     counts AS (
       SELECT (SELECT count(*) FROM sel)::int AS total,
              count(*) FILTER (WHERE owned)::int AS owned, count(*) FILTER (WHERE NOT owned)::int AS shared
       FROM vis)
     SELECT counts.total, counts.owned, counts.shared, page.lib
     FROM counts LEFT JOIN LATERAL (
       SELECT row_to_json(x) AS lib FROM (
         SELECT ${librarySelect(true, '$2')}
         FROM sel JOIN libraries l ON l.id = sel.id ${libraryJoins('$2')}
         ORDER BY ${ORDERS[order]} OFFSET $6 LIMIT $7) x) page ON true`,
    [actor.projectId, actor.userId, Boolean(opts.includeDeleted), search, opts.type ?? null, offset, limit, opts.createdAfter ?? null]);
  const items: Library[] = [];
  for (const r of rows) {
    if (!r.lib) continue;
    const l = r.lib;
    items.push({
      ...l,
      created: new Date(l.created), modified: new Date(l.modified), deletedOn: l.deletedOn ? new Date(l.deletedOn) : null,
      access: effectiveAccess(actor, l.role)!,
    });
  }
  return { items, total: rows[0].total, totalOwned: rows[0].owned, totalShared: rows[0].shared };
}

/** Renames or edits a library: managers and the owner. Returns the library as updated. */
export async function updateLibrary(db: Db, actor: Actor, gid: unknown, input: LibraryInput): Promise<Library> {
  const lib = await loadLibrary(db, actor, gid);
  requireAccess(actor, lib, 'library.edit', 'updating a library');
  const name = text(input.name, 'name', MAX_NAME, input.name !== undefined);
  const description = text(input.description, 'description', MAX_DESCRIPTION, false);
  const allowCopy = bool(input.allowCopy, 'allowCopy');
  const isAd = bool(input.isAd, 'isAd');
  await run(db, updateLibraryRow, { id: lib.id, name: name ?? null, description: description ?? null, allowCopy: allowCopy ?? null, isAd: isAd ?? null, userId: actor.userId });
  return getLibrary(db, actor, lib.gid);
}

/**
 * Moves a library to the trash: owner only. Sharees lose access; it answers not_found from now on.
 * The owner trashing it again gets not_found with reason `in_trash` (and the library's name).
 */
export async function trashLibrary(db: Db, actor: Actor, gid: unknown): Promise<void> {
  const lib = await loadLibrary(db, actor, gid, { trashed: true });
  if (lib.deletedOn) throw notFound('the library is already in the trash', { library: lib.gid, name: lib.name, reason: 'in_trash' });
  requireAccess(actor, lib, 'library.trash', 'trashing a library');
  await run(db, trashLibraryRow, { id: lib.id, userId: actor.userId, restore: false });
}

/** Restores a trashed library: owner only. A library that is not in the trash is returned as it is. */
export async function restoreLibrary(db: Db, actor: Actor, gid: unknown): Promise<Library> {
  const lib = await loadLibrary(db, actor, gid, { trashed: true });
  requireAccess(actor, lib, 'library.trash', 'restoring a library');
  if (lib.deletedOn) {
    await run(db, trashLibraryRow, { id: lib.id, userId: actor.userId, restore: true });
  }
  return getLibrary(db, actor, lib.gid);
}

// The library writes as reviewed artifacts (src/db/queries/library-*.sql); each emits its event in
// the same statement.
export const insertLibrary = defineStatement<{ projectId: number; userId: number; name: string; description: string; allowCopy: boolean; isAd: boolean }, { gid: string }>({
  name: 'library-insert',
  summary: 'create a library owned by the caller, with its INSERT event',
  render: (p) => ({
    text: `WITH ins AS (
       INSERT INTO libraries(project_id, owner_id, name, description, allow_copy, is_ad, modified_by)
       VALUES ($1, $2, $3, $4, $5, $6, $2) RETURNING id, gid, project_id)
     SELECT ins.gid::text AS gid, emit_changes(ins.project_id, 'INSERT', 'libraries', ARRAY[ins.gid::text]) FROM ins`,
    values: [p.projectId, p.userId, p.name, p.description, p.allowCopy, p.isAd],
  }),
  samples: [{ label: 'a library', params: { projectId: 1, userId: 2, name: 'Harbour', description: '', allowCopy: false, isAd: false } }],
});

export const updateLibraryRow = defineStatement<{ id: number; name: string | null; description: string | null; allowCopy: boolean | null; isAd: boolean | null; userId: number }, { emit_changes: number }>({
  name: 'library-update',
  summary: "edit a live library's fields (null: unchanged), with its UPDATE event",
  render: (p) => ({
    text: `WITH u AS (
       UPDATE libraries SET name = coalesce($2, name), description = coalesce($3, description),
              allow_copy = coalesce($4, allow_copy), is_ad = coalesce($5, is_ad),
              modified = now(), modified_by = $6
       WHERE id = $1 AND deleted_on IS NULL RETURNING gid, project_id)
     SELECT emit_changes(u.project_id, 'UPDATE', 'libraries', ARRAY[u.gid::text]) FROM u`,
    values: [p.id, p.name, p.description, p.allowCopy, p.isAd, p.userId],
  }),
  samples: [{ label: 'a rename', params: { id: 7, name: 'Harbour at night', description: null, allowCopy: null, isAd: null, userId: 2 } }],
});

export const trashLibraryRow = defineStatement<{ id: number; userId: number; restore: boolean }, { emit_changes: number }>({
  name: 'library-trash',
  summary: 'move a library to the trash (DELETE event) or restore it (INSERT event)',
  render: (p) => ({
    text: `WITH u AS (
       UPDATE libraries SET deleted_on = ${p.restore ? 'NULL' : 'now()'}, modified = now(), modified_by = $2
       WHERE id = $1 AND deleted_on IS ${p.restore ? 'NOT NULL' : 'NULL'} RETURNING gid, project_id)
     SELECT emit_changes(u.project_id, '${p.restore ? 'INSERT' : 'DELETE'}', 'libraries', ARRAY[u.gid::text]) FROM u`,
    values: [p.id, p.userId],
  }),
  samples: [{ label: 'trash', params: { id: 7, userId: 2, restore: false } }, { label: 'restore', params: { id: 7, userId: 2, restore: true } }],
});
