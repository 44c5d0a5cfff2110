// JWTs (HS256) for the Unicat and Oracle Bearer auth. The secret lives in the database (settings
// table), shared by every server; JWT_SECRET overrides it.
import { SignJWT, jwtVerify } from 'jose';
import type { Db } from '../db/pool.ts';
import { unauthenticated } from './errors.ts';

const secrets = new WeakMap<object, Uint8Array>();

async function secret(db: Db, override?: string): Promise<Uint8Array> {
  if (override) return new TextEncoder().encode(override);
  let s = secrets.get(db);
  if (!s) {
    const { rows } = await db.query("SELECT value FROM settings WHERE key = 'jwt_secret'");
    s = new TextEncoder().encode(rows[0].value);
    secrets.set(db, s);
  }
  return s;
}

export interface TokenClaims { userGid: string; keyId: number; exp: number }

export async function issueJwt(db: Db, userGid: string, keyId: number, ttlSeconds: number, override?: string): Promise<string> {
  return new SignJWT({ k: keyId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userGid)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(await secret(db, override));
}

export async function verifyJwt(db: Db, token: string, override?: string): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify(token, await secret(db, override), { algorithms: ['HS256'] });
    if (typeof payload.sub !== 'string' || typeof payload.k !== 'number' || typeof payload.exp !== 'number') {
      throw new Error('claims');
    }
    return { userGid: payload.sub, keyId: payload.k, exp: payload.exp };
  } catch (e: any) {
    throw unauthenticated(e?.code === 'ERR_JWT_EXPIRED' ? 'the JWT has expired' : 'the JWT is not valid');
  }
}
