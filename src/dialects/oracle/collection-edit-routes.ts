// PUT /collections/{id} (extension, docs/dialects/oracle.md): rename a collection or change its
// description ({name?, description?}); the owner and managers may (the core's rule). Answers the
// collection as GET /collections/{id} does. The web console renames libraries through it.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { updateLibrary } from '../../core/libraries/index.ts';
import { bodyOf, sendWire, stringField } from './wire.ts';
import { collectionDetail } from './collection-json.ts';
import { Collections } from './schemas.ts';

export async function collectionEditRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.put<{ Params: { id: string } }>('/collections/:id', { schema: Collections.update }, async (req, reply) => {
    req.oracleErr = { id: req.params.id, errorType: 'collection' };
    const b = bodyOf(req);
    const lib = await updateLibrary(ctx.db, req.actor, req.params.id, { name: stringField(b, 'name'), description: stringField(b, 'description') });
    return sendWire(req, reply, 200, collectionDetail(lib));
  });
}
