// Unicat assets/search and assets/bulk/get (selections).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../http/context.ts';
import type { Db } from '../../db/pool.ts';
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
  'page.top': Type.Optional(Type.Integer({ minimum: 0 })),
  'page.size': Type.Optional(Type.Integer({ minimum: 0, maximum: SEARCH_MAX_SIZE })),
});

const BulkGetBody = Type.Object({
  selection: Type.Unknown(),
  'page.cursor': Type.Optional(Type.Union([Type.String(), Type.Null()])),
  'page.size': Type.Optional(Type.Integer({ minimum: 1, maximum: BULK_GET_MAX_SIZE })),
});

/** Until the asset-tree renderer lands: the Unicat asset object from the row. */
async function renderAssets(db: Db, ids: number[]): Promise<Record<string, unknown>> {
  if (!ids.length) return {};
  const { rows } = await db.query(
    `SELECT a.gid::text AS gid, a.pathname, a.name, a.is_file, a.type, a.status, a.info, a.title, a.description,
            extract(epoch FROM a.updated_on)::float8 AS updated_on, a.deleted_on IS NOT NULL AS is_deleted,
            CASE WHEN a.is_file THEN 0 ELSE (SELECT count(*) FROM assets c WHERE c.parent_id = a.id AND c.deleted_on IS NULL) END AS childcount
     FROM assets a WHERE a.id = ANY($1::bigint[])`, [ids]);
  const out: Record<string, unknown> = {};
  for (const r of rows) {
    const cut = r.pathname.lastIndexOf('/');
    out[r.gid] = {
      gid: r.gid, pathname: r.pathname, path: r.pathname === '/' ? '/' : (cut <= 0 ? '/' : r.pathname.slice(0, cut)),
      name: r.name, is_file: r.is_file, type: r.type, childcount: Number(r.childcount), status: r.status,
      is_deleted: r.is_deleted, info: r.info, transforms: null, title: r.title, description: r.description, updated_on: r.updated_on,
    };
  }
  return out;
}

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
    return ok({ assets: page.gids, 'assets.size': page.total }, { assets: await renderAssets(ctx.db, page.ids) });
  });

  app.post('/:project/assets/bulk/get', { schema: { body: BulkGetBody } }, async (req) => {
    const body = req.body as { selection?: unknown; 'page.cursor'?: string | null; 'page.size'?: number };
    if (body.selection === undefined) throw invalid('selection is required', { field: 'selection' });
    const sel = parseSelection(body.selection);
    await checkSelection(ctx.db, req.actor, sel);
    const page = await bulkGet(ctx.db, req.actor, sel, body['page.cursor'], body['page.size'] ?? BULK_GET_DEFAULT_SIZE);
    return ok({ assets: page.gids, 'assets.size': page.total, 'page.cursor': page.cursor }, { assets: await renderAssets(ctx.db, page.ids) });
  });
}
