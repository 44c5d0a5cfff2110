// Unicat's global ("cc") data objects: cc.users, cc.projects, cc.projects_members, cc.languages
// (docs.unicat.app data-cc-*), rendered from src/core/directory.ts. Decisions: docs/dialects/unicat.md.
import { LANGUAGES, PROJECT_LANGUAGES, type MemberEntry, type ProjectEntry, type UserEntry } from '../../core/directory.ts';

export const CC_VERSION = '2026.11.001';

const USER_OPTIONS = { language: 'en', timezone: 'UTC' };

export function userJson(u: UserEntry) {
  return { gid: u.gid, username: u.email, email: u.email, name: u.name, avatar: null, status: 'active', options: USER_OPTIONS };
}

/**
 * A project member. `roles` holds assetlib's role (owner, admin, editor, viewer); Unicat's pages
 * name owner and member.
 */
export function memberJson(m: MemberEntry) {
  return {
    project_gid: m.project_gid,
    user_gid: m.user_gid,
    status: 'active',
    roles: [m.role],
    options: { notifications: { email: m.email, events: [], frequency: 'never' }, rate_limit_per_second: null },
  };
}

/**
 * The project options the client reads (languages, channels, orderings, fieldlists). assetlib has
 * assets only: no records, so the record channels, orderings and fieldlists are the single
 * defaults a new Unicat project starts with.
 */
function projectOptions() {
  return {
    timezone: 'UTC',
    languages: [...PROJECT_LANGUAGES],
    channels: { __all__: '[all records]' },
    orderedchannels: ['__all__'],
    orderings: { __default__: 'Default' },
    orderedorderings: ['__default__'],
    fieldlists: { __default__: 'Default' },
    orderedfieldlists: ['__default__'],
  };
}

/** The short form (other projects of the user) or the complete form (the current project). */
export function projectJson(p: ProjectEntry, complete: boolean) {
  const short = { gid: p.gid, name: p.name, icon: null, owner: p.owner, status: 'active' };
  return complete ? { ...short, options: projectOptions(), backups: { versions: [] } } : short;
}

export function usersData(users: UserEntry[]) {
  return Object.fromEntries(users.map((u) => [u.gid, userJson(u)]));
}

/** cc.users for members: the member's user object. */
export function memberUsersData(members: MemberEntry[]) {
  return usersData(members.map((m) => ({ gid: m.user_gid, email: m.email, name: m.name })));
}

/** cc.projects_members is a list (unlike every other data key). */
export function membersData(members: MemberEntry[]) {
  return members.map(memberJson);
}

export function projectsData(projects: ProjectEntry[], completeGids: ReadonlySet<string>) {
  return Object.fromEntries(projects.map((p) => [p.gid, projectJson(p, completeGids.has(p.gid))]));
}

export function languagesData() {
  return { ...LANGUAGES };
}

/** The answer of members/get: {user} for one member asked as `member`, else {users}. */
export function membersResult(members: MemberEntry[], single: boolean) {
  return {
    result: single ? { user: members[0].user_gid } : { users: members.map((m) => m.user_gid) },
    data: { 'cc.users': memberUsersData(members), 'cc.projects_members': membersData(members) },
  };
}
