// assetlib extension in the Uplynk dialect (docs/dialects/uplynk.md): rename an asset
// (PATCH /assets/{id} {"desc"}: the name, as libraries' `desc` is theirs) and delete it
// (DELETE /assets/{id}: to the trash, 204). The rules are the asset core's, as for Unicat's
// assets/update and assets/delete. A folder, a trashed or unknown asset: 404.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { renameFileCommand, trashFileCommand } from '../../core/assets/file-commands.ts';
import { iso } from './library-json.ts';
import { S } from './schemas.ts';

type IdReq = { Params: { id: string } };

export async function assetRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.patch<IdReq & { Body: { desc: string } }>('/assets/:id', { schema: S.renameAsset }, async (req) => {
    const a = await renameFileCommand(ctx.db, req.uplynkActor, req.params.id, req.body.desc);
    return {
      '@id': `/api/v4/assets/${a.gid}`, '@type': 'Asset', id: a.gid, desc: a.name, pathname: a.pathname,
      type: a.type, mime: a.mime, size: a.size, created: iso(new Date(a.created_on * 1000)), modified: iso(new Date(a.updated_on * 1000)),
    };
  });

  app.delete<IdReq>('/assets/:id', { schema: S.trashAsset }, async (req, reply) => {
    await trashFileCommand(ctx.db, req.uplynkActor, req.params.id);
    return reply.code(204).send();
  });
}
