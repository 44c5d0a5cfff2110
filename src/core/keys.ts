// API keys: random, shown once, stored as sha256; one key = one user in one project.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/pool.ts';
import { invalid, notFound, unauthenticated, forbidden } from './errors.ts';
import type { Role } from './users.ts';
import { sealKey, unsealKey } from './key-seal.ts';

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export async function createApiKey(db: Db, userId: number, projectId: number): Promise<string> {
  const { rows } = await db.query('SELECT 1 FROM memberships WHERE project_id = $1 AND user_id = $2', [projectId, userId]);
  if (!rows[0]) throw invalid('the user is not a member of the project');
  const key = `al_${randomBytes(24).toString('base64url')}`;
  await db.query('INSERT INTO api_keys(key_hash, key_sealed, user_id, project_id) VALUES ($1, $2, $3, $4)',
    [hashKey(key), await sealKey(db, key), userId, projectId]);
  return key;
}

export async function revokeApiKey(db: Db, key: string): Promise<void> {
  const { rowCount } = await db.query(
    'UPDATE api_keys SET revoked_on = now() WHERE key_hash = $1 AND revoked_on IS NULL', [hashKey(key)]);
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

const ACTOR_COLUMNS = `
  SELECT u.id AS "userId", u.gid::text AS "userGid", u.email, u.name,
         p.id AS "projectId", p.gid::text AS "projectGid", m.role, k.id AS "keyId"`;
const ACTOR_FROM = `
  FROM api_keys k
  JOIN users u ON u.id = k.user_id
  JOIN projects p ON p.id = k.project_id
  LEFT JOIN memberships m ON m.project_id = k.project_id AND m.user_id = k.user_id`;
const ACTOR_SQL = ACTOR_COLUMNS + ACTOR_FROM;

/** Authenticates an API key; when projectGid is given the key must belong to that project. */
export async function actorForKey(db: Db, key: string, projectGid?: string): Promise<Actor> {
  const { rows } = await db.query(`${ACTOR_SQL} WHERE k.key_hash = $1 AND k.revoked_on IS NULL`, [hashKey(key)]);
  const a = rows[0];
  if (!a) throw unauthenticated('unknown or revoked api key');
  if (projectGid !== undefined && a.projectGid !== projectGid) throw forbidden('the api key is not for this project');
  if (!a.role) throw forbidden('the user is not a member of this project');
  return a;
}

/**
 * Re-checks an actor from a JWT on a project path: the key must still be active, `projectGid` must
 * be the key's own project (a JWT acts only where its key does, so revoking a key ends all of its
 * JWTs' access), and the user must still be a member there.
 */
export async function actorForUser(db: Db, keyId: number, userGid: string, projectGid: string): Promise<Actor> {
  const { rows } = await db.query(`${ACTOR_SQL} WHERE k.id = $1 AND k.revoked_on IS NULL AND u.gid = $2::uuid`, [keyId, userGid]);
  const a = rows[0];
  if (!a) throw unauthenticated('the key behind this token was revoked');
  if (a.projectGid !== projectGid) throw forbidden('this JWT is for another project: authenticate with an api key of this project');
  if (!a.role) throw forbidden('not a member of this project');
  return a;
}

export const canWrite = (a: Actor) => a.role !== 'viewer';

/** The actor of a key by id (Bearer JWTs outside a project path act in the key's project). */
export async function actorForKeyId(db: Db, keyId: number, userGid: string): Promise<Actor> {
  const { rows } = await db.query(`${ACTOR_SQL} WHERE k.id = $1 AND k.revoked_on IS NULL AND u.gid = $2::uuid`, [keyId, userGid]);
  const a = rows[0];
  if (!a) throw unauthenticated('the key behind this token was revoked');
  if (!a.role) throw forbidden('the user is not a member of the project');
  return a;
}

/**
 * The active keys of a user, in clear, each with the Actor it authenticates (role null when the
 * user has left the key's project), for verifying HMAC signatures made with the key itself
 * (Uplynk's msg/sig). One query.
 */
export async function keyActorsOfUser(db: Db, userGid: string): Promise<{ key: string; actor: Omit<Actor, 'role'> & { role: Role | null } }[]> {
  const { rows } = await db.query(`${ACTOR_COLUMNS}, k.key_sealed ${ACTOR_FROM}
     WHERE u.gid = $1::uuid AND k.revoked_on IS NULL ORDER BY k.id`, [userGid]);
  return Promise.all(rows.map(async ({ key_sealed, ...actor }) => ({ key: await unsealKey(db, key_sealed), actor })));
}
