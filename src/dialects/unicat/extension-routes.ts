// Console extensions of the Unicat API (docs/dialects/unicat.md): assets/trash (the trash as a
// paged list) and assets/libraries (the libraries an asset is in). Rules: src/core.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { loadAssetRows, readPage } from '../../core/assets/read.ts';
import { listTrash } from '../../core/assets/trash-list.ts';
import { librariesOfAssetGid } from '../../core/libraries/of-asset.ts';
import { toUnicatAsset } from './asset-json.ts';
import { ok } from './envelope.ts';
import { Assets } from './schemas.ts';

const bodyOf = (req: FastifyRequest) => (req.body ?? {}) as Record<string, unknown>;

export async function extensionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/:project/assets/trash', { schema: Assets.trash }, async (req) => {
    const b = bodyOf(req);
    const page = readPage(b['page.top'], b['page.size'], 100);
    const { ids, total } = await listTrash(ctx.db, req.actor, page);
    const rows = new Map((await loadAssetRows(ctx.db, req.actor.projectId, { ids })).map((r) => [Number(r.id), r]));
    const gids = ids.map((i) => rows.get(i)?.gid).filter((g): g is string => Boolean(g));
    return ok({ assets: gids, 'assets.size': total }, { assets: Object.fromEntries([...rows.values()].map((r) => [r.gid, toUnicatAsset(r)])) });
  });

  app.post('/:project/assets/libraries', { schema: Assets.libraries }, async (req) => {
    const b = bodyOf(req);
    const libs = await librariesOfAssetGid(ctx.db, req.actor, b.asset);
    return ok({ libraries: libs.map((l) => l.gid) }, { libraries: Object.fromEntries(libs.map((l) => [l.gid, l])) });
  });
}
