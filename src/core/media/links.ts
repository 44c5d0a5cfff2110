// Public links (media_links, 006): dam/publish makes one to a file's original content, dam/transform
// one per rendition; /media/<token>/<filename> serves them to anyone holding the URL while the
// asset is live at that version.
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { notFound, rule } from '../errors.ts';
import { mediaSource, newToken } from './source.ts';
import { requireWrite } from '../assets/common.ts';
import { mediaChanged, type MediaCache } from './cache.ts';

export interface MediaLink { token: string; filename: string }

/**
 * The public link of a file's original content at the version of `storagePath`: made on the first
 * publish, the same on every later one (any member may publish). The insert takes a share lock on
 * the asset row and re-checks the version, so a link is never made for a version being replaced.
 */
export async function publishOriginal(db: Db, actor: Actor, storagePath: unknown): Promise<MediaLink> {
  const src = await mediaSource(db, actor, storagePath);
  const { rows: [r] } = await db.query(`
    WITH a AS (SELECT id, project_id, version, name, mime, content_hash, size FROM assets
               WHERE id = $1 AND version = $2 AND deleted_on IS NULL FOR SHARE),
    ins AS (INSERT INTO media_links(token, project_id, asset_id, version, options, filename, mime, blob_hash, size)
            SELECT $3, project_id, id, version, '', name, coalesce(mime, 'application/octet-stream'), content_hash, size FROM a
            ON CONFLICT (asset_id, version, options) DO NOTHING RETURNING token, filename)
    SELECT token, filename FROM ins
    UNION ALL
    SELECT token, filename FROM media_links WHERE asset_id = $1 AND version = $2 AND options = '' AND NOT EXISTS (SELECT 1 FROM ins)`,
  [src.id, src.version, newToken()]);
  if (!r) throw rule('the asset changed while it was published: ask again', { asset: src.gid, reason: 'changed' });
  return { token: r.token, filename: r.filename };
}

/** Removes the public link of the original (renditions keep theirs). Editors only. */
export async function unpublishOriginal(db: Db, actor: Actor, storagePath: unknown): Promise<void> {
  requireWrite(actor);
  const src = await mediaSource(db, actor, storagePath);
  await db.query(`DELETE FROM media_links WHERE asset_id = $1 AND options = ''`, [src.id]);
  mediaChanged(db);
}

const PUBLIC_SQL = `SELECT l.blob_hash, l.mime, l.size, l.filename FROM media_links l JOIN assets a ON a.id = l.asset_id
WHERE l.token = $1 AND a.deleted_on IS NULL AND a.version = l.version`;

export interface PublicMedia { hash: string; mime: string; size: number; filename: string }

/**
 * What a public URL serves, without credentials: the link's content while its asset is live and
 * still at the link's version; otherwise not_found (deleted, replaced, unknown token or name).
 * A link this process served or rendered before answers from `cache` (src/core/media/cache.ts).
 */
export async function publicMedia(db: Db, token: string, filename: string, cache?: MediaCache): Promise<PublicMedia> {
  if (!/^[0-9a-f]{32}$/.test(token)) throw notFound('no such media');
  const hit = cache?.link(token);
  if (hit) {
    if (hit.filename !== filename) throw notFound('no such media');
    return hit;
  }
  const gen = cache?.generation() ?? 0;
  const { rows: [r] } = await db.query({ name: 'assetlib_media_public', text: PUBLIC_SQL, values: [token] });
  if (!r) throw notFound('no such media');
  const m = { hash: r.blob_hash, mime: r.mime, size: Number(r.size), filename: r.filename };
  cache?.setLink(gen, token, m);
  if (m.filename !== filename) throw notFound('no such media');
  return m;
}
