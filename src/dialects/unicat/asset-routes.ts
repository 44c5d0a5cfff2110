// Unicat asset calls under /api/p/:project/assets/...: get, root, children, worksheet, tree, create,
// upload, upload_update, update, move, delete, undelete, permanent_delete. Translation only:
// every rule lives in src/core/assets/.
import { Transform, pipeline } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import type { Actor } from '../../core/keys.ts';
import { withTx } from '../../db/pool.ts';
import { CoreError, invalid, tooLarge } from '../../core/errors.ts';
import type { StoredBlob } from '../../storage/blob-store.ts';
import {
  assetIdByGid, assetIdByPathname, assetIdsByGids, assetIdsByPathnames, childrenOf, loadAssetRows, normalizeGids,
  normalizePathname, pathIds, readPage, rootIdOf, treeWindow, type AssetRow, parentIdOf,
} from '../../core/assets/read.ts';
import { createFile, createFolder, replaceFile } from '../../core/assets/create.ts';
import { probeUpload } from '../../core/media/probe.ts';
import { updateAsset } from '../../core/assets/update.ts';
import { moveSubtrees } from '../../core/assets/move.ts';
import { purgeSubtree, removeOrphanBlobs, restoreSubtrees, throwIfFailed, trashSubtrees } from '../../core/assets/trash.ts';
import { requireWrite } from '../../core/assets/common.ts';
import { ok } from './envelope.ts';
import { toUnicatAsset } from './asset-json.ts';

/** The most gids or pathnames one assets/get or tree call takes. */
export const MAX_LIST = 10_000;

type Body = Record<string, unknown>;

function bodyOf(req: FastifyRequest): Body {
  const b = req.body;
  if (b === undefined || b === null) return {};
  if (typeof b !== 'object' || Array.isArray(b)) throw invalid('the request body must be a JSON object');
  return b as Body;
}

/** page.top / page.size, sent flat ("page.top") or nested ({"page": {"top"}}). */
function pageOf(b: Body, defSize: number) {
  const nested = (typeof b.page === 'object' && b.page !== null ? b.page : {}) as Body;
  return readPage(b['page.top'] ?? nested.top, b['page.size'] ?? nested.size, defSize);
}

function listOf(b: Body, field: string): unknown[] {
  const v = b[field];
  if (!Array.isArray(v)) throw invalid(`${field} must be a list`, { field });
  if (v.length > MAX_LIST) throw tooLarge(`${field} holds more than ${MAX_LIST} entries`, { field, limit: MAX_LIST });
  return v;
}

async function rowsById(ctx: AppContext, actor: Actor, ids: (number | null | undefined)[]): Promise<Map<number, AssetRow>> {
  const wanted = [...new Set(ids.filter((x): x is number => typeof x === 'number'))];
  const rows = await loadAssetRows(ctx.db, actor.projectId, { ids: wanted });
  return new Map(rows.map((r) => [Number(r.id), r]));
}

function dataOf(rows: Iterable<AssetRow>) {
  const assets: Record<string, ReturnType<typeof toUnicatAsset>> = {};
  for (const r of rows) assets[r.gid] = toUnicatAsset(r);
  return { assets };
}

const gidOf = (m: Map<number, AssetRow>, id: number | null | undefined) => (id == null ? null : m.get(id)?.gid ?? null);

/**
 * A failure while reading a multipart body: the client's (a body cut off, a missing or bad
 * boundary, malformed part headers: busboy's plain errors) is `invalid`; CoreErrors, Fastify's
 * own 4xx errors and the store's system errors (disk full: a 500) pass through.
 */
function uploadFailure(err: unknown): unknown {
  if (err instanceof CoreError) return err;
  const e = err as { statusCode?: number; syscall?: string; message?: string };
  if (typeof e?.statusCode === 'number' || typeof e?.syscall === 'string') return err;
  return invalid(`malformed multipart body: ${String(e?.message ?? err).slice(0, 200)}`, { reason: 'malformed_multipart' });
}

