// Oracle Documents 1.1 "Download File": GET /files/{fileId}/data[?version=N]. The file's bytes
// (Range requests answer 206), for any member of the key's project; a missing, trashed or other
// project's file, a folder, or a version that is not the current one: -16 (404).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { fileContent } from '../../core/media/download.ts';
import { sendBlob } from '../../http/send-blob.ts';
import { Files } from './schemas.ts';

export async function fileRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { fileId: string }; Querystring: { version?: string } }>('/files/:fileId/data', { schema: Files.download }, async (req, reply) => {
    req.oracleErr = { id: req.params.fileId };
    const f = await fileContent(ctx.db, req.actor, req.params.fileId, req.query.version);
    return sendBlob(req, reply, ctx.blobs, f, { cacheControl: 'private, no-cache', disposition: 'attachment' });
  });
}
