// Builds the Fastify app: health, OpenAPI, and the three dialects, each in its own scope with
// its own error shape.
import Fastify, { type FastifyInstance, type FastifyBaseLogger } from 'fastify';
import cors from '@fastify/cors';
import type { AppContext } from './context.ts';
import { healthRoutes } from './health.ts';
import type { Config } from '../config.ts';
import { clientErrorHandler, frameworkErrors, notFound } from './dialect-errors.ts';
import { unicatRoutes } from '../dialects/unicat/routes.ts';
import { uplynkRoutes } from '../dialects/uplynk/routes.ts';
import { oracleRoutes } from '../dialects/oracle/routes.ts';
import { syncRoutes } from '../dialects/unicat/sync-routes.ts';
import { consoleRoutes } from './console.ts';
import { ensureWebBuild } from './web-build.ts';
import { damRoutes } from '../dialects/unicat/dam-routes.ts';
import { mediaRoutes } from '../dialects/unicat/media-routes.ts';
import { globalRoutes } from '../dialects/unicat/global-routes.ts';
import { installProtection } from './protection.ts';
import { lazyValidators } from './lazy-validation.ts';
import { logRequestContext } from './logging.ts';
import { installUnicatErrors } from '../dialects/unicat/envelope.ts';
import { installDocsPage, installOpenApi, isDocsPage } from './openapi.ts';

export interface RouteInfo { method: string; url: string; public: boolean }

declare module 'fastify' {
  interface FastifyInstance { routeTable: RouteInfo[] }
  interface FastifyContextConfig { public?: boolean }
}

/**
 * Node's and Fastify's timeouts from the config (docs/hardening.md): a body trickled in, headers
 * never finished, an idle keep-alive or silent connection are cut off. Node checks the request
 * and headers timeouts every `connectionsCheckingInterval`, a fraction of the shorter one.
 */
function timeouts(c: Config) {
  const request = c.requestTimeoutMs;
  const headers = request > 0 ? Math.min(c.headersTimeoutMs, request) : c.headersTimeoutMs; // Node refuses headers > request
  const shortest = Math.min(headers, request || headers);
  return {
    requestTimeout: request,
    connectionTimeout: c.connectionTimeoutMs,
    keepAliveTimeout: c.keepAliveTimeoutMs,
    http: { headersTimeout: headers, connectionsCheckingInterval: Math.max(10, Math.min(30_000, Math.floor(shortest / 4))) },
  };
}

export async function buildApp(ctx: AppContext, opts: { logger?: FastifyBaseLogger | false; webBuild?: boolean } = {}): Promise<FastifyInstance> {
  const t = timeouts(ctx.config);
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    bodyLimit: ctx.config.bodyLimitBytes,
    requestTimeout: t.requestTimeout,
    connectionTimeout: t.connectionTimeout,
    keepAliveTimeout: t.keepAliveTimeout,
    // Uplynk's DELETE /libraries/{id}/assets?ids=... carries up to 10,000 ids in the URL (~370 KB)
    http: { maxHeaderSize: 1024 * 1024, ...t.http },
    return503OnClosing: true,
    frameworkErrors,
    clientErrorHandler,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    schemaController: { compilersFactory: { buildValidator: lazyValidators() } },
  });
  // the web console's bundle, built here when stale: inside a plugin a slow build would hit
  // avvio's plugin start timeout (10 s) on a loaded machine
  if (opts.webBuild !== false) await ensureWebBuild((m) => app.log.info(m)).catch((e: Error) => app.log.warn(`web console build: ${e.message}`));
  const routes: RouteInfo[] = [];
  app.decorate('routeTable', routes);
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) {
      if (m === 'HEAD') continue;
      routes.push({ method: m, url: r.url, public: Boolean((r.config as any)?.public) || isDocsPage(r.url) });
    }
  });

  await installOpenApi(app, '0.1.0');

  await installProtection(app, ctx.config);
  logRequestContext(app);
  app.setNotFoundHandler(notFound);
  healthRoutes(app, ctx.db);
  // CORS only for the configured origins (off by default); preflights are answered here, before
  // any dialect's authentication, and never carry credentials (the APIs use headers, not cookies)
  if (ctx.config.corsOrigins.length) {
    await app.register(cors, {
      origin: ctx.config.corsOrigins, credentials: false, maxAge: 600,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], exposedHeaders: ['Authorization', 'Content-Disposition'],
    });
  }
  await installDocsPage(app);

  await app.register(async (s) => unicatRoutes(s, ctx), { prefix: '/api/p' });
  // Unicat's global API; also answers every other path under /api in Unicat's envelope
  await app.register(async (s) => globalRoutes(s, ctx), { prefix: '/api' });
  await app.register(async (s) => syncRoutes(s, ctx), { prefix: '/sync' });
  await app.register(async (s) => damRoutes(s, ctx), { prefix: '/dam/p' });
  // every other path under /dam answers in Unicat's envelope too (404)
  await app.register(async (s) => installUnicatErrors(s), { prefix: '/dam' });
  await app.register(async (s) => mediaRoutes(s, ctx), { prefix: '/media' });
  await app.register(async (s) => uplynkRoutes(s, ctx), { prefix: '/api/v4' });
  await app.register(async (s) => oracleRoutes(s, ctx), { prefix: '/documents/api/1.1' });
  await app.register(async (s) => consoleRoutes(s, ctx));
  return app;
}