/** Reads a multipart upload: the fields, and the upload_file part streamed into the blob store. */
async function readUpload(req: FastifyRequest, ctx: AppContext): Promise<{ fields: Record<string, string>; blob: StoredBlob; filename: string; mimetype: string }> {
  if (!req.isMultipart()) throw invalid('send multipart/form-data with the file in the part upload_file');
  const fields: Record<string, string> = {};
  let result: { blob: StoredBlob; filename: string; mimetype: string } | undefined;
  let error: unknown;
  try {
    for await (const part of req.parts()) {
      if (part.type !== 'file') { fields[part.fieldname] = String(part.value); continue; }
      if (part.fieldname !== 'upload_file' || result || error) {
        part.file.resume();
        error ??= invalid(part.fieldname !== 'upload_file' ? `unexpected file part ${part.fieldname}: the file goes in upload_file` : 'send one upload_file');
        continue;
      }
      // busboy truncates a file at the limit and flags it: fail the stream at its end so that the
      // store discards the temporary file (nothing stored, no row).
      const limit = ctx.config.uploadLimitBytes;
      const file = part.file;
      const guard = new Transform({
        transform(chunk, _enc, cb) { cb(null, chunk); },
        flush(cb) { cb(file.truncated ? tooLarge(`the upload is larger than the limit of ${limit} bytes`, { limit }) : null); },
      });
      // pipeline, not pipe: it also sees a file stream that busboy destroyed before this point
      // (a body cut off inside the part), and hands any error on to the store's pipeline
      pipeline(file, guard, () => { /* the store's put reports the failure */ });
      try {
        const blob = await ctx.blobs.put(guard, limit);
        result = { blob, filename: part.filename, mimetype: part.mimetype };
      } catch (e) {
        if (!file.destroyed) file.resume();
        error ??= e;
      }
    }
  } catch (e) {
    error ??= e;
  }
  if (error) {
    if (result) await removeOrphanBlobs(ctx.db, ctx.blobs, [result.blob.hash]);
    throw uploadFailure(error);
  }
  if (!result) throw invalid('the file part upload_file is missing', { field: 'upload_file' });
  return { fields, ...result };
}

