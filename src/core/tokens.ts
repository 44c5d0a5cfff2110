// JWTs (HS256) for the Unicat and Oracle Bearer auth. The secret (JWT_SECRET, else
// DATA_DIR/secrets.json: src/core/secrets.ts) is config.jwtSecret once the server has loaded it;
// it is never in the database. The HMAC key is imported once per process as a WebCrypto CryptoKey:
// jose 6 works on WebCrypto only, so raw bytes or a KeyObject are imported again on every sign and
// verify (measured: 11% of the server's CPU in importKey under a load of small authenticated reads).
import { webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { unauthenticated, type CoreError } from './errors.ts';

const keys = new Map<string, Promise<webcrypto.CryptoKey>>();

function secret(value: string | undefined): Promise<webcrypto.CryptoKey> {
  if (!value) throw new Error('the JWT secret was not loaded (loadSecrets at start)');
  let k = keys.get(value);
  if (!k) {
    k = webcrypto.subtle.importKey('raw', Buffer.from(value, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keys.set(value, k);
  }
  return k;
}

/** iat: when the token was issued (seconds); exp: when it expires. */
export interface TokenClaims { userGid: string; keyId: number; iat: number; exp: number }

/**
 * A JWT younger than this is sent back as it came instead of a renewed one: signing a fresh token
 * for every response cost more than the read it answered, and a token this young has (nearly) its
 * whole lifetime ahead. Clients still get a token at least this fresh on every response.
 */
export const RENEW_AFTER_SECONDS = 10;

/** How long a token is sent back as it came: RENEW_AFTER_SECONDS, at most a tenth of its lifetime (short JWT_TTL_SECONDS). */
export const reuseSeconds = (ttlSeconds: number) => Math.min(RENEW_AFTER_SECONDS, ttlSeconds / 10);

export async function issueJwt(userGid: string, keyId: number, ttlSeconds: number, jwtSecret: string | undefined): Promise<string> {
  return new SignJWT({ k: keyId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userGid)
    .setIssuedAt()
    // whole seconds rounded up: a token lives at least ttlSeconds (rounded down, a 2 s token issued
    // at x.9 lived 1.1 s, less than the socket's renewal period of half the lifetime)
    .setExpirationTime(Math.ceil(Date.now() / 1000) + ttlSeconds)
    .sign(await secret(jwtSecret));
}

/** The token to answer with: `token` itself while younger than reuseSeconds(ttl), else a new one. */
export async function renewedJwt(token: string, claims: TokenClaims, ttlSeconds: number, jwtSecret: string | undefined): Promise<string> {
  if (Date.now() / 1000 - claims.iat < reuseSeconds(ttlSeconds)) return token;
  return issueJwt(claims.userGid, claims.keyId, ttlSeconds, jwtSecret);
}

function claimsOf(payload: Record<string, unknown>): TokenClaims {
  if (typeof payload.sub !== 'string' || typeof payload.k !== 'number' || typeof payload.exp !== 'number') {
    throw new Error('claims');
  }
  return { userGid: payload.sub, keyId: payload.k, iat: typeof payload.iat === 'number' ? payload.iat : 0, exp: payload.exp };
}

/** The refusal of a genuine (well-signed) but expired JWT: carries its claims, so that a caller can say "revoked" when its key is. */
export type ExpiredJwtError = CoreError & { expiredClaims?: TokenClaims };

/**
 * Tokens whose signature was checked, with their claims: a client sends the same token on every
 * call until it is renewed (RENEW_AFTER_SECONDS), and checking the HMAC again cost a fifth of the
 * server's CPU under a load of small authenticated reads (WebCrypto's verify job and jose around
 * it). Keyed by the whole token (its signature included) and the secret, so only a token this
 * process verified with this secret is ever found; a hit is used only before its `exp`, by the
 * rule jose applies (expired once `exp <= now` in whole seconds), so an expired token always goes
 * to jose and gets its error. Revocation does not depend on this: the key and membership are
 * checked on every call after the token (src/core/keys.ts, src/core/actor-cache.ts). Our tokens
 * carry no `nbf`. Bounded: emptied when full.
 */
const verified = new Map<string, { jwtSecret: string; claims: TokenClaims }>();
const MAX_VERIFIED = 10_000;

export async function verifyJwt(token: string, jwtSecret: string | undefined): Promise<TokenClaims> {
  const hit = verified.get(token);
  if (hit && hit.jwtSecret === jwtSecret && Math.floor(Date.now() / 1000) < hit.claims.exp) return hit.claims;
  try {
    const claims = Object.freeze(claimsOf((await jwtVerify(token, await secret(jwtSecret), { algorithms: ['HS256'] })).payload));
    if (verified.size >= MAX_VERIFIED) verified.clear();
    verified.set(token, { jwtSecret: jwtSecret!, claims });
    return claims;
  } catch (e: any) {
    if (e?.code !== 'ERR_JWT_EXPIRED') throw unauthenticated('the JWT is not valid');
    const err: ExpiredJwtError = unauthenticated('the JWT has expired');
    // jose checks the signature before the times: the payload of ERR_JWT_EXPIRED is genuine
    try { err.expiredClaims = claimsOf(e.payload ?? {}); } catch { /* malformed claims: just expired */ }
    throw err;
  }
}
