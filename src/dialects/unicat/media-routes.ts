// The public media URLs that dam/publish and dam/transform answer: /media/{token}/{filename}.
// No credentials: the 128-bit token is the secret. Served from the blob store with long-lived
// cache headers (a URL's content never changes: a new version or options make a new URL); it
// answers 404 once the asset is deleted or replaced by a newer version.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { CoreError } from '../../core/errors.ts';
import { publicMedia } from '../../core/media/links.ts';
import { sendBlob } from '../../http/send-blob.ts';
import { fail, installUnicatErrors } from './envelope.ts';
import { Media } from './schemas.ts';

export const MEDIA_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export async function mediaRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  installUnicatErrors(app);
  app.get<{ Params: { token: string; filename: string } }>('/:token/:filename', { config: { public: true }, schema: Media.get }, async (req, reply) => {
    let f;
    try {
      f = await publicMedia(ctx.db, req.params.token, req.params.filename, ctx.media);
    } catch (err) {
      if (err instanceof CoreError && err.kind === 'not_found') {
        reply.header('Cache-Control', 'no-store');
        return fail(reply, 404, 404, err.message);
      }
      throw err;
    }
    return sendBlob(req, reply, ctx.blobs, f, { cacheControl: MEDIA_CACHE_CONTROL, disposition: 'inline' });
  });
}
