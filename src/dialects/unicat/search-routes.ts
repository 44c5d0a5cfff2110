// Unicat assets/search and assets/bulk/get (selections).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { assetsData } from './asset-json.ts';
import { bulkGetQuery, searchQuery } from '../../core/assets/queries.ts';
import { ok } from './envelope.ts';
import { Search } from './schemas.ts';

export const SEARCH_DEFAULT_SIZE = 10;
export { SEARCH_MAX_SIZE } from './schemas.ts';

export async function searchRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/:project/assets/search', { schema: Search.search }, async (req) => {
    const body = req.body as { language: string; q?: string | null; filter?: unknown; 'page.top'?: number; 'page.size'?: number };
    const r = await searchQuery(ctx.db, req.actor, { ...body, top: body['page.top'] ?? 0, size: body['page.size'] ?? SEARCH_DEFAULT_SIZE });
    return ok({ assets: r.assets, 'assets.size': r.total }, { assets: assetsData(r.rows) });
  });

  app.post('/:project/assets/bulk/get', { schema: Search.bulkGet }, async (req) => {
    const body = req.body as { selection?: unknown; 'page.cursor'?: string | null; 'page.size'?: number };
    const r = await bulkGetQuery(ctx.db, req.actor, { selection: body.selection, cursor: body['page.cursor'], size: body['page.size'] });
    return ok({ assets: r.assets, 'assets.size': r.total, 'page.cursor': r.cursor }, { assets: assetsData(r.rows) });
  });
}
