// What a client learns when it authenticates: who it is, its projects, the members, the cursors.
import type { Db } from '../db/pool.ts';
import type { Actor } from './keys.ts';
import { currentCursors } from './changes.ts';
import { callerProjects, membersOf, type MemberEntry, type ProjectEntry } from './directory.ts';

export interface SessionInfo {
  user: { gid: string; email: string; name: string };
  /** every project of the user (the actor's among them) */
  projects: ProjectEntry[];
  project: ProjectEntry;
  members: MemberEntry[];
  ccCursor: number;
  cursor: number;
}

export async function sessionInfo(db: Db, actor: Actor): Promise<SessionInfo> {
  const [projects, members, cursors] = await Promise.all([
    callerProjects(db, actor),
    membersOf(db, actor.projectGid),
    currentCursors(db, actor.projectId),
  ]);
  return {
    user: { gid: actor.userGid, email: actor.email, name: actor.name },
    projects,
    project: projects.find((p) => p.gid === actor.projectGid)!,
    members,
    ccCursor: cursors.cc,
    cursor: cursors.project ?? 0,
  };
}
