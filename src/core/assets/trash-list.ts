// The trash as a list: the assets that a delete trashed (each the root of its delete) and that can
// be restored by themselves, i.e. whose parent is live. Newest delete first. What a trashed folder
// holds is read with children (its children trashed with it).
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import type { Page } from './read.ts';

export async function listTrash(db: Db, actor: Actor, page: Page): Promise<{ ids: number[]; total: number }> {
  const where = `a.project_id = $1 AND a.deleted_on IS NOT NULL AND a.deleted_root = a.id
    AND NOT EXISTS (SELECT 1 FROM assets p WHERE p.id = a.parent_id AND p.deleted_on IS NOT NULL)`;
  const [{ rows }, { rows: [n] }] = await Promise.all([
    db.query(`SELECT a.id FROM assets a WHERE ${where} ORDER BY a.deleted_on DESC, a.id DESC LIMIT $2 OFFSET $3`,
      [actor.projectId, page.size, page.top]),
    db.query(`SELECT count(*)::int AS n FROM assets a WHERE ${where}`, [actor.projectId]),
  ]);
  return { ids: rows.map((r) => Number(r.id)), total: n.n };
}
