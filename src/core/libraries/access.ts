// Loading a library as one caller sees it. Who may do what is src/core/access.ts. See docs/libraries.md.
//   owner        the library's owner: everything, incl. trash and restore
//   manager      a sharee who also renames, edits and shares
//   contributor  a sharee who adds and removes assets
//   viewer       a sharee who reads (the library, its members, its shares)
// Share roles are stored as given; `downloader` (Oracle's) has a viewer's access to the library
// (viewer plus download, and downloading an asset's content is a right of the project membership:
// a library share adds none, so downloader and viewer allow the same library calls).
// A project viewer only reads, whatever their library role (access capped at viewer).
// A library that does not exist, is in another project, is in the trash, or is neither owned by
// nor shared with the caller is not_found: callers cannot tell these apart.
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { notFound } from '../errors.ts';
import { normalizeId } from '../ids.ts';
import { effectiveAccess, libraryRoleSql, requireLibrary, type Access, type LibraryPermission, type LibraryRole } from '../access.ts';

export { effectiveAccess, SHARE_ROLES, type Access, type ShareRole, type LibraryRole } from '../access.ts';

export interface UserRef { gid: string; email: string; name: string }

/** A library as seen by one caller (without its member count). */
export interface LibraryInfo {
  id: number;
  gid: string;
  projectId: number;
  projectGid: string;
  name: string;
  description: string;
  allowCopy: boolean;
  isAd: boolean;
  created: Date;
  modified: Date;
  deletedOn: Date | null;
  owner: UserRef;
  modifiedBy: UserRef | null;
  /** the caller's library role ('owner' or their share role) */
  role: LibraryRole;
  /** the caller's access to it, as shown (capped at viewer for a project viewer) */
  access: Access;
}

/** A library with the number of its live members (assets in the trash are not counted). */
export interface Library extends LibraryInfo { memberCount: number }

const MEMBER_COUNT = `(SELECT count(*) FROM library_assets la JOIN assets a ON a.id = la.asset_id
                        WHERE la.library_id = l.id AND a.deleted_on IS NULL)::int`;

/** Columns of a Library for the caller $U (user id); `l` is libraries. */
export function librarySelect(withCount: boolean, userParam: string): string {
  return `l.id, l.gid::text AS gid, l.project_id AS "projectId", p.gid::text AS "projectGid", l.name, l.description,
    l.allow_copy AS "allowCopy", l.is_ad AS "isAd", l.created, l.modified, l.deleted_on AS "deletedOn",
    json_build_object('gid', o.gid, 'email', o.email, 'name', o.name) AS owner,
    CASE WHEN mb.id IS NULL THEN NULL ELSE json_build_object('gid', mb.gid, 'email', mb.email, 'name', mb.name) END AS "modifiedBy",
    ${libraryRoleSql(userParam)} AS role
    ${withCount ? `, ${MEMBER_COUNT} AS "memberCount"` : ''}`;
}

export function libraryJoins(userParam: string): string {
  return `JOIN projects p ON p.id = l.project_id
    JOIN users o ON o.id = l.owner_id
    LEFT JOIN users mb ON mb.id = l.modified_by
    LEFT JOIN library_shares s ON s.library_id = l.id AND s.user_id = ${userParam}`;
}

/**
 * Loads a library of the caller's project that the caller can see, with their effective access.
 * Trashed libraries are not_found unless `trashed` is set (then only their owner sees them).
 */
export async function loadLibrary(db: Db, actor: Actor, rawGid: unknown, opts: { withCount?: boolean; trashed?: boolean } = {}): Promise<Library> {
  const gid = normalizeId(rawGid);
  const missing = () => notFound('library not found', { library: rawGid });
  if (!gid) throw missing();
  const { rows } = await db.query(
    `SELECT ${librarySelect(Boolean(opts.withCount), '$3')}
     FROM libraries l ${libraryJoins('$3')}
     WHERE l.gid = $1::uuid AND l.project_id = $2`, [gid, actor.projectId, actor.userId]);
  const lib = rows[0] as Library | undefined;
  if (!lib) throw missing();
  if (lib.deletedOn && !(opts.trashed && lib.role === 'owner')) throw missing();
  const access = effectiveAccess(actor, lib.role);
  if (!access) throw missing();
  lib.access = access;
  if (!opts.withCount) delete (lib as Partial<Library>).memberCount;
  return lib;
}

/** Throws forbidden unless the caller holds the library permission (src/core/access.ts). */
export function requireAccess(actor: Actor, lib: LibraryInfo, perm: LibraryPermission, action: string): void {
  requireLibrary(actor, lib, perm, action);
}
