// Shared setup of the asset-tree tests: a server, a project with an owner and a viewer, an
// authenticated Unicat client, the root folder, and readers of the project's change feed.
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';

export interface AssetSession { t: TestServer; f: Fixture; c: UnicatClient; rootGid: string }

export async function openAssetSession(): Promise<AssetSession> {
  const t = await startTestServer();
  const f = await createFixture(t.db, { owner: 'owner', viewer: 'viewer' });
  const c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
  const rootGid = (await c.call('assets/get', { pathname: '/' })).result.asset;
  return { t, f, c, rootGid };
}

/** The project's events after `after`, in cursor order. */
export async function feedSince(s: AssetSession, after: number): Promise<{ cursor: number; action: string; data_key: string }[]> {
  const { rows } = await s.t.db.query('SELECT cursor, action, data_key FROM changes WHERE project_id = $1 AND cursor > $2 ORDER BY cursor', [s.f.projectId, after]);
  return rows;
}

/** The project's current feed cursor. */
export async function feedCursor(s: AssetSession): Promise<number> {
  const { rows } = await s.t.db.query('SELECT cursor FROM project_cursors WHERE project_id = $1', [s.f.projectId]);
  return Number(rows[0].cursor);
}

/** assets/create; returns the new folder's gid. */
export async function createFolder(s: AssetSession, parent: string, name?: string): Promise<string> {
  const r = await s.c.call('assets/create', name === undefined ? { parent } : { parent, name });
  return r.result.asset as string;
}
