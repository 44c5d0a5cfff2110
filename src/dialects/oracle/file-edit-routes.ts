// Oracle Documents 1.1 "Edit File" (PUT /files/{fileId} {"name"}: rename) and "Delete File"
// (DELETE /files/{fileId}: to the trash, restorable through Unicat's assets/undelete). The rules
// (names, write permission, the tree lock, change events) are the asset core's, as for Unicat's
// assets/update and assets/delete. A folder, a trashed or unknown file: -16 (404).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import type { AssetRow } from '../../core/assets/read.ts';
import { renameFileCommand, trashFileCommand } from '../../core/assets/file-commands.ts';
import { bodyOf, oracleTime, sendWire, stringField } from './wire.ts';
import { OracleError } from './errors.ts';
import { Files } from './schemas.ts';

type FileReq = { Params: { fileId: string } };

/** Oracle's FileResponse for a file asset (all scalars strings on the wire). */
function fileJson(a: AssetRow) {
  return {
    type: 'file', id: a.gid, parentID: a.parent_gid, name: a.name,
    createdTime: oracleTime(new Date(a.created_on * 1000)), modifiedTime: oracleTime(new Date(a.updated_on * 1000)),
    size: String(a.size ?? 0), mimeType: a.mime ?? 'application/octet-stream', version: String(a.version), errorCode: '0',
  };
}

export async function fileEditRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.put<FileReq>('/files/:fileId', { schema: Files.rename }, async (req, reply) => {
    req.oracleErr = { id: req.params.fileId, errorType: 'file' };
    const name = stringField(bodyOf(req), 'name');
    if (name === undefined) throw new OracleError(400, '-1', '!csInvalidRequest,name', 'name is required (the new file name)');
    const row = await renameFileCommand(ctx.db, req.actor, req.params.fileId, name, 'fileId');
    return sendWire(req, reply, 200, fileJson(row));
  });

  app.delete<FileReq>('/files/:fileId', { schema: Files.trash }, async (req, reply) => {
    req.oracleErr = { id: req.params.fileId, errorType: 'file' };
    await trashFileCommand(ctx.db, req.actor, req.params.fileId, 'fileId');
    return sendWire(req, reply, 200, { errorCode: '0' });
  });
}
