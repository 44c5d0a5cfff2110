// The access model, defined once. Every check in the core (JS) and every statement that checks
// access (SQL) asks this module; the tables below are the only place a role is tied to a right.
//
// Project permissions come from the caller's project role (memberships.role).
// Library permissions come from the caller's library role: 'owner' (the library's owner) or their
// share role; a right that writes also needs the project permission `library.write` (a project
// viewer only reads, whatever their library role). A library the caller holds no role on is not
// found (callers cannot tell a library they may not see from one that does not exist).
import type { Role } from './users.ts';
import { forbidden } from './errors.ts';

export type ProjectPermission = 'asset.read' | 'asset.write' | 'job.read' | 'job.write' | 'library.create' | 'library.write';

const ALL: readonly Role[] = ['owner', 'admin', 'editor', 'viewer'];
const WRITERS: readonly Role[] = ['owner', 'admin', 'editor'];

export const PROJECT_GRANTS: Record<ProjectPermission, readonly Role[]> = {
  'asset.read': ALL,
  'asset.write': WRITERS,
  'job.read': ALL,
  'job.write': WRITERS,
  'library.create': WRITERS,
  'library.write': WRITERS,
};

const PROJECT_REFUSALS: Record<ProjectPermission, string> = {
  'asset.read': 'reading assets is not allowed',
  'asset.write': 'a viewer cannot change assets',
  'job.read': 'reading jobs is not allowed',
  'job.write': 'a viewer cannot change assets',
  'library.create': 'a project viewer cannot create libraries',
  'library.write': 'a project viewer cannot change libraries',
};

export function can(actor: { role: Role }, perm: ProjectPermission): boolean {
  return PROJECT_GRANTS[perm].includes(actor.role);
}

/** Throws forbidden (info.role, info.permission) unless the actor holds the project permission. */
export function requirePermission(actor: { role: Role }, perm: ProjectPermission, message = PROJECT_REFUSALS[perm]): void {
  if (!can(actor, perm)) throw forbidden(message, { role: actor.role, permission: perm });
}

export type ShareRole = 'viewer' | 'downloader' | 'contributor' | 'manager';
export const SHARE_ROLES: readonly ShareRole[] = ['viewer', 'downloader', 'contributor', 'manager'];
export type LibraryRole = 'owner' | ShareRole;

export type LibraryPermission = 'library.read' | 'library.members.write' | 'library.edit' | 'library.share' | 'library.trash';

/** Which library roles hold each library permission, and whether it writes (then capped by the project role). */
export const LIBRARY_GRANTS: Record<LibraryPermission, { roles: readonly LibraryRole[]; writes: boolean }> = {
  'library.read': { roles: ['owner', 'manager', 'contributor', 'downloader', 'viewer'], writes: false },
  'library.members.write': { roles: ['owner', 'manager', 'contributor'], writes: true },
  'library.edit': { roles: ['owner', 'manager'], writes: true },
  'library.share': { roles: ['owner', 'manager'], writes: true },
  'library.trash': { roles: ['owner'], writes: true },
};

/** The access level shown to clients (Uplynk's `access`), from the library role and the project role. */
export type Access = 'owner' | 'manager' | 'contributor' | 'viewer';
const ACCESS_OF: Record<LibraryRole, Access> = { viewer: 'viewer', downloader: 'viewer', contributor: 'contributor', manager: 'manager', owner: 'owner' };

export function libraryCan(actor: { role: Role }, libraryRole: LibraryRole | null, perm: LibraryPermission): boolean {
  if (!libraryRole) return false;
  const g = LIBRARY_GRANTS[perm];
  return g.roles.includes(libraryRole) && (!g.writes || can(actor, 'library.write'));
}

/** The caller's access as shown: capped at viewer for a project viewer; null when they hold no role. */
export function effectiveAccess(actor: { role: Role }, libraryRole: LibraryRole | null): Access | null {
  if (!libraryRole) return null;
  return can(actor, 'library.write') ? ACCESS_OF[libraryRole] : 'viewer';
}

/** The weakest access level that holds a permission (for messages). */
function neededAccess(perm: LibraryPermission): Access {
  const order: Access[] = ['viewer', 'contributor', 'manager', 'owner'];
  return order.find((a) => LIBRARY_GRANTS[perm].roles.includes(a as LibraryRole)) ?? 'owner';
}

/** Throws forbidden unless the caller holds the library permission. */
export function requireLibrary(actor: { role: Role }, lib: { gid: string; role: LibraryRole | null; access: Access }, perm: LibraryPermission, action: string): void {
  if (!libraryCan(actor, lib.role, perm)) {
    const need = neededAccess(perm);
    throw forbidden(`${action} needs ${need} access to the library; you have ${lib.access}`,
      { library: lib.gid, access: lib.access, needed: need, permission: perm });
  }
}

/**
 * The SQL condition "the caller holds `perm` on the library": `roleSql` is the caller's library
 * role (e.g. `CASE WHEN l.owner_id = $4 THEN 'owner' ELSE s.role END`), `writerParam` a boolean
 * parameter that is can(actor, 'library.write'). Written from LIBRARY_GRANTS, the same table as libraryCan.
 */
export function libraryGrantSql(perm: LibraryPermission, roleSql: string, writerParam: string): string {
  const g = LIBRARY_GRANTS[perm];
  const roles = `(${roleSql}) IN (${g.roles.map((r) => `'${r}'`).join(', ')})`;
  return g.writes ? `${writerParam}::boolean AND ${roles}` : roles;
}

/** The caller's library role in SQL, for libraries `l` joined to their share `s` of user `userParam`. */
export const libraryRoleSql = (userParam: string) => `CASE WHEN l.owner_id = ${userParam} THEN 'owner' ELSE s.role END`;
