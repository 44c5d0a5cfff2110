// The use cases behind `assetlib import DIR --project GID [--into /path]` (src/cli/import.ts):
// what is already in the project under a folder (for resuming), folders made on the way, and a
// local file uploaded through the same uploadCommand the API's assets/upload uses.
import { createReadStream } from 'node:fs';
import type pg from 'pg';
import type { BlobStore } from '../../storage/blob-store.ts';
import { actorQuery, type Actor } from '../keys.ts';
import { run } from '../../db/statement.ts';
import { getProjectByGid } from '../projects.ts';
import { requirePermission } from '../access.ts';
import { invalid, notFound } from '../errors.ts';
import { normalizePathname } from './read.ts';
import { createFolderCommand, uploadCommand } from './commands.ts';

export interface Existing { gid: string; isFile: boolean; size: number | null; hash: string | null }

const join = (parent: string, name: string) => (parent === '/' ? `/${name}` : `${parent}/${name}`);

/** The live assets at and under `pathname`, by pathname (one query). */
export async function assetsUnder(db: pg.Pool, actor: Actor, pathname: string): Promise<Map<string, Existing>> {
  requirePermission(actor, 'asset.read');
  const p = normalizePathname(pathname);
  const { rows } = await db.query(
    `SELECT gid::text, pathname, is_file, size, content_hash FROM assets
     WHERE project_id = $1 AND deleted_on IS NULL AND (pathname = $2 OR starts_with(pathname, $3))`, [actor.projectId, p, p === '/' ? '/' : `${p}/`]);
  return new Map(rows.map((r) => [r.pathname as string, { gid: r.gid, isFile: r.is_file, size: r.size === null ? null : Number(r.size), hash: r.content_hash }]));
}

/**
 * The folder at `pathname`, made with its missing ancestors (each through createFolderCommand);
 * `known` (from assetsUnder) is consulted and updated. Fails when a file holds one of the names.
 * Returns the folder's gid and how many folders were made.
 */
export async function ensureFolderPath(db: pg.Pool, actor: Actor, pathname: string, known: Map<string, Existing>): Promise<{ gid: string; created: number }> {
  const segs = normalizePathname(pathname).split('/').filter(Boolean);
  const chain = ['/', ...segs.map((_, i) => `/${segs.slice(0, i + 1).join('/')}`)];
  const unknown = chain.filter((c) => !known.has(c));
  if (unknown.length) {
    const { rows } = await db.query(
      `SELECT gid::text, pathname, is_file FROM assets WHERE project_id = $1 AND deleted_on IS NULL AND pathname = ANY($2)`, [actor.projectId, unknown]);
    for (const r of rows) known.set(r.pathname, { gid: r.gid, isFile: r.is_file, size: null, hash: null });
  }
  let created = 0;
  for (let i = 1; i < chain.length; i++) {
    if (!known.has(chain[i])) {
      created++;
      const r = await createFolderCommand(db, actor, { parent: known.get(chain[i - 1])!.gid, name: segs[i - 1] });
      known.set(chain[i], { gid: r.gids.asset!, isFile: false, size: null, hash: null });
    }
    if (known.get(chain[i])!.isFile) throw invalid(`${chain[i]} is a file in the project, not a folder`);
  }
  return { gid: known.get(chain.at(-1)!)!.gid, created };
}

/** Uploads the local file `path` as `name` into the folder `parentGid` (the API's upload use case). Returns the new asset's gid. */
export async function importFile(db: pg.Pool, blobs: BlobStore, actor: Actor, parentGid: string, name: string, path: string, limitBytes: number): Promise<string> {
  const r = await uploadCommand(db, blobs, actor, async () => ({
    fields: { parent: parentGid },
    blob: await blobs.put(createReadStream(path), limitBytes),
    filename: name,
    mimetype: 'application/octet-stream', // as curl sends it; the type is sniffed from the content and the name
  }));
  return r.gids.asset!;
}

export { join as childPathname };

/** Who an import acts as: the member `email` of the project, or else its first owner. */
export async function importActor(db: pg.Pool, projectGid: string, email?: string): Promise<Actor> {
  const project = await getProjectByGid(db, projectGid);
  const { rows } = await db.query(
    `SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.project_id = $1 AND ($2::text IS NULL OR lower(u.email) = lower($2)) AND ($2::text IS NOT NULL OR m.role = 'owner')
     ORDER BY m.created_on, m.user_id LIMIT 1`, [project.id, email ?? null]);
  if (!rows[0]) throw notFound(email ? `${email} is not a member of the project` : 'the project has no owner: give --as EMAIL');
  const [a] = await run(db, actorQuery, { by: 'member', userId: rows[0].user_id, projectId: project.id, keyId: null });
  return a as Actor;
}
