// The asset use cases that change the tree, keyed by public gids: each checks the permission,
// resolves the ids, opens the transaction, calls the set-based building blocks (shared with the
// bulk jobs: moveSubtrees, trashSubtrees, restoreSubtrees, purgeSubtree), cleans up blobs, and
// answers the gids and rows to render. A dialect route is: parse, one call here, render.
import type pg from 'pg';
import { withTx } from '../../db/pool.ts';
import type { BlobStore, StoredBlob } from '../../storage/blob-store.ts';
import type { Actor } from '../keys.ts';
import { requirePermission } from '../access.ts';
import { invalid } from '../errors.ts';
import { assetIdByGid, assetIdByPathname, loadAssetRows, normalizePathname, parentIdOf, type AssetRow } from './read.ts';
import { createFile, createFolder, replaceFile } from './create.ts';
import { probeUpload } from '../media/probe.ts';
import type { Prerenderer } from '../media/prerender.ts';
import { updateAsset, type AssetUpdate } from './update.ts';
import { moveSubtrees } from './move.ts';
import { purgeSubtree, removeOrphanBlobs, restoreSubtrees, throwIfFailed, trashSubtrees } from './trash.ts';

/** What a command answers: the gids of the assets it names, and their rows (for rendering). */
export interface Answer<K extends string> { gids: Record<K, string | null>; rows: AssetRow[] }

async function answer<K extends string>(db: pg.Pool, actor: Actor, ids: Record<K, number | null>): Promise<Answer<K>> {
  const wanted = [...new Set(Object.values<number | null>(ids).filter((x): x is number => typeof x === 'number'))];
  const rows = await loadAssetRows(db, actor.projectId, { ids: wanted });
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  const gids = {} as Record<K, string | null>;
  for (const k of Object.keys(ids) as K[]) gids[k] = ids[k] == null ? null : byId.get(ids[k] as number)?.gid ?? null;
  return { gids, rows };
}

const required = (v: unknown, field: string) => { if (v === undefined) throw invalid(`${field} is required`, { field }); };

/** assets/create: a folder under `parent`. */
export async function createFolderCommand(db: pg.Pool, actor: Actor, input: { parent?: unknown; name?: unknown }): Promise<Answer<'parent' | 'asset'>> {
  required(input.parent, 'parent');
  requirePermission(actor, 'asset.write');
  const parentId = await assetIdByGid(db, actor.projectId, input.parent, 'parent');
  const id = await withTx(db, (tx) => createFolder(tx, actor, parentId, input.name));
  return answer(db, actor, { parent: parentId, asset: id });
}

/** Removes a stored upload that no asset came to reference (the request failed). */
export async function discardUpload(db: pg.Pool, blobs: BlobStore, blob: StoredBlob): Promise<void> {
  await removeOrphanBlobs(db, blobs, [blob.hash]);
}

export interface Upload { fields: Record<string, string>; blob: StoredBlob; filename: string; mimetype: string }

/**
 * assets/upload: a file under the parent given by gid or pathname. `read` is the dialect's reader of
 * its wire format, which streams the content into the blob store; it runs only once the caller may
 * write (a viewer's bytes are never stored). A failure discards the blob.
 */
/** After an upload commits: its renditions rendered in the background (MEDIA_PRERENDER), if given. */
function prerenderNew(prerender: Prerenderer | undefined, actor: Actor, a: Answer<string>, assetGid: string | null): void {
  const row = a.rows.find((r) => r.gid === assetGid);
  if (prerender && row) prerender.enqueue(actor, [{ gid: row.gid, version: row.version, mime: row.mime }]);
}

export async function uploadCommand(db: pg.Pool, blobs: BlobStore, actor: Actor, read: () => Promise<Upload>, prerender?: Prerenderer): Promise<Answer<'parent' | 'asset'>> {
  requirePermission(actor, 'asset.write');
  const up = await read();
  try {
    let parentId: number;
    if (up.fields.parent !== undefined) parentId = await assetIdByGid(db, actor.projectId, up.fields.parent, 'parent');
    else if (up.fields.pathname !== undefined) parentId = await assetIdByPathname(db, actor.projectId, normalizePathname(up.fields.pathname));
    else throw invalid('send parent or pathname (the parent folder)', { field: 'parent' });
    const probe = await probeUpload(blobs, up.blob, up.filename, up.mimetype);
    const id = await withTx(db, (tx) => createFile(tx, actor, parentId, up.filename, up.mimetype, up.blob, probe));
    const a = await answer(db, actor, { parent: parentId, asset: id });
    prerenderNew(prerender, actor, a, a.gids.asset);
    return a;
  } catch (err) {
    await discardUpload(db, blobs, up.blob);
    throw err;
  }
}

