// Sharing a library with other members of its project, each with a role (viewer, downloader,
// contributor, manager; stored as given). The owner and managers share, change roles, unshare and
// revoke all shares; any sharee may leave (unshare themselves). Every change writes an UPDATE 'libraries' event for the library.
import type pg from 'pg';
import { withTx, type Db } from '../../db/pool.ts';
import { defineStatement, run } from '../../db/statement.ts';
import type { Actor } from '../keys.ts';
import { invalid, notFound } from '../errors.ts';
import { normalizeId } from '../ids.ts';
import { loadLibrary, requireAccess, SHARE_ROLES, type Library, type ShareRole, type UserRef } from './access.ts';
import { getLibrary } from './libraries.ts';

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

/** A library and its shares in one call (Oracle's Get Shares answers both): one read of the library. */
export async function libraryShares(db: Db, actor: Actor, libraryGid: unknown): Promise<{ library: Library; shares: Share[] }> {
  const library = await getLibrary(db, actor, libraryGid);
  return { library, shares: await listShares(db, actor, library.gid) };
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

/** The most users one share request names. */
export const MAX_SHARE_USERS = 1000;

/** A user named by a request: a user gid, or a login name (email). */
interface ResolvedUser { token: string; userId: number | null; gid: string | null; member: boolean; current: ShareRole | null }

function userTokens(raw: readonly string[]): string[] {
  const tokens = [...new Set(raw.map((t) => String(t).trim()).filter((t) => t !== ''))];
  if (tokens.length === 0) throw invalid('name at least one user', { field: 'user', reason: 'missing' });
  if (tokens.length > MAX_SHARE_USERS) throw invalid(`at most ${MAX_SHARE_USERS} users per request`, { field: 'user', reason: 'too_many', limit: MAX_SHARE_USERS });
  return tokens;
}

/** Resolves the users of a request in one statement, in order: their id, membership of the project and current share. */
async function resolveUsers(db: Db, lib: { id: number; projectId: number }, tokens: string[]): Promise<ResolvedUser[]> {
  const gids = tokens.map((t) => normalizeId(t) ?? null);
  const emails = tokens.map((t, i) => (gids[i] === null && t.includes('@') ? t : null));
  const rows = await run(db, shareUsers, { gids, emails, projectId: lib.projectId, libraryId: lib.id });
  return rows.map((r, i) => ({ token: tokens[i], userId: r.userId, gid: r.gid, member: r.member, current: r.current }));
}

/** The first user of the request that cannot take part (in request order), as the error to throw. */
function userProblem(users: ResolvedUser[], ownerGid: string, existingOnly: boolean): Error | undefined {
  for (const u of users) {
    if (u.userId === null) return invalid(`"${u.token}" is neither a user id nor the login name of a user`, { field: 'user', token: u.token, reason: 'unknown_user' });
    if (u.gid === ownerGid) return invalid('the owner of a library cannot be given a share of it', { field: 'user', token: u.token, reason: 'owner' });
    if (!u.member) return invalid('the user is not a member of the library\'s project', { field: 'user', token: u.token, reason: 'not_a_member' });
    if (existingOnly && !u.current) return notFound(`the library is not shared with "${u.token}"`, { field: 'user', token: u.token, reason: 'not_shared' });
  }
  return undefined;
}

/**
 * Shares the library with several users at once (all or nothing), or, with existingOnly, changes
 * the role of existing shares. Users are named by gid or login name. One transaction: one statement
 * resolves every user, one upserts every share, one event for the library. Returns the shares in
 * request order.
 */
export async function shareWithUsers(pool: pg.Pool, actor: Actor, libraryGid: unknown, rawUsers: readonly string[], role: unknown, opts: { existingOnly?: boolean } = {}): Promise<Share[]> {
  const tokens = userTokens(rawUsers);
  if (typeof role !== 'string' || !SHARE_ROLES.includes(role as ShareRole)) {
    throw invalid(`role must be one of ${SHARE_ROLES.join(', ')}`, { field: 'role', value: role });
  }
  return withTx(pool, async (tx) => {
    const lib = await loadLibrary(tx, actor, libraryGid);
    requireAccess(actor, lib, 'library.share', 'sharing a library');
    const users = await resolveUsers(tx, lib, tokens);
    const problem = userProblem(users, lib.owner.gid, Boolean(opts.existingOnly));
    if (problem) throw problem;
    const rows = await run(tx, upsertShares, { libraryId: lib.id, userIds: users.map((u) => u.userId!), role: role as ShareRole, by: actor.userId });
    await tx.query(`SELECT emit_changes($1, 'UPDATE', 'libraries', ARRAY[$2::text])`, [lib.projectId, lib.gid]);
    const byUser = new Map(rows.map(({ user_id, ...share }) => [Number(user_id), share as Share]));
    return users.map((u) => byUser.get(u.userId!)!);
  });
}

/** Removes the shares of several users at once (all or nothing: each must have one). Returns the removed shares in request order. */
export async function unshareUsers(pool: pg.Pool, actor: Actor, libraryGid: unknown, rawUsers: readonly string[]): Promise<Share[]> {
  const tokens = userTokens(rawUsers);
  return withTx(pool, async (tx) => {
    const lib = await loadLibrary(tx, actor, libraryGid);
    requireAccess(actor, lib, 'library.share', 'unsharing a library');
    const users = await resolveUsers(tx, lib, tokens);
    const missing = users.find((u) => u.userId === null || !u.current);
    if (missing) throw notFound(`the library is not shared with "${missing.token}"`, { field: 'user', token: missing.token, reason: 'not_shared' });
    const { rows } = await tx.query(
      `WITH d AS (DELETE FROM library_shares WHERE library_id = $1 AND user_id = ANY($2::bigint[])
                  RETURNING user_id, role, shared_by, created_on)
       SELECT s.user_id, ${SHARE_COLS} FROM d s JOIN users u ON u.id = s.user_id LEFT JOIN users b ON b.id = s.shared_by`,
      [lib.id, users.map((u) => u.userId)]);
    await tx.query(`SELECT emit_changes($1, 'UPDATE', 'libraries', ARRAY[$2::text])`, [lib.projectId, lib.gid]);
    const byUser = new Map(rows.map(({ user_id, ...share }) => [Number(user_id), share as Share]));
    return users.map((u) => byUser.get(u.userId!)!);
  });
}

// The set-based share statements as reviewed artifacts (src/db/queries/library-share-*.sql).
export const shareUsers = defineStatement<{ gids: (string | null)[]; emails: (string | null)[]; projectId: number; libraryId: number },
  { o: number; userId: number | null; gid: string | null; member: boolean; current: ShareRole | null }>({
  name: 'library-share-users',
  summary: 'resolve the users of a share request (by gid or login name) in order: id, project membership, current share',
  render: (p) => ({
    text: `SELECT x.o, u.id AS "userId", u.gid::text AS gid, (m.user_id IS NOT NULL) AS member, s.role AS current
     FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS x(gid, email, o)
     LEFT JOIN LATERAL (SELECT us.id, us.gid FROM users us
                        WHERE (x.gid IS NOT NULL AND us.gid = x.gid) OR (x.email IS NOT NULL AND lower(us.email) = lower(x.email))
                        LIMIT 1) u ON true
     LEFT JOIN memberships m ON m.project_id = $3 AND m.user_id = u.id
     LEFT JOIN library_shares s ON s.library_id = $4 AND s.user_id = u.id
     ORDER BY x.o`,
    values: [p.gids, p.emails, p.projectId, p.libraryId],
  }),
  samples: [{ label: 'a gid and a login name', params: { gids: ['6f1c2a8e-0000-4000-8000-0000000000c1', null], emails: [null, 'ann@example.com'], projectId: 1, libraryId: 7 } }],
});

export const upsertShares = defineStatement<{ libraryId: number; userIds: number[]; role: ShareRole; by: number }, Share & { user_id: number }>({
  name: 'library-share-upsert',
  summary: 'share a library with many users at once (insert or change the role), answering the shares',
  render: (p) => ({
    text: `WITH up AS (
         INSERT INTO library_shares(library_id, user_id, role, shared_by)
         SELECT $1, x.id, $3, $4 FROM unnest($2::bigint[]) AS x(id)
         ON CONFLICT (library_id, user_id) DO UPDATE SET role = EXCLUDED.role, shared_by = EXCLUDED.shared_by
         RETURNING user_id, role, shared_by, created_on)
       SELECT s.user_id, ${SHARE_COLS} FROM up s JOIN users u ON u.id = s.user_id LEFT JOIN users b ON b.id = s.shared_by`,
    values: [p.libraryId, p.userIds, p.role, p.by],
  }),
  samples: [{ label: 'two users as contributors', params: { libraryId: 7, userIds: [3, 4], role: 'contributor', by: 2 } }],
});
