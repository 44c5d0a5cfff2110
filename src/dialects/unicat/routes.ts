// The Unicat project API under /api/p/{project}: one scope with JWT auth and Unicat's envelope.
import type { FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import type { AppContext } from '../../http/context.ts';
import { installUnicatErrors } from './envelope.ts';
import { installBoundedJsonParser } from '../../http/limits.ts';
import { installJwtAuth } from './auth.ts';
import { sessionRoutes } from './session-routes.ts';
import { assetRoutes } from './asset-routes.ts';
import { bulkRoutes } from './bulk-routes.ts';
import { searchRoutes } from './search-routes.ts';
import { extensionRoutes } from './extension-routes.ts';
import { memberRoutes } from './member-routes.ts';

export async function unicatRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  installUnicatErrors(app);
  installBoundedJsonParser(app);
  installJwtAuth(app, ctx);
  await app.register(multipart, { limits: { fileSize: ctx.config.uploadLimitBytes, files: 1, fields: 20 } });
  await sessionRoutes(app, ctx);
  await memberRoutes(app, ctx);
  await assetRoutes(app, ctx);
  await searchRoutes(app, ctx);
  await bulkRoutes(app, ctx);
  await extensionRoutes(app, ctx);
}
