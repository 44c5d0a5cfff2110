// Who a caller can see: the projects its user is a member of (listed), and in detail the project of
// its key (a JWT acts only in its key's project: docs/dialects/unicat.md), that project's members
// and their users. Read by the session (auth/init) and by Unicat's global calls (users/get,
// members/get, projects/get) that its client's sync() makes.
import type { Db } from '../db/pool.ts';
import { forbidden, invalid, notFound } from './errors.ts';
import { normalizeId } from './ids.ts';
import type { Role } from './users.ts';

/** The caller: the user behind a key, and the key's project. */
export interface DirectoryCaller { userId: number; userGid: string; projectGid: string }

export interface ProjectEntry { gid: string; name: string; owner: string | null; role: Role }
export interface MemberEntry { project_gid: string; user_gid: string; email: string; name: string; role: Role }
export interface UserEntry { gid: string; email: string; name: string }

/**
 * The languages every project offers. assetlib keeps no per-project language list: titles and
 * descriptions take any language key, and this is what clients are told (docs/dialects/unicat.md).
 */
export const PROJECT_LANGUAGES: readonly string[] = ['en'];

/** The languages a client may choose from (Unicat's cc.languages). */
export const LANGUAGES: Readonly<Record<string, string>> = { en: 'English', nl: 'Nederlands', de: 'Deutsch', fr: 'Français' };

function gidList(raw: unknown, field: string): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0 || list.length > 1000) throw invalid(`${field} must hold 1 to 1000 gids`, { field });
  return [...new Set(list.map((g) => {
    const id = normalizeId(g);
    if (!id) throw invalid(`${field} must be a gid (uuid)`, { field, value: g });
    return id;
  }))];
}

/**
 * The projects of the caller's user (all of them), or the given gids: only the key's project may be
 * asked for (another, or one the user left, is 403).
 */
export async function callerProjects(db: Db, caller: DirectoryCaller, gids?: unknown, field = 'project'): Promise<ProjectEntry[]> {
  const want = gids === undefined ? null : gidList(gids, field);
  const other = want?.find((g) => g !== caller.projectGid);
  if (other) throw forbidden('this JWT is for another project: authenticate with an api key of that project', { [field]: other });
  const { rows } = await db.query(
    `SELECT p.gid::text AS gid, p.name, m.role,
            (SELECT u.gid::text FROM memberships o JOIN users u ON u.id = o.user_id
             WHERE o.project_id = p.id AND o.role = 'owner' ORDER BY o.created_on, u.id LIMIT 1) AS owner
     FROM memberships m JOIN projects p ON p.id = m.project_id
     WHERE m.user_id = $1 AND ($2::uuid[] IS NULL OR p.gid = ANY($2::uuid[]))
     ORDER BY p.id`, [caller.userId, want]);
  if (want) {
    const found = new Set(rows.map((r) => r.gid));
    const missing = want.filter((g) => !found.has(g));
    if (missing.length > 0) throw forbidden('not a member of this project', { project: missing[0] });
  }
  return rows;
}

/** Members of the caller's project: all, or the given user gids (unknown ones are 422). */
export async function projectMembers(db: Db, caller: DirectoryCaller, projectGid: unknown, userGids?: unknown, field = 'member'): Promise<MemberEntry[]> {
  if (projectGid === undefined) throw invalid('project is required', { field: 'project' });
  if (typeof projectGid !== 'string') throw invalid('project must be a gid (uuid)', { field: 'project', value: projectGid });
  const [project] = await callerProjects(db, caller, projectGid);
  return membersOf(db, project.gid, userGids, field);
}

/** Members of a project (no access check: the caller's membership is already known). */
export async function membersOf(db: Db, projectGid: string, userGids?: unknown, field = 'member'): Promise<MemberEntry[]> {
  const want = userGids === undefined ? null : gidList(userGids, field);
  const { rows } = await db.query(
    `SELECT p.gid::text AS project_gid, u.gid::text AS user_gid, u.email, u.name, m.role
     FROM projects p JOIN memberships m ON m.project_id = p.id JOIN users u ON u.id = m.user_id
     WHERE p.gid = $1::uuid AND ($2::uuid[] IS NULL OR u.gid = ANY($2::uuid[]))
     ORDER BY u.email, u.id`, [projectGid, want]);
  if (want) {
    const found = new Set(rows.map((r) => r.user_gid));
    const missing = want.filter((g) => !found.has(g));
    if (missing.length > 0) throw notFound('no such member of this project', { [field]: missing[0] });
  }
  return rows;
}

/** The caller's user and the members of the caller's project; any other gid is 422. */
export async function visibleUsers(db: Db, caller: DirectoryCaller, userGids: unknown, field = 'user'): Promise<UserEntry[]> {
  const want = gidList(userGids, field);
  const { rows } = await db.query(
    `SELECT u.gid::text AS gid, u.email, u.name FROM users u
     WHERE u.gid = ANY($2::uuid[])
       AND (u.id = $1 OR EXISTS (SELECT 1 FROM memberships m JOIN projects p ON p.id = m.project_id
                                 WHERE p.gid = $3::uuid AND m.user_id = u.id))
     ORDER BY u.email, u.id`, [caller.userId, want, caller.projectGid]);
  const found = new Set(rows.map((r) => r.gid));
  const missing = want.filter((g) => !found.has(g));
  if (missing.length > 0) throw notFound('no such user', { [field]: missing[0] });
  return rows;
}
