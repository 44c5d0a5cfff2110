// API keys: random, shown once, stored as sha256; one key = one user in one project.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/pool.ts';
import { defineStatement, run } from '../db/statement.ts';
import { invalid, notFound, unauthenticated, forbidden } from './errors.ts';
import type { Role } from './users.ts';
import { sealKey, unsealKey } from './key-seal.ts';
import { invalidateActorCaches } from './actor-cache.ts';

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export async function createApiKey(db: Db, userId: number, projectId: number): Promise<string> {
  const { rows } = await db.query('SELECT 1 FROM memberships WHERE project_id = $1 AND user_id = $2', [projectId, userId]);
  if (!rows[0]) throw invalid('the user is not a member of the project');
  const key = `al_${randomBytes(24).toString('base64url')}`;
  await db.query('INSERT INTO api_keys(key_hash, key_sealed, user_id, project_id) VALUES ($1, $2, $3, $4)',
    [hashKey(key), sealKey(key), userId, projectId]);
  return key;
}

export async function revokeApiKey(db: Db, key: string): Promise<void> {
  const { rowCount } = await db.query(
    'UPDATE api_keys SET revoked_on = now() WHERE key_hash = $1 AND revoked_on IS NULL', [hashKey(key)]);
  invalidateActorCaches();
  if (!rowCount) throw notFound('no active key matches');
}

/** The caller of a request: a user acting in one project with one role. */
export interface Actor {
  userId: number;
  userGid: string;
  email: string;
  name: string;
  projectId: number;
  projectGid: string;
  role: Role;
  keyId: number;
}

/** How an actor is looked up: by a key's hash (api key), by key id and user (JWT), all keys of a user (HMAC), or a member (a job). */
export type ActorBy =
  | { by: 'key_hash'; keyHash: string }
  | { by: 'key_id'; keyId: number; userGid: string }
  | { by: 'user_keys'; userGid: string }
  | { by: 'member'; userId: number; projectId: number; keyId: number | null };

export type ActorRow = Omit<Actor, 'role'> & { role: Role | null; key_sealed?: string };

const ACTOR_COLUMNS = `SELECT u.id AS "userId", u.gid::text AS "userGid", u.email, u.name,
       p.id AS "projectId", p.gid::text AS "projectGid", m.role`;
const KEY_FROM = `, k.id AS "keyId"
FROM api_keys k
JOIN users u ON u.id = k.user_id
JOIN projects p ON p.id = k.project_id
LEFT JOIN memberships m ON m.project_id = k.project_id AND m.user_id = k.user_id`;

/** THE actor query: who a caller is (user, project, role, key), whichever way they authenticated. */
export const actorQuery = defineStatement<ActorBy, ActorRow>({
  name: 'actor',
  summary: 'the actor (user, project, project role, key) of a request or a job',
  render(p) {
    switch (p.by) {
      case 'key_hash': return { text: `${ACTOR_COLUMNS}${KEY_FROM}\nWHERE k.key_hash = $1 AND k.revoked_on IS NULL`, values: [p.keyHash] };
      case 'key_id': return { text: `${ACTOR_COLUMNS}${KEY_FROM}\nWHERE k.id = $1 AND k.revoked_on IS NULL AND u.gid = $2::uuid`, values: [p.keyId, p.userGid] };
      case 'user_keys': return { text: `${ACTOR_COLUMNS}, k.key_sealed${KEY_FROM}\nWHERE u.gid = $1::uuid AND k.revoked_on IS NULL ORDER BY k.id`, values: [p.userGid] };
      case 'member': return {
        text: `${ACTOR_COLUMNS}, $3::bigint AS "keyId"\nFROM users u JOIN projects p ON p.id = $2\nJOIN memberships m ON m.project_id = p.id AND m.user_id = u.id\nWHERE u.id = $1`,
        values: [p.userId, p.projectId, p.keyId ?? 0],
      };
    }
  },
  // a probe by key: the same plan whatever the values, planned once per connection
  prepare: () => true,
  samples: [
    { label: 'an api key (Unicat auth, Oracle Basic)', params: { by: 'key_hash', keyHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } },
    { label: 'a JWT (key id and user)', params: { by: 'key_id', keyId: 7, userGid: '6f1c2a8e-0000-4000-8000-000000000002' } },
    { label: 'the keys of a user (Uplynk HMAC)', params: { by: 'user_keys', userGid: '6f1c2a8e-0000-4000-8000-000000000002' } },
    { label: 'a member (the user who started a job)', params: { by: 'member', userId: 2, projectId: 1, keyId: 7 } },
  ],
});