export async function assetRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const post = (call: string, handler: (req: FastifyRequest, b: Body, actor: Actor) => Promise<unknown>) =>
    app.post(`/:project/assets/${call}`, async (req) => handler(req, req.isMultipart() ? {} : bodyOf(req), req.actor));

  post('get', async (_req, b, actor) => {
    const p = actor.projectId;
    if (b.asset !== undefined) {
      const id = await assetIdByGid(ctx.db, p, b.asset);
      const rows = await loadAssetRows(ctx.db, p, { ids: [id] });
      return ok({ asset: rows[0].gid }, dataOf(rows));
    }
    if (b.assets !== undefined) {
      const gids = normalizeGids(listOf(b, 'assets'), 'assets');
      const { ids, missing } = await assetIdsByGids(ctx.db, p, gids);
      const rows = await loadAssetRows(ctx.db, p, { ids });
      return ok({ assets: rows.map((r) => r.gid), missing }, dataOf(rows));
    }
    if (b.pathname !== undefined) {
      const id = await assetIdByPathname(ctx.db, p, b.pathname);
      const rows = await loadAssetRows(ctx.db, p, { ids: [id] });
      return ok({ asset: rows[0].gid }, dataOf(rows));
    }
    if (b.pathnames !== undefined) {
      const { ids, missing } = await assetIdsByPathnames(ctx.db, p, listOf(b, 'pathnames'));
      const rows = await loadAssetRows(ctx.db, p, { ids });
      return ok({ assets: rows.map((r) => r.gid), missing }, dataOf(rows));
    }
    throw invalid('send one of asset, assets, pathname, pathnames');
  });

  // assets/root: the root folder (the client's first tree call). It takes no parameters, so GET
  // is accepted too (as init).
  app.route({
    method: ['GET', 'POST'], url: '/:project/assets/root', handler: async (req) => {
      const id = await rootIdOf(ctx.db, req.actor.projectId);
      const m = await rowsById(ctx, req.actor, [id]);
      return ok({ root: gidOf(m, id) }, dataOf(m.values()));
    },
  });

  const parentFrom = async (b: Body, actor: Actor, gidField: string) => {
    if (b[gidField] !== undefined) return assetIdByGid(ctx.db, actor.projectId, b[gidField], gidField);
    if (b.pathname !== undefined) return assetIdByPathname(ctx.db, actor.projectId, b.pathname);
    throw invalid(`send ${gidField} or pathname`);
  };

  post('children', async (_req, b, actor) => {
    const page = pageOf(b, 100);
    const parentId = await parentFrom(b, actor, 'asset');
    const { ids, total } = await childrenOf(ctx.db, actor, parentId, page);
    const m = await rowsById(ctx, actor, [parentId, ...ids]);
    return ok({ children: ids.map((i) => gidOf(m, i)).filter(Boolean), 'children.size': total }, dataOf(m.values()));
  });

  post('worksheet', async (_req, b, actor) => {
    if (b.asset === undefined) throw invalid('asset is required', { field: 'asset' });
    const page = pageOf(b, 20);
    const id = await assetIdByGid(ctx.db, actor.projectId, b.asset);
    const [path, kids] = await Promise.all([pathIds(ctx.db, actor.projectId, id), childrenOf(ctx.db, actor, id, page)]);
    const m = await rowsById(ctx, actor, [...path, ...kids.ids]);
    return ok({
      asset: gidOf(m, id),
      path: path.map((i) => gidOf(m, i)).filter(Boolean),
      children: kids.ids.map((i) => gidOf(m, i)).filter(Boolean),
      'children.size': kids.total,
    }, dataOf(m.values()));
  });

  post('tree', async (_req, b, actor) => {
    const page = pageOf(b, 100);
    let expanded: number[] = [];
    if (b.expanded_assets !== undefined) {
      expanded = (await assetIdsByGids(ctx.db, actor.projectId, normalizeGids(listOf(b, 'expanded_assets'), 'expanded_assets'))).ids;
    } else if (b.expanded_paths !== undefined) {
      expanded = (await assetIdsByPathnames(ctx.db, actor.projectId, listOf(b, 'expanded_paths'))).ids;
    }
    const t = await treeWindow(ctx.db, actor, expanded, page);
    const m = await rowsById(ctx, actor, t.ids);
    return ok({ tree: t.ids.map((i) => gidOf(m, i)).filter(Boolean), 'tree.size': t.total, 'tree.top': t.top }, dataOf(m.values()));
  });

  post('create', async (_req, b, actor) => {
    if (b.parent === undefined) throw invalid('parent is required', { field: 'parent' });
    requireWrite(actor);
    const parentId = await assetIdByGid(ctx.db, actor.projectId, b.parent, 'parent');
    const id = await withTx(ctx.db, (tx) => createFolder(tx, actor, parentId, b.name));
    const m = await rowsById(ctx, actor, [parentId, id]);
    return ok({ parent: gidOf(m, parentId), asset: gidOf(m, id) }, dataOf(m.values()));
  });

  post('upload', async (req, _b, actor) => {
    requireWrite(actor);
    const up = await readUpload(req, ctx);
    try {
      let parentId: number;
      if (up.fields.parent !== undefined) parentId = await assetIdByGid(ctx.db, actor.projectId, up.fields.parent, 'parent');
      else if (up.fields.pathname !== undefined) parentId = await assetIdByPathname(ctx.db, actor.projectId, normalizePathname(up.fields.pathname));
      else throw invalid('send parent or pathname (the parent folder)', { field: 'parent' });
      const probe = await probeUpload(ctx.blobs, up.blob, up.filename, up.mimetype);
      const id = await withTx(ctx.db, (tx) => createFile(tx, actor, parentId, up.filename, up.mimetype, up.blob, probe));
      const m = await rowsById(ctx, actor, [parentId, id]);
      return ok({ parent: gidOf(m, parentId), asset: gidOf(m, id) }, dataOf(m.values()));
    } catch (err) {
      await removeOrphanBlobs(ctx.db, ctx.blobs, [up.blob.hash]);
      throw err;
    }
  });

  post('upload_update', async (req, _b, actor) => {
    requireWrite(actor);
    const up = await readUpload(req, ctx);
    let oldHash: string | null;
    let staleHashes: string[];
    let id: number;
    try {
      if (up.fields.asset === undefined) throw invalid('asset is required', { field: 'asset' });
      const target = await assetIdByGid(ctx.db, actor.projectId, up.fields.asset);
      id = target;
      const probe = await probeUpload(ctx.blobs, up.blob, up.filename, up.mimetype);
      ({ oldHash, staleHashes } = await withTx(ctx.db, (tx) => replaceFile(tx, actor, target, up.mimetype, up.blob, probe)));
    } catch (err) {
      await removeOrphanBlobs(ctx.db, ctx.blobs, [up.blob.hash]);
      throw err;
    }
    const stale = [...staleHashes, ...(oldHash ? [oldHash] : [])].filter((h) => h !== up.blob.hash);
    await removeOrphanBlobs(ctx.db, ctx.blobs, stale);
    const m = await rowsById(ctx, actor, [id, await parentIdOf(ctx.db, actor.projectId, id)]);
    return ok({ asset: gidOf(m, id) }, dataOf(m.values()));
  });

  post('update', async (_req, b, actor) => {
    if (b.asset === undefined) throw invalid('asset is required', { field: 'asset' });
    requireWrite(actor);
    const id = await assetIdByGid(ctx.db, actor.projectId, b.asset);
    await withTx(ctx.db, (tx) => updateAsset(tx, actor, id, { name: b.name, title: b.title, description: b.description, transforms: b.transforms }));
    const m = await rowsById(ctx, actor, [id]);
    return ok({ asset: gidOf(m, id) }, dataOf(m.values()));
  });

  post('move', async (_req, b, actor) => {
    if (b.asset === undefined) throw invalid('asset is required', { field: 'asset' });
    if (b.parent === undefined) throw invalid('parent is required', { field: 'parent' });
    requireWrite(actor);
    const id = await assetIdByGid(ctx.db, actor.projectId, b.asset);
    const parentId = await assetIdByGid(ctx.db, actor.projectId, b.parent, 'parent');
    const oldParent = await parentIdOf(ctx.db, actor.projectId, id);
    await withTx(ctx.db, async (tx) => throwIfFailed(await moveSubtrees(tx, actor, [id], parentId), String(b.asset)));
    const m = await rowsById(ctx, actor, [id, parentId, oldParent]);
    return ok({ parent: gidOf(m, parentId), asset: gidOf(m, id) }, dataOf(m.values()));
  });

  const trashCall = (call: 'delete' | 'undelete', fn: typeof trashSubtrees) => post(call, async (_req, b, actor) => {
    if (b.asset === undefined) throw invalid('asset is required', { field: 'asset' });
    requireWrite(actor);
    const id = await assetIdByGid(ctx.db, actor.projectId, b.asset);
    await withTx(ctx.db, async (tx) => throwIfFailed(await fn(tx, actor, [id]), String(b.asset)));
    const m = await rowsById(ctx, actor, [id, await parentIdOf(ctx.db, actor.projectId, id)]);
    return ok({ asset: gidOf(m, id) }, dataOf(m.values()));
  });
  trashCall('delete', trashSubtrees);
  trashCall('undelete', restoreSubtrees);

  post('permanent_delete', async (_req, b, actor) => {
    if (b.asset === undefined) throw invalid('asset is required', { field: 'asset' });
    requireWrite(actor);
    const id = await assetIdByGid(ctx.db, actor.projectId, b.asset);
    const parentId = await parentIdOf(ctx.db, actor.projectId, id);
    const { orphans, removed } = await withTx(ctx.db, (tx) => purgeSubtree(tx, actor, id, String(b.asset)));
    await removeOrphanBlobs(ctx.db, ctx.blobs, orphans);
    const m = await rowsById(ctx, actor, [parentId]);
    return ok({ parent: gidOf(m, parentId), removed }, dataOf(m.values()));
  });
}
