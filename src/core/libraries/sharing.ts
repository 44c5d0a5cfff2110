// Sharing a library with other members of its project, each with a role (viewer, downloader,
// contributor, manager; stored as given). The owner and managers share, change roles, unshare and
// revoke all shares; any sharee may leave (unshare themselves). Every change writes an UPDATE 'libraries' event for the library.
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { invalid, notFound } from '../errors.ts';
import { normalizeId } from '../ids.ts';
import { loadLibrary, requireAccess, SHARE_ROLES, type ShareRole, type UserRef } from './access.ts';

export interface Share { user: UserRef; role: ShareRole; sharedBy: UserRef | null; created: Date }

const SHARE_COLS = `json_build_object('gid', u.gid, 'email', u.email, 'name', u.name) AS user, s.role,
  CASE WHEN b.id IS NULL THEN NULL ELSE json_build_object('gid', b.gid, 'email', b.email, 'name', b.name) END AS "sharedBy",
  s.created_on AS created`;

/**
 * Shares the library with a member of the project (or changes their role). The user must be a
 * member of the library's project and not its owner; otherwise `invalid` (field user).
 */
export async function shareLibrary(db: Db, actor: Actor, libraryGid: unknown, userGid: unknown, role: unknown): Promise<Share> {
  const lib = await loadLibrary(db, actor, libraryGid);
  requireAccess(actor, lib, 'library.share', 'sharing a library');
  if (typeof role !== 'string' || !SHARE_ROLES.includes(role as ShareRole)) {
    throw invalid(`role must be one of ${SHARE_ROLES.join(', ')}`, { field: 'role', value: role });
  }
  const user = normalizeId(userGid);
  if (!user) throw invalid('user must be a user id (uuid)', { field: 'user', value: userGid });
  if (user === lib.owner.gid) throw invalid('the owner of a library cannot be given a share of it', { field: 'user', reason: 'owner' });
  const { rows } = await db.query(
    `WITH target AS (
       SELECT us.id FROM users us JOIN memberships m ON m.user_id = us.id AND m.project_id = $2
       WHERE us.gid = $3::uuid),
     up AS (
       INSERT INTO library_shares(library_id, user_id, role, shared_by)
       SELECT $1, target.id, $4, $5 FROM target
       ON CONFLICT (library_id, user_id) DO UPDATE SET role = EXCLUDED.role, shared_by = EXCLUDED.shared_by
       RETURNING user_id, role, shared_by, created_on)
     SELECT ${SHARE_COLS}, emit_changes($2, 'UPDATE', 'libraries', ARRAY[$6::text]) AS cursor
     FROM up s JOIN users u ON u.id = s.user_id LEFT JOIN users b ON b.id = s.shared_by`,
    [lib.id, lib.projectId, user, role, actor.userId, lib.gid]);
  if (!rows[0]) throw invalid('the user is not a member of the library\'s project', { field: 'user', reason: 'not_a_member', value: userGid });
  const { cursor: _c, ...share } = rows[0];
  return share as Share;
}

/** The shares of a library (anyone with access may read them), by the sharee's email. */
export async function listShares(db: Db, actor: Actor, libraryGid: unknown): Promise<Share[]> {
  const lib = await loadLibrary(db, actor, libraryGid);
  const { rows } = await db.query(
    `SELECT ${SHARE_COLS} FROM library_shares s JOIN users u ON u.id = s.user_id LEFT JOIN users b ON b.id = s.shared_by
     WHERE s.library_id = $1 ORDER BY lower(u.email), u.id`, [lib.id]);
  return rows;
}

/** Removes a user's share: the owner and managers, or the sharee themselves. Not shared: not_found. */
export async function unshareLibrary(db: Db, actor: Actor, libraryGid: unknown, userGid: unknown): Promise<void> {
  const lib = await loadLibrary(db, actor, libraryGid);
  const user = normalizeId(userGid);
  if (!user) throw invalid('user must be a user id (uuid)', { field: 'user', value: userGid });
  if (user !== actor.userGid) requireAccess(actor, lib, 'library.share', 'unsharing a library');
  const { rows } = await db.query(
    `WITH d AS (
       DELETE FROM library_shares s USING users u
       WHERE s.library_id = $1 AND s.user_id = u.id AND u.gid = $2::uuid RETURNING s.user_id)
     SELECT emit_changes($3, 'UPDATE', 'libraries', ARRAY[$4::text]) FROM d`, [lib.id, user, lib.projectId, lib.gid]);
  if (!rows[0]) throw notFound('the library is not shared with this user', { library: lib.gid, user: userGid, reason: 'not_shared' });
}

/**
 * Revokes every share of the library (the managers' own included): the owner and managers only,
 * also when the caller is the only sharee. Returns the number of shares removed.
 */
export async function revokeAllShares(db: Db, actor: Actor, libraryGid: unknown): Promise<number> {
  const lib = await loadLibrary(db, actor, libraryGid);
  requireAccess(actor, lib, 'library.share', 'revoking all shares of a library');
  const { rows } = await db.query(
    `WITH d AS (DELETE FROM library_shares WHERE library_id = $1 RETURNING 1)
     SELECT (SELECT count(*) FROM d)::int AS n,
            CASE WHEN EXISTS (SELECT 1 FROM d) THEN emit_changes($2, 'UPDATE', 'libraries', ARRAY[$3::text]) END AS cursor`,
    [lib.id, lib.projectId, lib.gid]);
  return rows[0].n;
}
