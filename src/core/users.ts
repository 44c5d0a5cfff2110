// Users and their memberships in projects (roles: owner, admin, editor, viewer).
import type { Db } from '../db/pool.ts';
import { emitCcChange } from './changes.ts';
import { invalid } from './errors.ts';
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
