// dam/transform: a rendition of an image file, rendered once per (source version, options) and
// shared by every server through the database (media_links) and the blob store.
//   0. an answer this process gave before for the same (project, storage pathname, options path)
//      answers from memory (src/core/media/cache.ts: dropped on every change it depends on)
//   1. parse the options; one indexed SELECT finds the source (checked: a live image file at that
//      version) and its renditions with these options
//   2. a ready rendition answers (and is remembered, with its public link)
//   3. otherwise: identical requests in this process share one promise; across servers a
//      transaction-scoped advisory lock on (asset, version, options) lets one render while the
//      others wait and then find its row; renders run under a semaphore (bounded memory and CPU)
//   4. the output goes into the blob store (and the small-blob memory, for the first fetch of its
//      public URL); the link row is written with a share lock on the asset that re-checks the
//      version (an upload_update meanwhile makes the render void). The render's transaction
//      commits without waiting for the WAL flush: a rendition row lost in a crash is rendered
//      again on the next request (its blob, left unreferenced, is the only trace).
// A first render costs two round trips besides the lookup: (begin, lock, re-check) and (insert,
// commit), each one simple query with the values as escaped literals.
import type pg from 'pg';
import type { Actor } from '../keys.ts';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BlobStore } from '../../storage/blob-store.ts';
import { rememberSmallBlob } from '../../storage/small-blobs.ts';
import { CoreError, rule } from '../errors.ts';
import { checkedSource, newToken, parseStoragePath, type MediaSource } from './source.ts';
import { parseTransformOptions, renderKey, renditionFilename } from './options.ts';
import { defaultOutputType, IMAGE_INPUT_MIMES, OUTPUT_TYPES } from './formats.ts';
import { planRendition } from './render.ts';
import { Semaphore } from './semaphore.ts';
import { removeOrphanBlobs } from '../assets/trash.ts';
import { mediaChanged, type MediaCache } from './cache.ts';

/** cache: answers remembered in this process (src/core/media/cache.ts); absent: none */
export interface MediaDeps { db: pg.Pool; blobs: BlobStore; renderConcurrency: number; cache?: MediaCache }

export interface Rendered { token: string; filename: string; width: number; height: number; mime: string; size: number }

/** Sources without a local file (e.g. an S3 store) are read into memory for sharp: up to this size. */
const MAX_BUFFERED_SOURCE = 256 * 1024 * 1024;
/** The largest rendition file. */
const MAX_RENDITION_BYTES = 1024 * 1024 * 1024;

const inflight = new Map<string, Promise<{ rendered: Rendered; hash: string }>>();
const semaphores = new Map<number, Semaphore>();
const semaphoreOf = (n: number) => {
  let s = semaphores.get(n);
  if (!s) semaphores.set(n, (s = new Semaphore(n)));
  return s;
};

const LINK_COLUMNS = 'token, filename, width, height, mime, size, blob_hash, rendered_on';
/**
 * The source (as mediaSource selects it, less info) and its renditions at version $3 whose options
 * after "type=<type>" begin with $4 ("/<rest of the render key>/file="): one per output type and
 * file name the source had; the caller picks its own.
 */
const LOOKUP_SQL = `SELECT a.id, a.gid::text AS gid, a.name, a.is_file, a.version, a.content_hash, a.mime, a.size, a.deleted_on,
  l.options, l.token, l.filename, l.width, l.height, l.mime AS link_mime, l.size AS link_size, l.blob_hash
FROM assets a LEFT JOIN media_links l ON l.asset_id = a.id AND l.version = a.version AND l.version = $3
  AND starts_with(substr(l.options, strpos(l.options, '/')), $4)
WHERE a.gid = $1 AND a.project_id = $2`;

