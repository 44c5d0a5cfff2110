// What a client learns when it authenticates: who it is, its projects, the members, the cursors.
import type { Db } from '../db/pool.ts';
import type { Actor } from './keys.ts';
import { currentCursors } from './changes.ts';

export interface SessionInfo {
  user: { gid: string; email: string; name: string };
  userProjects: Record<string, string[]>;
  project: { gid: string; name: string };
  members: { user_gid: string; email: string; name: string; role: string }[];
  ccCursor: number;
  cursor: number;
}

export async function sessionInfo(db: Db, actor: Actor): Promise<SessionInfo> {
  const [projects, members, cursors, project] = await Promise.all([
    db.query(`SELECT p.gid::text AS gid, m.role FROM memberships m JOIN projects p ON p.id = m.project_id WHERE m.user_id = $1`, [actor.userId]),
    db.query(`SELECT u.gid::text AS user_gid, u.email, u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id
              WHERE m.project_id = $1 ORDER BY u.email`, [actor.projectId]),
    currentCursors(db, actor.projectId),
    db.query('SELECT gid::text AS gid, name FROM projects WHERE id = $1', [actor.projectId]),
  ]);
  return {
    user: { gid: actor.userGid, email: actor.email, name: actor.name },
    userProjects: Object.fromEntries(projects.rows.map((r) => [r.gid, [r.role]])),
    project: project.rows[0],
    members: members.rows,
    ccCursor: cursors.cc,
    cursor: cursors.project ?? 0,
  };
}
