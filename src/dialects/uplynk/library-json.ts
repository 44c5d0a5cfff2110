// Uplynk v4 shapes (API-SPEC §2.2, seeds 000/001). Ids are the dashed UUIDs every dialect uses;
// timestamps ISO-8601 with milliseconds and Z. Fields beyond the vendor's are our extensions
// (docs/dialects/uplynk.md): description, modified, access, asset_count, deleted, deleted_on.
import type { Actor } from '../../core/keys.ts';
import type { Library, LibraryInfo, MemberAsset, Share } from '../../core/libraries/index.ts';

export const iso = (d: Date | string) => new Date(d).toISOString();
export const libraryPath = (gid: string) => `/api/v4/libraries/${gid}`;

export function libraryJson(actor: Actor, lib: Library | LibraryInfo, atId = libraryPath(lib.gid)) {
  const out: Record<string, unknown> = {
    '@id': atId,
    '@type': 'Library',
    id: lib.gid,
    desc: lib.name,
    description: lib.description,
    owner_name: lib.owner.email,
    library_type: lib.owner.gid === actor.userGid ? 'owner' : 'shared',
    access: lib.access,
    is_ad: lib.isAd,
    allow_copy: lib.allowCopy,
    created: iso(lib.created),
    modified: iso(lib.modified),
  };
  if ('memberCount' in lib && typeof lib.memberCount === 'number') out.asset_count = lib.memberCount;
  out.deleted = lib.deletedOn !== null;
  if (lib.deletedOn) out.deleted_on = iso(lib.deletedOn);
  return out;
}

export function memberJson(a: MemberAsset) {
  return {
    id: a.gid,
    desc: a.name,
    pathname: a.pathname,
    type: a.type,
    mime: a.mime,
    size: a.size,
    created: iso(a.createdOn),
    modified: iso(a.updatedOn),
    added: iso(a.addedOn),
    added_by: a.addedBy,
  };
}

export function shareJson(libraryGid: string, s: Share) {
  return {
    '@id': `${libraryPath(libraryGid)}/shares/${s.user.gid}`,
    '@type': 'Share',
    user_id: s.user.gid,
    user_name: s.user.email,
    role: s.role,
    shared_by: s.sharedBy?.email ?? null,
    created: iso(s.created),
  };
}
