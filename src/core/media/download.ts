// The bytes of a file for the dialects that download directly (Oracle files/{id}/data, Uplynk's
// assets/{id}/content extension): a live file in the caller's project, optionally at a version.
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { invalid, notFound } from '../errors.ts';
import { requireId } from '../ids.ts';
import type { PublicMedia } from './links.ts';

/** A live file of the actor's project (any member reads); `version` must be the current one when given. */
export async function fileContent(db: Db, actor: Actor, fileId: unknown, version?: unknown): Promise<PublicMedia & { version: number }> {
  const gid = requireId(fileId, 'fileId');
  let v: number | undefined;
  if (version !== undefined && version !== '') {
    v = Number(version);
    if (!Number.isInteger(v) || v < 1) throw invalid('version must be a positive whole number', { field: 'version', value: version });
  }
  const { rows: [a] } = await db.query(
    `SELECT content_hash, mime, size, name, version FROM assets
     WHERE gid = $1 AND project_id = $2 AND is_file AND deleted_on IS NULL AND content_hash IS NOT NULL`, [gid, actor.projectId]);
  if (!a) throw notFound('the file does not exist', { id: fileId });
  if (v !== undefined && v !== a.version) throw notFound(`the file has no version ${v}: its current version is ${a.version}`, { id: fileId, version: a.version });
  return { hash: a.content_hash, mime: a.mime ?? 'application/octet-stream', size: Number(a.size), filename: a.name, version: a.version };
}
