// Protection layers (docs/hardening.md#protection-layers): security headers (@fastify/helmet),
// `Cache-Control: no-store` on API answers, and a limit on failed authentications per client
// address (@fastify/rate-limit's counter, consulted only when authentication fails).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { Config } from '../config.ts';
import { CoreError } from '../core/errors.ts';

/** The API prefixes: their answers are never cached. (Static UI and /dam media keep their own caching.) */
const API_PREFIXES = ['/api/', '/sync/', '/documents/'];

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Runs an authentication; when the client address has failed too often it answers 429
     * (CoreError 'rate_limited') without trying, and a failure counts towards the limit.
     */
    guardAuth<T>(req: FastifyRequest, reply: FastifyReply, authenticate: () => Promise<T>): Promise<T>;
  }
}

/** Is this error a failed authentication (bad or unknown credentials)? */
export function isAuthFailure(e: unknown): boolean {
  return e instanceof CoreError && (e.kind === 'unauthenticated' || e.info.reason === 'unknown_credentials');
}

export async function installProtection(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(helmet, {
    // media and API answers may be read from other origins by clients that hold credentials
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    // the default CSP (default-src 'self', scripts from 'self', inline styles allowed) suits a
    // Vite-built static app served from this origin; API answers are JSON/XML, not documents
  });
  app.addHook('onRequest', async (req, reply) => {
    if (API_PREFIXES.some((p) => req.url.startsWith(p))) reply.header('Cache-Control', 'no-store');
  });

  const max = config.authFailLimit;
  const windowMs = config.authFailWindowSeconds * 1000;
  const blocked = new Map<string, number>(); // client key -> blocked until (ms)
  const tooMany = (until: number) => new CoreError('rate_limited',
    `too many failed authentications from this address: retry in ${Math.max(1, Math.ceil((until - Date.now()) / 1000))} s`,
    { retry_after: Math.max(1, Math.ceil((until - Date.now()) / 1000)) });
  let countFailure: ((req: FastifyRequest, reply: FastifyReply) => Promise<void>) | undefined;
  if (max > 0) {
    await app.register(rateLimit, { global: false });
    countFailure = app.rateLimit({
      max, timeWindow: windowMs, groupId: 'auth-failures',
      keyGenerator: (req) => req.ip,
      errorResponseBuilder: (req, ctx) => {
        const until = Date.now() + ctx.ttl;
        blocked.set(req.ip, until);
        return tooMany(until);
      },
    }) as unknown as (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }

  app.decorate('guardAuth', async function guardAuth<T>(req: FastifyRequest, reply: FastifyReply, authenticate: () => Promise<T>): Promise<T> {
    if (!countFailure) return authenticate();
    const until = blocked.get(req.ip);
    if (until !== undefined) {
      if (until > Date.now()) { reply.header('Retry-After', String(Math.ceil((until - Date.now()) / 1000))); throw tooMany(until); }
      blocked.delete(req.ip);
    }
    try {
      return await authenticate();
    } catch (e) {
      if (isAuthFailure(e)) {
        // the counter answers 429 (throws) once this failure is over the limit
        await countFailure(req, reply);
      }
      throw e;
    }
  });
}
