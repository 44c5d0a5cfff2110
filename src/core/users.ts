// Users and their memberships in projects (roles: owner, admin, editor, viewer).
import type { Db } from '../db/pool.ts';
import { emitCcChange } from './changes.ts';
import { invalid, notFound } from './errors.ts';
import { invalidateActorCaches } from './actor-cache.ts';

export type Role = 'owner' | 'admin' | 'editor' | 'viewer';
export const ROLES: readonly Role[] = ['owner', 'admin', 'editor', 'viewer'];

export interface User { id: number; gid: string; email: string; name: string }

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Finds the user by email (case-insensitive) or creates it. */
export async function ensureUser(db: Db, email: string, name = ''): Promise<User & { created: boolean }> {
  if (!EMAIL.test(email)) throw invalid('email is not an email address', { field: 'email' });
  const { rows } = await db.query(
    `WITH ins AS (
       INSERT INTO users(email, name) VALUES ($1, $2)
       ON CONFLICT ((lower(email))) DO NOTHING
       RETURNING id, gid::text, email, name, true AS created)
     SELECT * FROM ins
     UNION ALL
     SELECT id, gid::text, email, name, false FROM users WHERE lower(email) = lower($1)
     LIMIT 1`, [email, name]);
  return rows[0];
}

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  const { rows } = await db.query('SELECT id, gid::text, email, name FROM users WHERE lower(email) = lower($1)', [email]);
  return rows[0];
}

export async function setMembership(db: Db, projectId: number, userId: number, role: Role): Promise<void> {
  if (!ROLES.includes(role)) throw invalid(`role must be one of ${ROLES.join(', ')}`, { field: 'role' });
  const { rows } = await db.query(
    `INSERT INTO memberships(project_id, user_id, role) VALUES ($1, $2, $3)
     ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role
     RETURNING (xmax = 0) AS inserted, (SELECT gid::text FROM users WHERE id = $2) AS user_gid,
               (SELECT gid::text FROM projects WHERE id = $1) AS project_gid`, [projectId, userId, role]);
  const r = rows[0];
  invalidateActorCaches();
  await emitCcChange(db, projectId, r.inserted ? 'INSERT' : 'UPDATE', 'cc.projects_members', `${r.project_gid}/${r.user_gid}`);
}

export interface Member { user_gid: string; email: string; name: string; role: Role }

export async function listMembers(db: Db, projectId: number): Promise<Member[]> {
  const { rows } = await db.query(
    `SELECT u.gid::text AS user_gid, u.email, u.name, m.role
     FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.project_id = $1 ORDER BY u.email`, [projectId]);
  return rows;
}

export interface UserSummary { gid: string; email: string; name: string; created_on: string; projects: { project_gid: string; role: Role }[] }

/** Every user with its memberships; only the members of `projectId` when given. */
export async function listUsers(db: Db, projectId?: number): Promise<UserSummary[]> {
  const { rows } = await db.query(
    `SELECT u.gid::text, u.email, u.name, u.created_on,
            coalesce((SELECT json_agg(json_build_object('project_gid', p.gid::text, 'role', m.role) ORDER BY p.id)
                      FROM memberships m JOIN projects p ON p.id = m.project_id WHERE m.user_id = u.id), '[]') AS projects
     FROM users u
     WHERE $1::bigint IS NULL OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.project_id = $1)
     ORDER BY lower(u.email)`, [projectId ?? null]);
  return rows;
}

export interface UserDeleted { gid: string; email: string; memberships: number; keys: number; libraries: number; jobs: number }

/**
 * Deletes a user (by email): its memberships, API keys (their JWTs stop working), shares, the
 * libraries it owns (with their members) and its jobs, in one transaction with the events: a
 * `cc.projects_members` DELETE per membership, a `libraries` DELETE per owned library (and the
 * member triggers' `libraries_assets` DELETEs). Assets it uploaded stay: they belong to the project.
 */
export async function deleteUser(tx: Db, email: string): Promise<UserDeleted> {
  const { rows: [u] } = await tx.query('SELECT id, gid::text, email FROM users WHERE lower(email) = lower($1) FOR UPDATE', [email]);
  if (!u) throw notFound('no user with that email');
  const { rows: [r] } = await tx.query(
    `WITH mem AS (SELECT m.project_id, p.gid::text AS project_gid FROM memberships m JOIN projects p ON p.id = m.project_id WHERE m.user_id = $1),
          libs AS (SELECT id, project_id, gid::text AS gid FROM libraries WHERE owner_id = $1),
          e1 AS (SELECT emit_cc_change(project_id, 'DELETE', 'cc.projects_members', project_gid || '/' || $2) FROM mem),
          e2 AS (SELECT emit_changes(project_id, 'DELETE', 'libraries', array_agg(gid)) FROM libs GROUP BY project_id)
     SELECT (SELECT count(*)::int FROM mem) AS memberships, (SELECT count(*)::int FROM e1) AS e1,
            (SELECT count(*)::int FROM libs) AS libraries, (SELECT count(*)::int FROM e2) AS e2,
            (SELECT count(*)::int FROM api_keys WHERE user_id = $1) AS keys,
            (SELECT count(*)::int FROM jobs WHERE user_id = $1) AS jobs`, [u.id, u.gid]);
  // members first, while their library rows exist: their triggers then write the libraries_assets DELETEs (002)
  await tx.query('DELETE FROM library_assets WHERE library_id IN (SELECT id FROM libraries WHERE owner_id = $1)', [u.id]);
  await tx.query('DELETE FROM users WHERE id = $1', [u.id]); // cascades: memberships, keys, shares, owned libraries, jobs
  invalidateActorCaches();
  return { gid: u.gid, email: u.email, memberships: r.memberships, keys: r.keys, libraries: r.libraries, jobs: r.jobs };
}
