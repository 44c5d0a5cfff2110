// Fast, set-based tree seeding for tests and benchmarks: inserts folders and files straight into
// the assets table (real rows with correct path/pathname), without change events. Use the HTTP API
// when the test is about the API; use this for volume.
import type { Db } from '../../src/db/pool.ts';

export interface SeededFolder { id: number; gid: string; pathname: string }

/** The root folder of a project. */
export async function rootOf(db: Db, projectId: number): Promise<SeededFolder> {
  const { rows } = await db.query('SELECT id, gid::text, pathname FROM assets WHERE project_id = $1 AND parent_id IS NULL', [projectId]);
  return rows[0];
}

/** Creates a folder named `name` under `parentId` (root when omitted). */
export async function seedFolder(db: Db, projectId: number, name: string, parentId?: number): Promise<SeededFolder> {
  const parent = parentId ?? (await rootOf(db, projectId)).id;
  const { rows } = await db.query(
    `WITH p AS (SELECT * FROM assets WHERE id = $2), n AS (SELECT nextval('assets_id_seq') AS id)
     INSERT INTO assets(id, project_id, parent_id, path, depth, name, pathname, is_file)
     SELECT n.id, $1, p.id, p.path || n.id || '/', p.depth + 1, $3,
            CASE WHEN p.pathname = '/' THEN '/' || $3 ELSE p.pathname || '/' || $3 END, false
     FROM p, n RETURNING id, gid::text, pathname`, [projectId, parent, name]);
  return rows[0];
}

/**
 * Creates `count` files named `${prefix}${i}.jpg` (i = 1..count) under parentId, type image, in one
 * INSERT. Returns nothing: query the table for the gids when needed.
 */
export async function seedFiles(db: Db, projectId: number, parentId: number, count: number, prefix = 'file-'): Promise<void> {
  await db.query(
    `WITH p AS (SELECT * FROM assets WHERE id = $2),
          ids AS (SELECT nextval('assets_id_seq') AS id, g AS i FROM generate_series(1, $3::int) g)
     INSERT INTO assets(id, project_id, parent_id, path, depth, name, pathname, is_file, type, mime, size)
     SELECT ids.id, $1, p.id, p.path || ids.id || '/', p.depth + 1, $4 || ids.i || '.jpg',
            CASE WHEN p.pathname = '/' THEN '/' ELSE p.pathname || '/' END || $4 || ids.i || '.jpg',
            true, 'image', 'image/jpeg', 1000 + ids.i
     FROM p, ids`, [projectId, parentId, count, prefix]);
}

/** gids of the live children of a folder, by name. */
export async function childGids(db: Db, parentId: number): Promise<string[]> {
  const { rows } = await db.query('SELECT gid::text FROM assets WHERE parent_id = $1 AND deleted_on IS NULL ORDER BY name', [parentId]);
  return rows.map((r) => r.gid);
}

/** Creates `count` folders named `${prefix}${i}` (i = 1..count) under parentId in one INSERT; returns their gids in order. */
export async function seedFolders(db: Db, projectId: number, parentId: number, count: number, prefix = 'folder-'): Promise<string[]> {
  const { rows } = await db.query(
    `WITH p AS (SELECT * FROM assets WHERE id = $2),
          ids AS (SELECT nextval('assets_id_seq') AS id, g AS i FROM generate_series(1, $3::int) g)
     INSERT INTO assets(id, project_id, parent_id, path, depth, name, pathname, is_file)
     SELECT ids.id, $1, p.id, p.path || ids.id || '/', p.depth + 1, $4 || ids.i,
            CASE WHEN p.pathname = '/' THEN '/' ELSE p.pathname || '/' END || $4 || ids.i, false
     FROM p, ids ORDER BY ids.i RETURNING gid::text`, [projectId, parentId, count, prefix]);
  return rows.map((r) => r.gid);
}
