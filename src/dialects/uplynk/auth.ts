// Uplynk authentication (API-SPEC §2.1): every request carries the query parameters `msg` and
// `sig`. msg = base64(zlib(JSON {"_owner": <user id>, "_timestamp": <unix seconds>})),
// sig = hex HMAC-SHA256(msg) keyed with the user's API key. The key that verifies decides the
// project the request acts in (one key = one user in one project).
// The vendor's scheme signs only {_owner, _timestamp}: a signature is good for any call for the
// whole skew window. UPLYNK_AUTH=strict (docs/dialects/uplynk.md) accepts each signature once and
// checks `_method` and `_path` when msg carries them.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { keyActorsOfUser, type Actor } from '../../core/keys.ts';
import { forbidden, unauthenticated } from '../../core/errors.ts';
import { normalizeId } from '../../core/ids.ts';
import { useSignatureOnce } from '../../core/replay.ts';

/** How far `_timestamp` may be from the server's clock, in seconds. */
export const MAX_SKEW_SECONDS = 300;
const MAX_MSG_LENGTH = 4096;

declare module 'fastify' {
  interface FastifyRequest { uplynkActor: Actor }
}

function one(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  return undefined;
}

/** Verifies msg/sig and returns the caller. Throws unauthenticated (401) on any failure. */
export async function authenticate(ctx: AppContext, req: FastifyRequest): Promise<Actor> {
  const q = (req.query ?? {}) as Record<string, unknown>;
  // a client that does not URL-encode msg turns its '+' into ' '
  const msg = one(q.msg)?.replace(/ /g, '+');
  const sig = one(q.sig);
  if (!msg || !sig) throw unauthenticated('missing msg and sig query parameters');
  if (msg.length > MAX_MSG_LENGTH) throw unauthenticated('msg is too long');
  if (!/^[0-9a-fA-F]{64}$/.test(sig)) throw unauthenticated('sig must be a hex HMAC-SHA256 digest');
  let claims: Record<string, unknown>;
  try {
    const json = inflateSync(Buffer.from(msg, 'base64'), { maxOutputLength: 16 * 1024 }).toString('utf8');
    claims = JSON.parse(json);
  } catch {
    throw unauthenticated('msg is not base64 of zlib-compressed JSON');
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw unauthenticated('msg must hold a JSON object');
  const owner = normalizeId(claims._owner);
  if (!owner) throw unauthenticated('msg._owner must be your user id');
  const ts = claims._timestamp;
  if (typeof ts !== 'number' || !Number.isFinite(ts)) throw unauthenticated('msg._timestamp must be unix seconds');
  if (Math.abs(ts - Date.now() / 1000) > MAX_SKEW_SECONDS) {
    throw unauthenticated(`msg._timestamp is more than ${MAX_SKEW_SECONDS} s from the server's clock`, { server_time: Math.floor(Date.now() / 1000) });
  }
  const strict = ctx.config.uplynkAuth === 'strict';
  if (strict) checkBinding(claims, req);
  const given = Buffer.from(sig.toLowerCase(), 'hex');
  // each key's HMAC once: the cache's check and the loop below ask about the same keys
  const checked = new Map<string, boolean>();
  const signs = (key: string) => {
    let ok = checked.get(key);
    if (ok === undefined) { ok = timingSafeEqual(createHmac('sha256', key).update(msg).digest(), given); checked.set(key, ok); }
    return ok;
  };
  // the cached keys (src/core/actor-cache.ts) answer only a signature they verify for a member
  const keys = ctx.actors
    ? await ctx.actors.keyActorsOfUser(ctx.db, owner, (list) => list.some((k) => k.actor.role && signs(k.key)))
    : await keyActorsOfUser(ctx.db, owner);
  for (const { key, actor } of keys) {
    if (!signs(key)) continue;
    if (strict && !(await useSignatureOnce(ctx.db, given, ts + MAX_SKEW_SECONDS))) {
      throw unauthenticated('this signature was already used: in strict mode each request needs its own signature (sign every call; two calls in the same second need a distinct msg._nonce)');
    }
    if (!actor.role) throw forbidden('the user is not a member of the project of this key');
    return actor as Actor;
  }
  throw unauthenticated('the signature does not match any active API key of this user');
}

/** Strict mode: `_method` and `_path`, when msg carries them, must be this request's. */
function checkBinding(claims: Record<string, unknown>, req: FastifyRequest): void {
  const { _method: method, _path: path } = claims;
  if (method !== undefined && (typeof method !== 'string' || method.toUpperCase() !== req.method)) {
    throw unauthenticated('msg._method does not match the request method');
  }
  if (path !== undefined && (typeof path !== 'string' || path !== req.url.split('?')[0])) {
    throw unauthenticated('msg._path does not match the request path');
  }
}

/** onRequest hook (before body parsing: a request without credentials always gets 401). */
export function installUplynkAuth(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('uplynkActor', null as unknown as Actor);
  app.addHook('onRequest', async (req, reply) => {
    if (req.routeOptions.config?.public) return;
    req.uplynkActor = await app.guardAuth(req, reply, () => authenticate(ctx, req));
  });
}
