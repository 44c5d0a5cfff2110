// JWTs (HS256) for the Unicat and Oracle Bearer auth. The secret lives in the database (settings
// table), shared by every server; JWT_SECRET overrides it. The HMAC key is imported once per
// process as a KeyObject (handed raw bytes, jose imports it again on every sign and verify).
import { createSecretKey, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { Db } from '../db/pool.ts';
import { unauthenticated } from './errors.ts';

const secrets = new WeakMap<object, KeyObject>();
const overrides = new Map<string, KeyObject>();

async function secret(db: Db, override?: string): Promise<KeyObject> {
  if (override) {
    let k = overrides.get(override);
    if (!k) { k = createSecretKey(Buffer.from(override, 'utf8')); overrides.set(override, k); }
    return k;
  }
  let s = secrets.get(db);
  if (!s) {
    const { rows } = await db.query("SELECT value FROM settings WHERE key = 'jwt_secret'");
    s = createSecretKey(Buffer.from(rows[0].value, 'utf8'));
    secrets.set(db, s);
  }
  return s;
}

/** iat: when the token was issued (seconds); exp: when it expires. */
export interface TokenClaims { userGid: string; keyId: number; iat: number; exp: number }

/**
 * A JWT younger than this is sent back as it came instead of a renewed one: signing a fresh token
 * for every response cost more than the read it answered, and a token this young has (nearly) its
 * whole lifetime ahead. Clients still get a token at least this fresh on every response.
 */
export const RENEW_AFTER_SECONDS = 10;

export async function issueJwt(db: Db, userGid: string, keyId: number, ttlSeconds: number, override?: string): Promise<string> {
  return new SignJWT({ k: keyId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userGid)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(await secret(db, override));
}

/** The token to answer with: `token` itself while younger than RENEW_AFTER_SECONDS, else a new one. */
export async function renewedJwt(db: Db, token: string, claims: TokenClaims, ttlSeconds: number, override?: string): Promise<string> {
  if (Date.now() / 1000 - claims.iat < RENEW_AFTER_SECONDS) return token;
  return issueJwt(db, claims.userGid, claims.keyId, ttlSeconds, override);
}

export async function verifyJwt(db: Db, token: string, override?: string): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify(token, await secret(db, override), { algorithms: ['HS256'] });
    if (typeof payload.sub !== 'string' || typeof payload.k !== 'number' || typeof payload.exp !== 'number') {
      throw new Error('claims');
    }
    return { userGid: payload.sub, keyId: payload.k, iat: typeof payload.iat === 'number' ? payload.iat : 0, exp: payload.exp };
  } catch (e: any) {
    throw unauthenticated(e?.code === 'ERR_JWT_EXPIRED' ? 'the JWT has expired' : 'the JWT is not valid');
  }
}
