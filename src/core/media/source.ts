// The file behind a dam storage pathname "<gid>~<version>.<ext>" (Unicat's dam/info, publish,
// transform): parsed, looked up in the caller's project, and checked (a live file, that version).
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { invalid, notFound, rule } from '../errors.ts';
import { normalizeId } from '../ids.ts';

export interface MediaSource {
  id: number;
  gid: string;
  name: string;
  version: number;
  hash: string;
  mime: string;
  size: number;
  /** The media info stored at upload (only where the caller selected it: mediaSource). */
  info?: Record<string, unknown>;
}

const STORAGE_PATH = /^([0-9a-fA-F-]{32,36})~(\d{1,9})(\.[^/]{1,32})?$/;

/** Parses "<gid>~<version>[.<ext>]" (the extension is the client's and is not checked). */
export function parseStoragePath(raw: unknown): { gid: string; version: number } {
  const m = typeof raw === 'string' ? STORAGE_PATH.exec(raw) : null;
  const gid = m ? normalizeId(m[1]) : undefined;
  if (!m || !gid) throw invalid('the storage pathname must be <asset gid>~<version>.<ext>', { field: 'storage pathname', value: raw });
  return { gid, version: Number(m[2]) };
}

/**
 * The live file asset of `storagePath` in the actor's project, at the version the path names.
 * Every project member may read it (publishing and transforming are reads of the content).
 * Unknown or deleted asset: not_found; a folder, or a version that is not the current one: rule.
 */
export async function mediaSource(db: Db, actor: Actor, storagePath: unknown): Promise<MediaSource> {
  const { gid, version } = parseStoragePath(storagePath);
  const { rows: [a] } = await db.query(
    `SELECT id, gid::text AS gid, name, is_file, version, content_hash, mime, size, info, deleted_on
     FROM assets WHERE gid = $1 AND project_id = $2`, [gid, actor.projectId]);
  return checkedSource(a, gid, version);
}

/**
 * The checks of `mediaSource` on an assets row (id, gid, name, is_file, version, content_hash,
 * mime, size, deleted_on, optionally info) or its absence, for callers that select it themselves.
 */
export function checkedSource(a: Record<string, any> | undefined, gid: string, version: number): MediaSource {
  if (!a || a.deleted_on !== null) throw notFound('the asset does not exist', { asset: gid });
  if (!a.is_file || !a.content_hash) throw rule('the asset is a folder, not a file', { asset: gid, reason: 'not_a_file' });
  if (a.version !== version) {
    throw rule(`the asset has no version ${version}: its current version is ${a.version}`, { asset: gid, reason: 'wrong_version', version: a.version });
  }
  return { id: Number(a.id), gid: a.gid, name: a.name, version: a.version, hash: a.content_hash, mime: a.mime, size: Number(a.size), ...('info' in a ? { info: a.info ?? {} } : {}) };
}

/** An unguessable public token: 128 random bits as 32 hex characters. */
export const newToken = () => randomBytes(16).toString('hex');

/** dam/info: the media info stored with the asset at upload, with its format and file size. */
export async function mediaInfo(db: Db, actor: Actor, storagePath: unknown): Promise<Record<string, unknown>> {
  const src = await mediaSource(db, actor, storagePath);
  return { ...src.info, filesize: src.size, mime: src.mime };
}