// A first render inserts; a render again (force) updates the row it found under the lock. (Not one
// INSERT ... ON CONFLICT DO UPDATE: that fires media_links' UPDATE trigger, which drops every
// server's media cache, on every first render.)
const INSERT_SQL = `INSERT INTO media_links(token, project_id, asset_id, version, options, filename, mime, blob_hash, size, width, height, renders, rendered_on)
SELECT $3, project_id, id, version, $4, $5, $6, $7, $8, $9, $10, 1, clock_timestamp()
FROM assets WHERE id = $1 AND version = $2 AND deleted_on IS NULL FOR SHARE
RETURNING ${LINK_COLUMNS}`;
const RERENDER_SQL = `UPDATE media_links l SET blob_hash = $7, size = $8, width = $9, height = $10,
  renders = l.renders + 1, rendered_on = clock_timestamp()
FROM (SELECT id FROM assets WHERE id = $1 AND version = $2 AND deleted_on IS NULL FOR SHARE) a
WHERE l.asset_id = a.id AND l.version = $2 AND l.options = $4
RETURNING ${LINK_COLUMNS.split(', ').map((c) => `l.${c}`).join(', ')}`;

/** The advisory lock key of one rendition: 64 bits of sha256, the same on every server. */
const lockKey = (k: string) => createHash('sha256').update(`assetlib-media:${k}`).digest().readBigInt64BE(0).toString();

const toRendered = (r: Record<string, any>): Rendered =>
  ({ token: r.token, filename: r.filename, width: r.width, height: r.height, mime: r.mime, size: Number(r.size) });

/** Remembers an answer and its public link (read at generation `gen`: not stored if a change came since). */
function remember(deps: MediaDeps, gen: number, projectId: number, storagePath: string, optionsPath: string, r: Rendered, hash: string): void {
  deps.cache?.setRendition(gen, projectId, storagePath, optionsPath, r);
  deps.cache?.setLink(gen, r.token, { hash, mime: r.mime, size: r.size, filename: r.filename });
}