/** assets/upload_update: new content for a file (`read` as for uploadCommand). A failure discards the new blob; success the old one when no longer used. */
export async function replaceContentCommand(db: pg.Pool, blobs: BlobStore, actor: Actor, read: () => Promise<Upload>, prerender?: Prerenderer): Promise<Answer<'asset' | 'parent'>> {
  requirePermission(actor, 'asset.write');
  const up = await read();
  let oldHash: string | null;
  let staleHashes: string[];
  let id: number;
  try {
    required(up.fields.asset, 'asset');
    const target = await assetIdByGid(db, actor.projectId, up.fields.asset);
    id = target;
    const probe = await probeUpload(blobs, up.blob, up.filename, up.mimetype);
    ({ oldHash, staleHashes } = await withTx(db, (tx) => replaceFile(tx, actor, target, up.mimetype, up.blob, probe)));
  } catch (err) {
    await discardUpload(db, blobs, up.blob);
    throw err;
  }
  // the old content and its derived files (renditions), unless another asset still uses them
  const stale = [...staleHashes, ...(oldHash ? [oldHash] : [])].filter((h) => h !== up.blob.hash);
  await removeOrphanBlobs(db, blobs, stale);
  const a = await answer(db, actor, { asset: id, parent: await parentIdOf(db, actor.projectId, id) });
  prerenderNew(prerender, actor, a, a.gids.asset);
  return a;
}

/** assets/update: name, title, description, transforms. */
export async function updateCommand(db: pg.Pool, actor: Actor, input: { asset?: unknown } & AssetUpdate): Promise<Answer<'asset'>> {
  required(input.asset, 'asset');
  requirePermission(actor, 'asset.write');
  const id = await assetIdByGid(db, actor.projectId, input.asset);
  await withTx(db, (tx) => updateAsset(tx, actor, id, { name: input.name, title: input.title, description: input.description, transforms: input.transforms }));
  return answer(db, actor, { asset: id });
}

/** assets/move: one subtree under a new parent (the bulk job's moveSubtrees with one root). */
export async function moveCommand(db: pg.Pool, actor: Actor, input: { asset?: unknown; parent?: unknown }): Promise<Answer<'asset' | 'parent' | 'oldParent'>> {
  required(input.asset, 'asset');
  required(input.parent, 'parent');
  requirePermission(actor, 'asset.write');
  const id = await assetIdByGid(db, actor.projectId, input.asset);
  const parentId = await assetIdByGid(db, actor.projectId, input.parent, 'parent');
  const oldParent = await withTx(db, async (tx) => {
    const before = await parentIdOf(tx, actor.projectId, id);
    throwIfFailed(await moveSubtrees(tx, actor, [id], parentId), String(input.asset));
    return before;
  });
  return answer(db, actor, { asset: id, parent: parentId, oldParent });
}

/** assets/delete and assets/undelete: one subtree (the bulk jobs' trashSubtrees / restoreSubtrees with one root). */
export async function trashCommand(db: pg.Pool, actor: Actor, op: 'delete' | 'undelete', input: { asset?: unknown }): Promise<Answer<'asset' | 'parent'>> {
  required(input.asset, 'asset');
  requirePermission(actor, 'asset.write');
  const id = await assetIdByGid(db, actor.projectId, input.asset);
  const fn = op === 'delete' ? trashSubtrees : restoreSubtrees;
  const parentId = await withTx(db, async (tx) => {
    throwIfFailed(await fn(tx, actor, [id]), String(input.asset));
    return parentIdOf(tx, actor.projectId, id);
  });
  return answer(db, actor, { asset: id, parent: parentId });
}

/** assets/permanent_delete: a trashed subtree, rows and the blobs no other asset uses. */
export async function purgeCommand(db: pg.Pool, blobs: BlobStore, actor: Actor, input: { asset?: unknown }): Promise<Answer<'parent'> & { removed: number }> {
  required(input.asset, 'asset');
  requirePermission(actor, 'asset.write');
  const id = await assetIdByGid(db, actor.projectId, input.asset);
  const { orphans, removed, parentId } = await withTx(db, async (tx) => {
    const parent = await parentIdOf(tx, actor.projectId, id);
    return { ...(await purgeSubtree(tx, actor, id, String(input.asset))), parentId: parent };
  });
  await removeOrphanBlobs(db, blobs, orphans);
  return { ...(await answer(db, actor, { parent: parentId })), removed };
}