/** Authenticates an API key; when projectGid is given the key must belong to that project. */
export async function actorForKey(db: Db, key: string, projectGid?: string): Promise<Actor> {
  const a = (await run(db, actorQuery, { by: 'key_hash', keyHash: hashKey(key) }))[0];
  if (!a) throw unauthenticated('unknown or revoked api key');
  if (projectGid !== undefined && a.projectGid !== projectGid) throw forbidden('the api key is not for this project');
  if (!a.role) throw forbidden('the user is not a member of this project');
  return a as Actor;
}

/** The Actor row of a key by id and user gid (role null when the user left the project); undefined when revoked. */
export async function actorRowForKeyId(db: Db, keyId: number, userGid: string): Promise<ActorRow | undefined> {
  return (await run(db, actorQuery, { by: 'key_id', keyId, userGid }))[0] as ActorRow | undefined;
}

/**
 * The checks of a JWT on a project path: the key must still be active, `projectGid` must be the
 * key's own project (a JWT acts only where its key does, so revoking a key ends all of its JWTs'
 * access), and the user must still be a member there.
 */
export function checkActorRow(a: ActorRow | undefined, projectGid: string): Actor {
  if (!a) throw unauthenticated('the key behind this token was revoked');
  if (a.projectGid !== projectGid) throw forbidden('this JWT is for another project: authenticate with an api key of this project');
  if (!a.role) throw forbidden('not a member of this project');
  return a as Actor;
}

/** Re-checks an actor from a JWT on a project path (checkActorRow); see also ActorCache. */
export async function actorForUser(db: Db, keyId: number, userGid: string, projectGid: string): Promise<Actor> {
  return checkActorRow(await actorRowForKeyId(db, keyId, userGid), projectGid);
}

/** The actor of a key by id (Bearer JWTs outside a project path act in the key's project). */
export async function actorForKeyId(db: Db, keyId: number, userGid: string): Promise<Actor> {
  const a = (await run(db, actorQuery, { by: 'key_id', keyId, userGid }))[0];
  if (!a) throw unauthenticated('the key behind this token was revoked');
  if (!a.role) throw forbidden('the user is not a member of the project');
  return a as Actor;
}

/**
 * The active keys of a user, in clear, each with the Actor it authenticates (role null when the
 * user has left the key's project), for verifying HMAC signatures made with the key itself
 * (Uplynk's msg/sig). One query.
 */
export interface KeyActor { key: string; actor: Omit<Actor, 'role'> & { role: Role | null } }

export async function keyActorsOfUser(db: Db, userGid: string): Promise<KeyActor[]> {
  const rows = await run(db, actorQuery, { by: 'user_keys', userGid });
  return rows.map(({ key_sealed, ...actor }) => ({ key: unsealKey(key_sealed!), actor }));
}

export interface KeySummary { id: number; user_gid: string; email: string; project_gid: string; created_on: string; revoked_on: string | null; active: boolean }

/** API keys (never the key itself: only its id, owner, project and dates), of a project and/or a user. */
export async function listApiKeys(db: Db, filter: { projectId?: number; email?: string; includeRevoked?: boolean } = {}): Promise<KeySummary[]> {
  const { rows } = await db.query(
    `SELECT k.id::int AS id, u.gid::text AS user_gid, u.email, p.gid::text AS project_gid, k.created_on, k.revoked_on,
            k.revoked_on IS NULL AS active
     FROM api_keys k JOIN users u ON u.id = k.user_id JOIN projects p ON p.id = k.project_id
     WHERE ($1::bigint IS NULL OR k.project_id = $1) AND ($2::text IS NULL OR lower(u.email) = lower($2))
       AND ($3 OR k.revoked_on IS NULL)
     ORDER BY k.id`, [filter.projectId ?? null, filter.email ?? null, filter.includeRevoked ?? false]);
  return rows;
}

/** Revokes a key by its id (as `key list` shows it). */
export async function revokeApiKeyById(db: Db, id: number): Promise<void> {
  const { rowCount } = await db.query('UPDATE api_keys SET revoked_on = now() WHERE id = $1 AND revoked_on IS NULL', [id]);
  invalidateActorCaches();
  if (!rowCount) throw notFound('no active key with that id');
}
