// Unicat assets/search and assets/bulk/get (selections).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../http/context.ts';
import { assetsData } from './asset-json.ts';
import { bulkGetQuery, searchQuery } from '../../core/assets/queries.ts';
import { BULK_GET_MAX_SIZE } from '../../core/selection/bulk-get.ts';
import { ok } from './envelope.ts';

export const SEARCH_DEFAULT_SIZE = 10;
export const SEARCH_MAX_SIZE = 1000;

const SearchBody = Type.Object({
  language: Type.String({ minLength: 1 }),
  q: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  filter: Type.Optional(Type.Unknown()),
  'page.top': Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
  'page.size': Type.Optional(Type.Integer({ minimum: 0, maximum: SEARCH_MAX_SIZE })),
});

const BulkGetBody = Type.Object({
  selection: Type.Unknown(),
  'page.cursor': Type.Optional(Type.Union([Type.String(), Type.Null()])),
  'page.size': Type.Optional(Type.Integer({ minimum: 1, maximum: BULK_GET_MAX_SIZE })),
});

export async function searchRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/:project/assets/search', { schema: { body: SearchBody } }, async (req) => {
    const body = req.body as { language: string; q?: string | null; filter?: unknown; 'page.top'?: number; 'page.size'?: number };
    const r = await searchQuery(ctx.db, req.actor, { ...body, top: body['page.top'] ?? 0, size: body['page.size'] ?? SEARCH_DEFAULT_SIZE });
    return ok({ assets: r.assets, 'assets.size': r.total }, { assets: assetsData(r.rows) });
  });

  app.post('/:project/assets/bulk/get', { schema: { body: BulkGetBody } }, async (req) => {
    const body = req.body as { selection?: unknown; 'page.cursor'?: string | null; 'page.size'?: number };
    const r = await bulkGetQuery(ctx.db, req.actor, { selection: body.selection, cursor: body['page.cursor'], size: body['page.size'] });
    return ok({ assets: r.assets, 'assets.size': r.total, 'page.cursor': r.cursor }, { assets: assetsData(r.rows) });
  });
}