async function sourceInput(blobs: BlobStore, src: MediaSource): Promise<string | Buffer> {
  const local = await blobs.localPath?.(src.hash);
  if (local) return local;
  if (src.size > MAX_BUFFERED_SOURCE) throw rule('the source is too large to transform from this blob store', { reason: 'too_large' });
  const s = await blobs.open(src.hash);
  if (!s) throw rule('the content of the asset is missing from the blob store', { reason: 'missing_content' });
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Renders (or finds) the rendition of `storagePath` for the options path `optionsPath`. */
export async function transformAsset(deps: MediaDeps, actor: Actor, storagePath: unknown, optionsPath: string | undefined): Promise<Rendered> {
  const o = parseTransformOptions(optionsPath);
  const { gid, version } = parseStoragePath(storagePath);
  // parsed: both are strings
  const rawPath = storagePath as string;
  const rawOptions = optionsPath ?? '';
  if (!o.force) {
    const hit = deps.cache?.rendition(actor.projectId, rawPath, rawOptions);
    if (hit) return hit;
  }
  const gen = deps.cache?.generation() ?? 0;
  // the render key less its leading "type=<type>" (without a type option, the type follows the source's)
  const keyRest = `${renderKey(o, 'jpg').replace(/^type=[^/]*/, '')}/file=`;
  const { rows } = await deps.db.query({ name: 'assetlib_media_transform_lookup', text: LOOKUP_SQL, values: [gid, actor.projectId, version, keyRest] });
  const src = checkedSource(rows[0], gid, version);
  if (!IMAGE_INPUT_MIMES.has(src.mime)) {
    throw rule(`a ${src.mime} file cannot be transformed: only images (jpg, png, gif, webp, avif, tiff, svg)`, { reason: 'unsupported_type', mime: src.mime });
  }
  const type = o.type ?? defaultOutputType(src.mime);
  const rkey = renderKey(o, type);
  const filename = renditionFilename(src.name, o, type, rkey);
  const options = `${rkey}/file=${filename}`;
  if (!o.force) {
    const hit = rows.find((r) => r.options === options);
    if (hit) {
      const r = { token: hit.token, filename: hit.filename, width: hit.width, height: hit.height, mime: hit.link_mime, size: Number(hit.link_size) };
      remember(deps, gen, actor.projectId, rawPath, rawOptions, r, hit.blob_hash);
      return r;
    }
  }
  const key = `${src.id}:${src.version}:${o.force}:${options}`;
  let p = inflight.get(key);
  if (!p) {
    p = semaphoreOf(deps.renderConcurrency).run(() => renderLocked(deps, src, options, filename, o, type))
      .finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  const { rendered, hash } = await p;
  remember(deps, gen, actor.projectId, rawPath, rawOptions, rendered, hash);
  return rendered;
}

async function renderLocked(deps: MediaDeps, src: MediaSource, options: string, filename: string,
  o: ReturnType<typeof parseTransformOptions>, type: keyof typeof OUTPUT_TYPES): Promise<{ rendered: Rendered; hash: string }> {
  // the source's header is read (planRendition: metadata and the sizes' checks, no decoding)
  // while the lock is taken; nothing is rendered before the lock is held
  const planned = sourceInput(deps.blobs, src).then((input) => planRendition(input, o, type));
  planned.catch(() => undefined); // awaited below, or dropped when a rendition exists
  const client = await deps.db.connect();
  let stored: string | undefined;
  let replaced: string | undefined;
  try {
    // one round trip: the transaction, asynchronous commit (see the head of this file), the time
    // this request began waiting (for force), the lock on this rendition, then the rendition as it
    // is once the lock is held (each statement of a simple query takes its own snapshot in READ
    // COMMITTED: this one sees a render that held the lock)
    const lit = (v: string) => client.escapeLiteral(v);
    const begun = await client.query(`BEGIN; SET LOCAL synchronous_commit = off; SELECT clock_timestamp() AS t;
      SELECT pg_advisory_xact_lock(${lockKey(`${src.id}:${src.version}:${options}`)});
      SELECT ${LINK_COLUMNS} FROM media_links WHERE asset_id = ${Number(src.id)} AND version = ${Number(src.version)} AND options = ${lit(options)}`) as unknown as { rows: Record<string, any>[] }[];
    const since = begun[2].rows[0].t;
    const existing = begun[4].rows[0];
    // a rendition that exists (or, with force, one rendered after this request began) is the answer
    if (existing && (!o.force || existing.rendered_on >= since)) {
      await client.query('COMMIT');
      return { rendered: toRendered(existing), hash: existing.blob_hash };
    }
    const r = await planned;
    let blob;
    let data: Buffer;
    try {
      data = await r.image.toBuffer(); // libvips writes the whole output in one buffer (as the floor does)
      if (data.length > MAX_RENDITION_BYTES) throw rule('the rendition is too large', { reason: 'too_large' });
      blob = deps.blobs.putBytes ? await deps.blobs.putBytes(data) : await deps.blobs.put(Readable.from([data]), MAX_RENDITION_BYTES);
    } catch (err) {
      if (err instanceof CoreError) throw err;
      throw rule(`the image could not be rendered: ${(err as Error).message}`, { reason: 'render_failed' });
    }
    stored = blob.hash;
    // one round trip: the link row (a share lock on the asset re-checks its version) and the commit;
    // an error in the insert skips the commit and the transaction is rolled back below
    const values = [src.id, src.version, newToken(), options, filename, OUTPUT_TYPES[type], blob.hash, blob.size, r.width, r.height];
    const insert = (existing ? RERENDER_SQL : INSERT_SQL).replace(/\$(\d+)/g, (_m, i: string) => lit(String(values[Number(i) - 1])));
    const done = await client.query(`${insert}; COMMIT`) as unknown as { rows: Record<string, any>[] }[];
    const row = done[0].rows[0];
    if (!row) throw rule('the asset changed while it was transformed: ask again with its current version', { asset: src.gid, reason: 'changed' });
    rememberSmallBlob(deps.blobs, blob.hash, data);
    if (existing) {
      if (existing.blob_hash !== blob.hash) replaced = existing.blob_hash;
      mediaChanged(deps.db); // committed: a render again changes what the link serves
    }
    stored = undefined;
    return { rendered: toRendered(row), hash: blob.hash };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
    const orphans = [stored, replaced].filter((h): h is string => Boolean(h));
    if (orphans.length) await removeOrphanBlobs(deps.db, deps.blobs, orphans).catch(() => undefined);
  }
}
