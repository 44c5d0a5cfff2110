// Creating folders and files (uploads) and replacing a file's content.
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { CoreError, conflict, isUniqueViolation, notFound, rule } from '../errors.ts';
import type { StoredBlob } from '../../storage/blob-store.ts';
import { lockTree, requireWrite } from './common.ts';
import { requireLiveFolder } from './move.ts';
import { checkName, fileKind } from './names.ts';
import type { UploadProbe } from '../media/probe.ts';
import { mediaChanged } from '../media/cache.ts';

export const DEFAULT_FOLDER_NAME = 'New folder';

/** The first free default name among the live children: "New folder", "New folder 2", ... */
const DEFAULT_NAME_SQL = `
SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM assets WHERE parent_id = $1 AND deleted_on IS NULL AND name = $2) THEN $2
  ELSE (SELECT $2 || ' ' || min(g) FROM generate_series(2,
          (SELECT count(*) + 2 FROM assets WHERE parent_id = $1 AND deleted_on IS NULL AND name LIKE $2 || ' %')::int) g
        WHERE NOT EXISTS (SELECT 1 FROM assets WHERE parent_id = $1 AND deleted_on IS NULL AND name = $2 || ' ' || g)) END AS name`;

/**
 * Inserts one asset under a live folder and writes its events (INSERT for it, UPDATE for the
 * parent, whose childcount changed). $1 project, $2 parent, $3 name, $4 is_file, $5 type,
 * $6 mime, $7 size, $8 content hash, $9 info.
 */
const INSERT_SQL = `
WITH p AS (SELECT id, gid, path, pathname, depth FROM assets WHERE id = $2),
n AS (SELECT nextval('assets_id_seq') AS id),
ins AS (
  INSERT INTO assets(id, project_id, parent_id, path, depth, name, pathname, is_file, type, mime, size, content_hash, info)
  SELECT n.id, $1, p.id, p.path || n.id || '/', p.depth + 1, $3,
         (CASE WHEN p.pathname = '/' THEN '' ELSE p.pathname END) || '/' || $3, $4, $5, $6, $7, $8, $9::jsonb
  FROM p, n RETURNING id, gid)
SELECT ins.id,
       (SELECT emit_changes($1, 'INSERT', 'assets', ARRAY[ins.gid::text])) AS c1,
       (SELECT emit_changes($1, 'UPDATE', 'assets', ARRAY[(SELECT gid::text FROM p)])) AS c2
FROM ins`;

function nameConflict(name: string) {
  return conflict('a live asset with this name already exists in the folder', { name, reason: 'name_conflict' });
}

async function insertAsset(tx: Db, actor: Actor, parentId: number, name: string, file?: { mime: string; type: string; format: string; blob: StoredBlob; info?: object }): Promise<number> {
  try {
    const { rows: [r] } = await tx.query(INSERT_SQL, [
      actor.projectId, parentId, name, Boolean(file), file?.type ?? null, file?.mime ?? null, file?.blob.size ?? null,
      file?.blob.hash ?? null, JSON.stringify(file ? { format: file.format, ...file.info } : {})]);
    return Number(r.id);
  } catch (err) {
    if (isUniqueViolation(err, 'assets_live_sibling_name')) throw nameConflict(name);
    throw err;
  }
}

/**
 * Creates a folder under a live folder. Without a name it gets the first free default name
 * ("New folder", "New folder 2", ...); an explicit name taken by a live sibling is a conflict.
 */
export async function createFolder(tx: Db, actor: Actor, parentId: number, name?: unknown): Promise<number> {
  requireWrite(actor);
  const explicit = name === undefined || name === null ? undefined : checkName(name);
  await lockTree(tx, actor.projectId, 'shared');
  await requireLiveFolder(tx, actor.projectId, parentId);
  if (explicit !== undefined) return insertAsset(tx, actor, parentId, explicit); // the unique index refuses a taken name
  // a default name: default-named creates in one folder take turns (to the end of the
  // transaction); an explicitly named create may still take the chosen name first: then pick again
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('assetlib-default-name:' || $1::text, 0))`, [parentId]);
  for (let attempt = 0; ; attempt++) {
    const { rows: [r] } = await tx.query(DEFAULT_NAME_SQL, [parentId, DEFAULT_FOLDER_NAME]);
    await tx.query('SAVEPOINT default_name');
    try {
      const id = await insertAsset(tx, actor, parentId, r.name);
      await tx.query('RELEASE SAVEPOINT default_name');
      return id;
    } catch (err) {
      await tx.query('ROLLBACK TO SAVEPOINT default_name');
      if (!(err instanceof CoreError && err.kind === 'conflict') || attempt >= 10) throw err;
    }
  }
}

/**
 * Creates a file asset for stored content under a live folder (name from the upload). `probe`
 * (src/core/media/probe.ts) gives the type sniffed from the content and the image info.
 */
export async function createFile(tx: Db, actor: Actor, parentId: number, name: unknown, clientMime: string | undefined, blob: StoredBlob, probe: UploadProbe = {}): Promise<number> {
  requireWrite(actor);
  const n = checkName(name, 'upload_file filename');
  await lockTree(tx, actor.projectId, 'shared');
  await requireLiveFolder(tx, actor.projectId, parentId);
  return insertAsset(tx, actor, parentId, n, { ...fileKind(n, clientMime, probe.sniffedMime), blob, info: probe.info }); // the unique index refuses a taken name
}

/**
 * Replaces the content of a live file asset: new hash, size, mime and media info, version + 1;
 * the public links and renditions of the old versions go. Returns the blob hashes that may now
 * be unreferenced (the previous content, the renditions). Event: UPDATE for the asset.
 */
export async function replaceFile(tx: Db, actor: Actor, id: number, clientMime: string | undefined, blob: StoredBlob, probe: UploadProbe = {}): Promise<{ oldHash: string | null; staleHashes: string[] }> {
  requireWrite(actor);
  await lockTree(tx, actor.projectId, 'shared');
  const { rows: [a] } = await tx.query('SELECT name, is_file, deleted_on, content_hash FROM assets WHERE id = $1 AND project_id = $2 FOR UPDATE', [id, actor.projectId]);
  if (!a) throw notFound('the asset does not exist');
  if (!a.is_file) throw rule('only a file asset can take an upload_update', { reason: 'not_a_file' });
  if (a.deleted_on !== null) throw rule('the asset is deleted', { reason: 'deleted' });
  const k = fileKind(a.name, clientMime, probe.sniffedMime);
  const { rows: links } = await tx.query('DELETE FROM media_links WHERE asset_id = $1 RETURNING blob_hash', [id]);
  mediaChanged(tx); // the old version's renditions and public URLs stop answering once this commits
  await tx.query(`
    WITH u AS (UPDATE assets SET content_hash = $3, size = $4, mime = $5, type = $6, info = $7::jsonb,
                                 version = version + 1, updated_on = now()
               WHERE id = $2 RETURNING gid)
    SELECT emit_changes($1, 'UPDATE', 'assets', (SELECT array_agg(gid::text) FROM u))`,
  [actor.projectId, id, blob.hash, blob.size, k.mime, k.type, JSON.stringify({ format: k.format, ...probe.info })]);
  return { oldHash: a.content_hash, staleHashes: links.map((l) => l.blob_hash) };
}
