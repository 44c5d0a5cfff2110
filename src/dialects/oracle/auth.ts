// Oracle authentication: HTTP Basic (the user's email and one of the user's API keys) or Bearer
// (a JWT from the Unicat `auth` call). The actor acts in the key's project. Missing or bad
// credentials answer 401 with `WWW-Authenticate: Basic realm="assetlib"` in Oracle's error shape.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { actorForKey, actorForKeyId, type Actor } from '../../core/keys.ts';
import { verifyJwt } from '../../core/tokens.ts';
import { unauthenticated } from '../../core/errors.ts';

declare module 'fastify' {
  interface FastifyRequest { actor: Actor }
}

export async function authenticate(ctx: AppContext, req: FastifyRequest): Promise<Actor> {
  const h = req.headers.authorization;
  if (!h || !h.trim()) throw unauthenticated('credentials are required: HTTP Basic (email and API key) or a Bearer JWT');
  const m = /^(Basic|Bearer)\s+(\S+)\s*$/i.exec(h);
  if (!m) throw unauthenticated('the Authorization header must be "Basic <base64 email:api key>" or "Bearer <JWT>"');
  if (m[1].toLowerCase() === 'bearer') {
    const claims = await verifyJwt(m[2], ctx.config.jwtSecret);
    return actorForKeyId(ctx.db, claims.keyId, claims.userGid);
  }
  const decoded = Buffer.from(m[2], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw unauthenticated('Basic credentials must be "email:api key"');
  const email = decoded.slice(0, colon);
  const key = decoded.slice(colon + 1);
  if (!key) throw unauthenticated('Basic credentials must be "email:api key"');
  const actor = await actorForKey(ctx.db, key);
  if (actor.email.toLowerCase() !== email.trim().toLowerCase()) throw unauthenticated('the API key does not belong to this user');
  return actor;
}

/** onRequest hook (before body parsing): every route of the scope requires credentials. */
export function installOracleAuth(app: FastifyInstance, ctx: AppContext): void {
  if (!app.hasRequestDecorator('actor')) app.decorateRequest('actor', null as unknown as Actor);
  app.addHook('onRequest', async (req, reply) => {
    if (req.routeOptions.config?.public) return;
    req.actor = await app.guardAuth(req, reply, () => authenticate(ctx, req));
  });
}
