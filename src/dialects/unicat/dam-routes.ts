// Unicat's DAM API under /dam/p/{project}: info, publish, unpublish, transform of a storage
// pathname "<gid>~<version>.<ext>". JWT like /api, but a /dam call never refreshes the JWT.
// Translation only: the rules are in src/core/media/.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { installUnicatErrors, ok } from './envelope.ts';
import { installJwtAuth } from './auth.ts';
import { installBoundedJsonParser } from '../../http/limits.ts';
import { mediaInfo } from '../../core/media/source.ts';
import { publishOriginal, unpublishOriginal } from '../../core/media/links.ts';
import { Dam } from './schemas.ts';
import { transformAsset } from '../../core/media/transform.ts';
import { findRenditions } from '../../core/media/renditions.ts';

type Params = { project: string; file: string; '*'?: string };

/** The public URL of a media link: PUBLIC_URL, or the origin the request came to. */
export function mediaUrl(ctx: AppContext, req: FastifyRequest, token: string, filename: string): string {
  const base = ctx.config.publicUrl ?? `${req.protocol}://${req.host}`;
  // the name as the last path segment, escaped where a path needs it ('@' of rendition names stays)
  const segment = encodeURIComponent(filename).replace(/%40/g, '@');
  return `${base.replace(/\/+$/, '')}/media/${token}/${segment}`;
}

export async function damRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  installUnicatErrors(app);
  installBoundedJsonParser(app);
  installJwtAuth(app, ctx, { refresh: false });
  const deps = { db: ctx.db, blobs: ctx.blobs, renderConcurrency: ctx.config.mediaRenderConcurrency, cache: ctx.media };

  app.get<{ Params: Params }>('/:project/info/:file', { schema: Dam.info }, async (req) => ok(await mediaInfo(ctx.db, req.actor, req.params.file)));

  app.get<{ Params: Params }>('/:project/publish/:file', { schema: Dam.publish }, async (req) => {
    const link = await publishOriginal(ctx.db, req.actor, req.params.file);
    return ok({ public_url: mediaUrl(ctx, req, link.token, link.filename) });
  });

  app.get<{ Params: Params }>('/:project/unpublish/:file', { schema: Dam.unpublish }, async (req) => {
    await unpublishOriginal(ctx.db, req.actor, req.params.file);
    return ok({ public_url: null });
  });

  const transform = async (req: FastifyRequest<{ Params: Params }>) => {
    const r = await transformAsset(deps, req.actor, req.params.file, req.params['*']);
    return ok({ public_url: mediaUrl(ctx, req, r.token, r.filename), filename: r.filename, width: r.width, height: r.height, mime: r.mime, filesize: r.size });
  };
  // assetlib extension: the renditions a page of files already has (one call for a list view)
  app.post<{ Params: { project: string }; Body: { files: unknown; options: unknown } }>('/:project/transforms', { schema: Dam.transforms }, async (req) => {
    const found = await findRenditions(ctx.db, req.actor, req.body.files, req.body.options);
    const transforms: Record<string, unknown> = {};
    for (const [file, a] of found) {
      transforms[file] = a.status === 'ready'
        ? { status: a.status, public_url: mediaUrl(ctx, req, a.token, a.filename), filename: a.filename, width: a.width, height: a.height, mime: a.mime, filesize: a.size }
        : { ...a, public_url: null };
    }
    return ok({ transforms });
  });
  app.get<{ Params: Params }>('/:project/transform/:file', { schema: Dam.transform }, transform);
  app.get<{ Params: Params }>('/:project/transform/:file/*', { schema: Dam.transformWith }, transform);
}
