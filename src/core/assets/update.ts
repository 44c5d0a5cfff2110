// Updating an asset: name (a rename rewrites the pathname of the whole subtree in one statement),
// title and description (merged per language), transforms.
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { conflict, invalid, isUniqueViolation, notFound, rule } from '../errors.ts';
import { lockTree, requireWrite, upper } from './common.ts';
import { checkName } from './names.ts';
import { mediaChanged } from '../media/cache.ts';

export interface AssetUpdate { name?: unknown; title?: unknown; description?: unknown; transforms?: unknown }

const LANG = /^[A-Za-z0-9_-]{1,35}$/;

/** {lang: string | null}: null removes the language. */
function checkLocalized(raw: unknown, field: string): Record<string, string | null> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(`${field} must be an object {language: text}`, { field });
  for (const [k, v] of Object.entries(raw)) {
    if (!LANG.test(k)) throw invalid(`${field} has an invalid language key`, { field, language: k });
    if (v !== null && typeof v !== 'string') throw invalid(`${field}.${k} must be a string or null`, { field, language: k });
    if (typeof v === 'string' && v.length > 100_000) throw invalid(`${field}.${k} is too long`, { field, language: k });
    if (typeof v === 'string' && v.includes('\u0000')) throw invalid(`${field}.${k} must not contain NUL`, { field, language: k });
  }
  return raw as Record<string, string | null>;
}

/**
 * $1 project, $2 id, $3 new name (NULL: unchanged), $4 title patch, $5 description patch,
 * $6 set transforms?, $7 transforms. One statement: the asset's fields, and on a rename the
 * pathname of every row of its subtree (trashed rows included). Events: UPDATE per changed row.
 */
export const UPDATE_SQL = `
WITH r AS (SELECT id, path, pathname, name FROM assets WHERE id = $2 AND project_id = $1),
nn AS (SELECT r.*, coalesce($3, r.name) AS new_name,
              left(r.pathname, length(r.pathname) - length(r.name)) || coalesce($3, r.name) AS new_pathname FROM r),
upd AS (
  UPDATE assets a SET
    name = CASE WHEN a.id = nn.id THEN nn.new_name ELSE a.name END,
    pathname = nn.new_pathname || substr(a.pathname, length(nn.pathname) + 1),
    title = CASE WHEN a.id = nn.id THEN jsonb_strip_nulls(a.title || coalesce($4::jsonb, '{}')) ELSE a.title END,
    description = CASE WHEN a.id = nn.id THEN jsonb_strip_nulls(a.description || coalesce($5::jsonb, '{}')) ELSE a.description END,
    transforms = CASE WHEN a.id = nn.id AND $6::boolean THEN $7::jsonb ELSE a.transforms END,
    updated_on = now()
  FROM nn
  WHERE a.path >= nn.path AND a.path < ${upper('nn.path')} AND (a.id = nn.id OR nn.new_name <> nn.name)
  RETURNING a.gid)
SELECT (SELECT count(*) FROM upd) AS n, (SELECT emit_changes($1, 'UPDATE', 'assets', (SELECT array_agg(gid::text) FROM upd))) AS c`;

export async function updateAsset(tx: Db, actor: Actor, id: number, u: AssetUpdate): Promise<void> {
  requireWrite(actor);
  const has = (v: unknown) => v !== undefined;
  if (!has(u.name) && !has(u.title) && !has(u.description) && !has(u.transforms)) {
    throw invalid('send at least one of name, title, description, transforms');
  }
  const name = has(u.name) ? checkName(u.name) : null;
  const title = has(u.title) ? checkLocalized(u.title, 'title') : null;
  const description = has(u.description) ? checkLocalized(u.description, 'description') : null;
  if (has(u.transforms) && u.transforms !== null && (typeof u.transforms !== 'object' || Array.isArray(u.transforms))) {
    throw invalid('transforms must be an object or null', { field: 'transforms' });
  }
  // PostgreSQL's jsonb holds no NUL character
  if (has(u.transforms) && JSON.stringify(u.transforms).includes('\\u0000')) throw invalid('transforms must not contain NUL', { field: 'transforms' });
  // a rename rewrites the subtree's pathnames: exclusive; text-only updates: shared
  await lockTree(tx, actor.projectId, name === null ? 'shared' : 'exclusive');
  const { rows: [a] } = await tx.query('SELECT parent_id, name, deleted_on FROM assets WHERE id = $1 AND project_id = $2', [id, actor.projectId]);
  if (!a) throw notFound('the asset does not exist');
  if (a.parent_id === null) throw rule('the root folder cannot be updated', { reason: 'is_root' });
  if (a.deleted_on !== null) throw rule('the asset is deleted: undelete it first', { reason: 'deleted' });
  if (name !== null && name !== a.name) {
    const { rows } = await tx.query('SELECT 1 FROM assets WHERE parent_id = $1 AND name = $2 AND deleted_on IS NULL', [a.parent_id, name]);
    if (rows.length) throw conflict('a live asset with this name already exists in the folder', { name, reason: 'name_conflict' });
  }
  try {
    await tx.query(UPDATE_SQL, [actor.projectId, id, name, title && JSON.stringify(title), description && JSON.stringify(description),
      has(u.transforms), has(u.transforms) ? JSON.stringify(u.transforms) : null]);
    // a rendition's default file name is the asset's: cached dam/transform answers go once this commits
    if (name !== null && name !== a.name) mediaChanged(tx);
  } catch (err) {
    if (isUniqueViolation(err, 'assets_live_sibling_name')) throw conflict('a live asset with this name already exists in the folder', { name, reason: 'name_conflict' });
    throw err;
  }
}
