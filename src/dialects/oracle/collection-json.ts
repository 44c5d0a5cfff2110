// Oracle's shapes of collections and users, built from the core's Library (all scalars strings on
// the wire; key order as in Oracle's examples).
import type { Library, LibraryInfo, UserRef } from '../../core/libraries/access.ts';
import { oracleTime } from './wire.ts';

export function userJson(u: UserRef) {
  return { id: u.gid, displayName: u.name || u.email, loginName: u.email, type: 'user' };
}

/** An entry of GET /collections/items. */
export function collectionItem(l: LibraryInfo) {
  const owner = userJson(l.owner);
  return {
    type: 'collection',
    id: l.gid,
    name: l.name,
    createdBy: owner,
    modifiedBy: l.modifiedBy ? userJson(l.modifiedBy) : owner,
    ownedBy: owner,
    createdTime: oracleTime(l.created),
    modifiedTime: oracleTime(l.modified),
    description: l.description,
  };
}

/** The body of POST /collections (201) and of GET /collections/{id} (our extension). */
export function collectionDetail(l: Library) {
  const owner = userJson(l.owner);
  return {
    childItemsCount: String(l.memberCount ?? 0),
    createdBy: owner,
    createdTime: oracleTime(l.created),
    description: l.description,
    errorCode: '0',
    id: l.gid,
    modifiedBy: l.modifiedBy ? userJson(l.modifiedBy) : owner,
    modifiedTime: oracleTime(l.modified),
    name: l.name,
    ownedBy: owner,
    type: 'collection',
  };
}
