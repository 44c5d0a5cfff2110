// The libraries an asset is in, among those the caller can see (owned or shared, not trashed).
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { effectiveAccess, type Access } from './access.ts';
import { invalid } from '../errors.ts';
import { assetIdByGid } from '../assets/read.ts';

export interface AssetLibrary { gid: string; name: string; access: Access }

export async function librariesOfAsset(db: Db, actor: Actor, assetId: number): Promise<AssetLibrary[]> {
  const { rows } = await db.query(
    `SELECT l.gid::text AS gid, l.name, CASE WHEN l.owner_id = $3 THEN 'owner' ELSE s.role END AS access
     FROM library_assets la
     JOIN libraries l ON l.id = la.library_id
     LEFT JOIN library_shares s ON s.library_id = l.id AND s.user_id = $3
     WHERE la.asset_id = $1 AND l.project_id = $2 AND l.deleted_on IS NULL AND (l.owner_id = $3 OR s.user_id IS NOT NULL)
     ORDER BY lower(l.name), l.id`, [assetId, actor.projectId, actor.userId]);
  return rows.map((r) => ({ gid: r.gid, name: r.name, access: effectiveAccess(actor, r.access)! }));
}

/** The same, for an asset named by its gid (`asset`): the use case of the console's assets/libraries. */
export async function librariesOfAssetGid(db: Db, actor: Actor, asset: unknown): Promise<AssetLibrary[]> {
  if (asset === undefined) throw invalid('asset is required', { field: 'asset' });
  return librariesOfAsset(db, actor, await assetIdByGid(db, actor.projectId, asset));
}
