// Protection layers (docs/hardening.md#protection-layers): security headers (helmet's, computed
// once per configuration), `Cache-Control: no-store` on API answers, and a limit on failed
// authentications per client address (@fastify/rate-limit's counter, consulted only when
// authentication fails).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, RawServerBase, RawServerDefault } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import rateLimit from '@fastify/rate-limit';
import type { Config } from '../config.ts';
import { CoreError } from '../core/errors.ts';

// The API prefixes /api/, /sync/, /documents/: their answers are never cached. (Static UI and
// /dam media keep their own caching.)

/** A route's own helmet options (merged over the global ones, as @fastify/helmet did), or false: no security headers. */
interface HelmetRouteOptions { helmet?: HelmetOptions | false }

declare module 'fastify' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars, @typescript-eslint/no-empty-object-type
  interface RouteShorthandOptions<RawServer extends RawServerBase = RawServerDefault> extends HelmetRouteOptions {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface RouteOptions extends HelmetRouteOptions {}
  interface FastifyContextConfig {
    /** the route's security headers, computed once when it is added */
    securityHeaders?: Record<string, string>;
  }
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

/**
 * The headers helmet's middleware sets for these options, computed once. @fastify/helmet ran
 * helmet(options) on every request (parsing the CSP directives each time: 4% of the server's CPU
 * under a load of small reads). The headers depend on the options only, as long as no CSP
 * directive is a function of the request (refused here).
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const csp = options.contentSecurityPolicy;
  if (csp && typeof csp === 'object' && Object.values(csp.directives ?? {}).some((v) => typeof v === 'function' || (Array.isArray(v) && v.some((x) => typeof x === 'function')))) {
    throw new Error('securityHeaders: a CSP directive that depends on the request cannot be computed once');
  }
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number) { headers[name.toLowerCase()] = String(value); },
    removeHeader(name: string) { delete headers[name.toLowerCase()]; },
  };
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => { if (err) throw err; });
  return headers;
}

/** Helmet's options for every answer; a route's own `helmet` options are merged over them. */
const GLOBAL_HELMET: HelmetOptions = {
  // media and API answers may be read from other origins by clients that hold credentials
  crossOriginResourcePolicy: { policy: 'cross-origin' },
  // the default CSP (default-src 'self', scripts from 'self', inline styles allowed) suits a
  // Vite-built static app served from this origin; API answers are JSON/XML, not documents
};

export async function installProtection(app: FastifyInstance, config: Config): Promise<void> {
  const globalHeaders = securityHeaders(GLOBAL_HELMET);
  app.addHook('onRoute', (route) => {
    if (route.helmet === undefined) return;
    route.config = { ...route.config, securityHeaders: route.helmet === false ? {} : securityHeaders({ ...GLOBAL_HELMET, ...route.helmet } as HelmetOptions) };
  });
  // one synchronous hook for both (an async hook costs a promise per request)
  app.addHook('onRequest', (req, reply, done) => {
    reply.headers(req.routeOptions.config.securityHeaders ?? globalHeaders);
    const url = req.url;
    if (url.startsWith('/api/') || url.startsWith('/sync/') || url.startsWith('/documents/')) reply.header('Cache-Control', 'no-store');
    done();
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
