// Unicat assets/search and assets/bulk/get (selections).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../http/context.ts';
import { assetsData } from './asset-json.ts';
import { invalid, selectionError } from '../../core/errors.ts';
import { parseSearchSpec, searchAssets, SearchSpecError, FilterError } from '../../core/search/search.ts';
import { parseSelection, checkSelection, bulkGet, BULK_GET_DEFAULT_SIZE, BULK_GET_MAX_SIZE } from '../../core/selection/index.ts';
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
    let spec;
    try {
      spec = parseSearchSpec(body);
    } catch (e) {
      if (e instanceof SearchSpecError) throw invalid(e.message, e.info);
      if (e instanceof FilterError) throw selectionError(e.message, e.info);
      throw e;
    }
    const page = await searchAssets(ctx.db, req.actor, spec, body['page.top'] ?? 0, body['page.size'] ?? SEARCH_DEFAULT_SIZE);
    return ok({ assets: page.gids, 'assets.size': page.total }, { assets: await assetsData(ctx.db, req.actor.projectId, page.ids) });
  });

  app.post('/:project/assets/bulk/get', { schema: { body: BulkGetBody } }, async (req) => {
    const body = req.body as { selection?: unknown; 'page.cursor'?: string | null; 'page.size'?: number };
    if (body.selection === undefined) throw invalid('selection is required', { field: 'selection' });
    const sel = parseSelection(body.selection);
    await checkSelection(ctx.db, req.actor, sel);
    const page = await bulkGet(ctx.db, req.actor, sel, body['page.cursor'], body['page.size'] ?? BULK_GET_DEFAULT_SIZE);
    return ok({ assets: page.gids, 'assets.size': page.total, 'page.cursor': page.cursor }, { assets: await assetsData(ctx.db, req.actor.projectId, page.ids) });
  });
}
