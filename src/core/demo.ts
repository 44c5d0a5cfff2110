// The demo project created on the first start against an empty database.
import type pg from 'pg';
import { withTx } from '../db/pool.ts';
import { createProject } from './projects.ts';
import { ensureUser, setMembership } from './users.ts';
import { createApiKey } from './keys.ts';

export const DEMO_EMAIL = 'demo@assetlib.local';

/** Creates the demo project and its owner when no project exists yet; returns undefined otherwise. */
export async function ensureDemo(pool: pg.Pool): Promise<{ projectGid: string; email: string; apiKey: string } | undefined> {
  return withTx(pool, async (tx) => {
    // Serialise concurrent first starts of several servers.
    await tx.query('SELECT pg_advisory_xact_lock(727271002)');
    const { rows } = await tx.query('SELECT EXISTS (SELECT 1 FROM projects) AS any');
    if (rows[0].any) return undefined;
    const project = await createProject(tx, 'Demo');
    const user = await ensureUser(tx, DEMO_EMAIL, 'Demo owner');
    await setMembership(tx, project.id, user.id, 'owner');
    const apiKey = await createApiKey(tx, user.id, project.id);
    return { projectGid: project.gid, email: DEMO_EMAIL, apiKey };
  });
}
