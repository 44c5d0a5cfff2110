// Unicat authentication: api_key -> JWT; every other call carries `Authorization: Bearer <JWT>`
// and gets a renewed JWT back in the `Authorization` response header.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { actorForUser, type Actor } from '../../core/keys.ts';
import { renewedJwt, verifyJwt, type TokenClaims } from '../../core/tokens.ts';
import { unauthenticated, forbidden } from '../../core/errors.ts';
import { normalizeId } from '../../core/ids.ts';

declare module 'fastify' {
  interface FastifyRequest { actor: Actor }
}

const BEARER = /^Bearer\s+(\S+)$/i;

export function bearerToken(req: FastifyRequest): string {
  const h = req.headers.authorization;
  if (!h) throw unauthenticated('missing JWT');
  const m = BEARER.exec(h);
  if (!m) throw unauthenticated('the Authorization header must be "Bearer <JWT>"');
  return m[1];
}

/**
 * onRequest hook (before body parsing, so a request without credentials always gets 401):
 * authenticates every non-public route of the scope. `refresh: false` (the /dam scope) sends no
 * renewed JWT back.
 */
export function installJwtAuth(app: FastifyInstance, ctx: AppContext, opts: { refresh?: boolean } = {}): void {
  app.decorateRequest('actor', null as unknown as Actor);
  app.addHook('onRequest', async (req, reply) => {
    // an unknown call is a 404 whoever asks (Unicat routes before it authenticates)
    if (req.is404 || req.routeOptions.config?.public) return;
    const token = bearerToken(req);
    let claims: TokenClaims | undefined;
    req.actor = await app.guardAuth(req, reply, async () => {
      claims = await verifyJwt(token, ctx.config.jwtSecret);
      const projectGid = normalizeId((req.params as { project?: string }).project);
      if (!projectGid) throw forbidden('not a member of this project');
      return ctx.actors
        ? ctx.actors.actorForUser(ctx.db, claims.keyId, claims.userGid, projectGid)
        : actorForUser(ctx.db, claims.keyId, claims.userGid, projectGid);
    });
    if (opts.refresh === false) return;
    // a token younger than RENEW_AFTER_SECONDS goes back as it came (docs/dialects/unicat.md)
    reply.header('Authorization', await renewedJwt(token, claims!, ctx.config.jwtTtlSeconds, ctx.config.jwtSecret));
  });
}
