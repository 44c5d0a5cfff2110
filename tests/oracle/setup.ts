// Shared fixtures of the Oracle tests: a server, a project with members, seeded files.
import type pg from 'pg';
import { createFixture, startTestServer, type Fixture, type TestServer } from '../helpers/server.ts';
import { rootOf, seedFiles, seedFolder } from '../helpers/seed.ts';
import type { Role } from '../../src/core/users.ts';
import { OracleClient } from './client.ts';

export interface OracleEnv {
  t: TestServer;
  f: Fixture;
  /** one client per fixture user, authenticated with Basic */
  as: Record<string, OracleClient>;
}

export async function oracleEnv(members: Record<string, Role> = {
  owner: 'owner', editor: 'editor', other: 'editor', pviewer: 'viewer',
}): Promise<OracleEnv> {
  const t = await startTestServer();
  const f = await createFixture(t.db, members);
  return { t, f, as: clientsFor(t, f) };
}

export function clientsFor(t: TestServer, f: Fixture): Record<string, OracleClient> {
  const as: Record<string, OracleClient> = {};
  for (const [alias, u] of Object.entries(f.users)) as[alias] = new OracleClient(t.url, { email: u.email, key: u.key });
  return as;
}

let folderCounter = 0;

/** Seeds `count` files in a new folder of the project; returns their gids (by name order) and the folder gid. */
export async function seedAssets(db: pg.Pool, projectId: number, count: number): Promise<{ files: string[]; folder: string }> {
  const folder = await seedFolder(db, projectId, `seeded-${folderCounter++}-${Date.now()}`, (await rootOf(db, projectId)).id);
  await seedFiles(db, projectId, folder.id, count);
  const { rows } = await db.query('SELECT gid::text FROM assets WHERE parent_id = $1 ORDER BY id', [folder.id]);
  return { files: rows.map((r) => r.gid), folder: folder.gid };
}

/** What a refused request must leave untouched: the project's feed cursor and every membership/library row. */
export async function dbState(db: pg.Pool, projectId: number): Promise<unknown> {
  const { rows } = await db.query(
    `SELECT (SELECT cursor FROM project_cursors WHERE project_id = $1) AS cursor,
            (SELECT coalesce(array_agg(l.gid::text || '/' || la.asset_gid::text ORDER BY l.gid, la.asset_gid), '{}')
               FROM library_assets la JOIN libraries l ON l.id = la.library_id WHERE l.project_id = $1) AS members,
            (SELECT coalesce(array_agg(l.gid::text || ':' || l.name || ':' || (l.deleted_on IS NULL) ORDER BY l.gid), '{}')
               FROM libraries l WHERE l.project_id = $1) AS libraries,
            (SELECT coalesce(array_agg(l.gid::text || ':' || s.user_id || ':' || s.role ORDER BY l.gid, s.user_id), '{}')
               FROM library_shares s JOIN libraries l ON l.id = s.library_id WHERE l.project_id = $1) AS shares`, [projectId]);
  return rows[0];
}

/** Creates a collection through Oracle (JSON) and returns its id. */
export async function newCollection(c: OracleClient, name = `c-${Date.now()}-${folderCounter++}`, description?: string): Promise<string> {
  const res = await c.post('/collections', description === undefined ? { name } : { name, description });
  if (res.status !== 201) throw new Error(`create collection -> ${res.status} ${res.text}`);
  return res.body.id;
}
