// Builds the Fastify app: health, OpenAPI, and the three dialects, each in its own scope with
// its own error shape.
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { AppContext } from './context.ts';
import { unicatRoutes } from '../dialects/unicat/routes.ts';
import { uplynkRoutes } from '../dialects/uplynk/routes.ts';
import { oracleRoutes } from '../dialects/oracle/routes.ts';
import { syncRoutes } from '../dialects/unicat/sync-routes.ts';

export interface RouteInfo { method: string; url: string; public: boolean }

declare module 'fastify' {
  interface FastifyInstance { routeTable: RouteInfo[] }
  interface FastifyContextConfig { public?: boolean }
}

export async function buildApp(ctx: AppContext, opts: { logger?: boolean | object } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: ctx.config.bodyLimitBytes,
    // Uplynk's DELETE /libraries/{id}/assets?ids=... carries up to 10,000 ids in the URL (~370 KB)
    http: { maxHeaderSize: 1024 * 1024 },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  const routes: RouteInfo[] = [];
  app.decorate('routeTable', routes);
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) {
      if (m === 'HEAD') continue;
      routes.push({ method: m, url: r.url, public: Boolean((r.config as any)?.public) });
    }
  });

  await app.register(swagger, {
    openapi: { info: { title: 'assetlib', version: '0.1.0', description: 'Uplynk Libraries v4, Unicat project API and Oracle Documents 1.1 collections over one core' } },
  });

  app.get('/healthz', { config: { public: true } }, async () => ({ ok: true }));
  app.get('/openapi.json', { config: { public: true } }, async () => app.swagger());

  await app.register(async (s) => unicatRoutes(s, ctx), { prefix: '/api/p' });
  await app.register(async (s) => syncRoutes(s, ctx), { prefix: '/sync' });
  await app.register(async (s) => uplynkRoutes(s, ctx), { prefix: '/api/v4' });
  await app.register(async (s) => oracleRoutes(s, ctx), { prefix: '/documents/api/1.1' });
  return app;
}
