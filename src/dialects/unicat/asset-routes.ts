// Unicat asset calls under /api/p/:project/assets/...: get, root, children, worksheet, tree, create,
// upload, upload_update, update, move, delete, undelete, permanent_delete. Each is: parse, one use
// case of src/core/assets/ (commands.ts, queries.ts), render. readUpload reads the multipart wire
// format into the blob store for the upload use cases.
import { Transform, pipeline } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { CoreError, invalid, tooLarge } from '../../core/errors.ts';
import type { StoredBlob } from '../../storage/blob-store.ts';
import type { AssetRow } from '../../core/assets/read.ts';
import {
  createFolderCommand, discardUpload, moveCommand, purgeCommand, replaceContentCommand, trashCommand, updateCommand, uploadCommand,
} from '../../core/assets/commands.ts';
import { childrenQuery, getAssetsQuery, rootQuery, treeQuery, worksheetQuery } from '../../core/assets/queries.ts';
import { ok } from './envelope.ts';
import { toUnicatAsset } from './asset-json.ts';
import { Assets as A } from './schemas.ts';

export { MAX_LIST } from '../../core/assets/queries.ts';

type Body = Record<string, unknown>;

function dataOf(rows: Iterable<AssetRow>) {
  const assets: Record<string, ReturnType<typeof toUnicatAsset>> = {};
  for (const r of rows) assets[r.gid] = toUnicatAsset(r);
  return { assets };
}

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
    if (result) await discardUpload(ctx.db, ctx.blobs, result.blob);
    throw uploadFailure(error);
  }
  if (!result) throw invalid('the file part upload_file is missing', { field: 'upload_file' });
  return { fields, ...result };
}

export async function assetRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const post = (call: string, schema: object, handler: (req: FastifyRequest, b: Body) => Promise<unknown>) =>
    app.post(`/:project/assets/${call}`, { schema }, async (req) => handler(req, req.isMultipart() ? {} : (req.body ?? {}) as Body));
  const db = ctx.db;

  post('get', A.get, async (req, b) => {
    const r = await getAssetsQuery(db, req.actor, b);
    return ok(r.asset !== undefined ? { asset: r.asset } : { assets: r.assets, missing: r.missing }, dataOf(r.rows));
  });

  // assets/root: the root folder (the client's first tree call). It takes no parameters, so GET
  // is accepted too (as init).
  app.route({
    method: ['GET', 'POST'], url: '/:project/assets/root', schema: A.root, handler: async (req) => {
      const r = await rootQuery(db, req.actor);
      return ok({ root: r.root }, dataOf(r.rows));
    },
  });

  post('children', A.children, async (req, b) => {
    const r = await childrenQuery(db, req.actor, b);
    return ok({ children: r.children, 'children.size': r.total }, dataOf(r.rows));
  });

  post('worksheet', A.worksheet, async (req, b) => {
    const r = await worksheetQuery(db, req.actor, b);
    return ok({ asset: r.asset, path: r.path, children: r.children, 'children.size': r.total }, dataOf(r.rows));
  });

  post('tree', A.tree, async (req, b) => {
    const r = await treeQuery(db, req.actor, b);
    return ok({ tree: r.tree, 'tree.size': r.total, 'tree.top': r.top }, dataOf(r.rows));
  });

  post('create', A.create, async (req, b) => {
    const r = await createFolderCommand(db, req.actor, b);
    return ok({ parent: r.gids.parent, asset: r.gids.asset }, dataOf(r.rows));
  });

  post('upload', A.upload, async (req) => {
    const r = await uploadCommand(db, ctx.blobs, req.actor, () => readUpload(req, ctx), ctx.prerender);
    return ok({ parent: r.gids.parent, asset: r.gids.asset }, dataOf(r.rows));
  });

  post('upload_update', A.uploadUpdate, async (req) => {
    const r = await replaceContentCommand(db, ctx.blobs, req.actor, () => readUpload(req, ctx), ctx.prerender);
    return ok({ asset: r.gids.asset }, dataOf(r.rows));
  });

  post('update', A.update, async (req, b) => {
    const r = await updateCommand(db, req.actor, b);
    return ok({ asset: r.gids.asset }, dataOf(r.rows));
  });

  post('move', A.move, async (req, b) => {
    const r = await moveCommand(db, req.actor, b);
    return ok({ parent: r.gids.parent, asset: r.gids.asset }, dataOf(r.rows));
  });

  for (const call of ['delete', 'undelete'] as const) {
    post(call, A[call], async (req, b) => {
      const r = await trashCommand(db, req.actor, call, b);
      return ok({ asset: r.gids.asset }, dataOf(r.rows));
    });
  }

  post('permanent_delete', A.purge, async (req, b) => {
    const r = await purgeCommand(db, ctx.blobs, req.actor, b);
    return ok({ parent: r.gids.parent, removed: r.removed }, dataOf(r.rows));
  });
}
