// File use cases for the dialects that address a file by its id alone (Oracle's Edit File and
// Delete File, Uplynk's asset extension): a live file by gid, renamed or trashed in one
// transaction through the same building blocks as Unicat's assets/update and assets/delete.
import type pg from 'pg';
import { withTx } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { requirePermission } from '../access.ts';
import { liveFileIdByGid, loadAssetRows, type AssetRow } from './read.ts';
import { updateAsset } from './update.ts';
import { throwIfFailed, trashSubtrees } from './trash.ts';

/** Renames a live file (a folder, a trashed or an unknown id: not_found); answers its row. */
export async function renameFileCommand(db: pg.Pool, actor: Actor, gid: unknown, name: string, field = 'id'): Promise<AssetRow> {
  const id = await liveFileIdByGid(db, actor.projectId, gid, field);
  await withTx(db, (tx) => updateAsset(tx, actor, id, { name }));
  const [row] = await loadAssetRows(db, actor.projectId, { ids: [id] });
  return row;
}

/** Moves a live file to the trash (a folder, a trashed or an unknown id: not_found). */
export async function trashFileCommand(db: pg.Pool, actor: Actor, gid: unknown, field = 'id'): Promise<void> {
  requirePermission(actor, 'asset.write');
  const id = await liveFileIdByGid(db, actor.projectId, gid, field);
  await withTx(db, async (tx) => throwIfFailed(await trashSubtrees(tx, actor, [id]), String(gid)));
}
