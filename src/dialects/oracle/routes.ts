// Oracle Documents 1.1 collections and file downloads under /documents/api/1.1: one scope with its own body parsers
// (JSON with string scalars, XML), error shape, and Basic/Bearer authentication.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { installWireParsers } from './wire.ts';
import { installOracleErrors } from './errors.ts';
import { installOracleAuth } from './auth.ts';
import { collectionRoutes } from './collection-routes.ts';
import { shareRoutes } from './share-routes.ts';
import { fileEditRoutes } from './file-edit-routes.ts';
import { collectionEditRoutes } from './collection-edit-routes.ts';
import { fileRoutes } from './file-routes.ts';

export async function oracleRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  installWireParsers(app);
  installOracleErrors(app);
  installOracleAuth(app, ctx);
  await collectionRoutes(app, ctx);
  await shareRoutes(app, ctx);
  await fileEditRoutes(app, ctx);
  await collectionEditRoutes(app, ctx);
  await fileRoutes(app, ctx);
}
