// The asset use cases that read, keyed by public gids or pathnames: resolve, read, and answer the
// gids and the rows to render. A dialect route is: parse, one call here, render.
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { invalid, selectionError, tooLarge } from '../errors.ts';
import {
  assetIdByGid, assetIdByPathname, assetIdsByGids, assetRowByGidBatched, assetIdsByPathnames, childrenOf, loadAssetRows, normalizeGids,
  pathIds, readPage, rootIdOf, treeWindow, type AssetRow, type Page,
} from './read.ts';
import { normalizeId } from '../ids.ts';
import { FilterError, parseSearchSpec, searchAssets, SearchSpecError } from '../search/search.ts';
import { parseSelection } from '../selection/parse.ts';
import { bulkGet, BULK_GET_DEFAULT_SIZE } from '../selection/bulk-get.ts';

/** The most gids or pathnames one assets/get or tree call takes. */
export const MAX_LIST = 10_000;

export interface PageInput { 'page.top'?: unknown; 'page.size'?: unknown; page?: unknown }

/** page.top / page.size, sent flat ("page.top") or nested ({"page": {"top"}}). */
function pageOf(b: PageInput, defSize: number): Page {
  const nested = (typeof b.page === 'object' && b.page !== null ? b.page : {}) as Record<string, unknown>;
  return readPage(b['page.top'] ?? nested.top, b['page.size'] ?? nested.size, defSize);
}

function listOf(b: Record<string, unknown>, field: string): unknown[] {
  const v = b[field];
  if (!Array.isArray(v)) throw invalid(`${field} must be a list`, { field });
  if (v.length > MAX_LIST) throw tooLarge(`${field} holds more than ${MAX_LIST} entries`, { field, limit: MAX_LIST });
  return v;
}

/** Rows by id, and a gid lookup that keeps the order of `ids` and drops the ids without a row. */
async function rowsOf(db: Db, actor: Actor, ids: (number | null | undefined)[]) {
  const wanted = [...new Set(ids.filter((x): x is number => typeof x === 'number'))];
  const rows = await loadAssetRows(db, actor.projectId, { ids: wanted });
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  const gids = (list: number[]) => list.map((i) => byId.get(i)?.gid).filter((g): g is string => Boolean(g));
  const gid = (id: number) => byId.get(id)?.gid ?? null;
  return { rows, gids, gid };
}

/** assets/get: one of asset, assets, pathname, pathnames. */
export async function getAssetsQuery(db: Db, actor: Actor, b: Record<string, unknown>): Promise<{ asset?: string; assets?: string[]; missing?: string[]; rows: AssetRow[] }> {
  const p = actor.projectId;
  const one = async (id: number) => {
    const rows = await loadAssetRows(db, p, { ids: [id] });
    return { asset: rows[0].gid, rows };
  };
  const many = async ({ ids, missing }: { ids: number[]; missing: string[] }) => {
    const rows = await loadAssetRows(db, p, { ids });
    return { assets: rows.map((r) => r.gid), missing, rows };
  };
  if (b.asset !== undefined) {
    // one round trip: the row by its gid (assetIdByGid's checks and errors when there is none)
    const gid = normalizeId(b.asset);
    const row = gid ? await assetRowByGidBatched(db, p, gid) : undefined;
    const rows = row ? [row] : [];
    if (!rows[0]) await assetIdByGid(db, p, b.asset);
    return { asset: rows[0].gid, rows };
  }
  if (b.assets !== undefined) return many(await assetIdsByGids(db, p, normalizeGids(listOf(b, 'assets'), 'assets')));
  if (b.pathname !== undefined) return one(await assetIdByPathname(db, p, b.pathname));
  if (b.pathnames !== undefined) return many(await assetIdsByPathnames(db, p, listOf(b, 'pathnames')));
  throw invalid('send one of asset, assets, pathname, pathnames');
}

/** assets/children: the page of a folder's children (by gid in `asset`, or pathname). */
export async function childrenQuery(db: Db, actor: Actor, b: Record<string, unknown> & PageInput): Promise<{ children: string[]; total: number; rows: AssetRow[] }> {
  const page = pageOf(b, 100);
  let parentId: number;
  if (b.asset !== undefined) parentId = await assetIdByGid(db, actor.projectId, b.asset, 'asset');
  else if (b.pathname !== undefined) parentId = await assetIdByPathname(db, actor.projectId, b.pathname);
  else throw invalid('send asset or pathname');
  const { ids, total } = await childrenOf(db, actor, parentId, page);
  const r = await rowsOf(db, actor, [parentId, ...ids]);
  return { children: r.gids(ids), total, rows: r.rows };
}

/** assets/worksheet: an asset, its path from the root and a page of its children. */
export async function worksheetQuery(db: Db, actor: Actor, b: Record<string, unknown> & PageInput): Promise<{ asset: string | null; path: string[]; children: string[]; total: number; rows: AssetRow[] }> {
  if (b.asset === undefined) throw invalid('asset is required', { field: 'asset' });
  const page = pageOf(b, 20);
  const id = await assetIdByGid(db, actor.projectId, b.asset);
  const [path, kids] = await Promise.all([pathIds(db, actor.projectId, id), childrenOf(db, actor, id, page)]);
  const r = await rowsOf(db, actor, [...path, ...kids.ids]);
  return { asset: r.gid(id), path: r.gids(path), children: r.gids(kids.ids), total: kids.total, rows: r.rows };
}

/** assets/tree: a window of the tree with the given folders expanded (by gid or pathname). */
export async function treeQuery(db: Db, actor: Actor, b: Record<string, unknown> & PageInput): Promise<{ tree: string[]; total: number; top: number; rows: AssetRow[] }> {
  const page = pageOf(b, 100);
  let expanded: number[] = [];
  if (b.expanded_assets !== undefined) {
    expanded = (await assetIdsByGids(db, actor.projectId, normalizeGids(listOf(b, 'expanded_assets'), 'expanded_assets'))).ids;
  } else if (b.expanded_paths !== undefined) {
    expanded = (await assetIdsByPathnames(db, actor.projectId, listOf(b, 'expanded_paths'))).ids;
  }
  const t = await treeWindow(db, actor, expanded, page);
  const r = await rowsOf(db, actor, t.ids);
  return { tree: r.gids(t.ids), total: t.total, top: t.top, rows: r.rows };
}

/** assets/root: the project's root folder. */
export async function rootQuery(db: Db, actor: Actor): Promise<{ root: string | null; rows: AssetRow[] }> {
  const id = await rootIdOf(db, actor.projectId);
  const rows = await loadAssetRows(db, actor.projectId, { ids: [id] });
  return { root: rows[0]?.gid ?? null, rows };
}

/** assets/search: the ranked page of live assets matching language/q/filter, and the total. */
export async function searchQuery(db: Db, actor: Actor, b: { language?: unknown; q?: unknown; filter?: unknown; top: number; size: number }): Promise<{ assets: string[]; total: number; rows: AssetRow[] }> {
  let spec;
  try {
    spec = parseSearchSpec(b);
  } catch (e) {
    if (e instanceof SearchSpecError) throw invalid(e.message, e.info);
    if (e instanceof FilterError) throw selectionError(e.message, e.info);
    throw e;
  }
  const page = await searchAssets(db, actor, spec, b.top, b.size);
  const { rows } = await rowsOf(db, actor, page.ids);
  return { assets: page.gids, total: page.total, rows };
}

/**
 * assets/bulk/get: one keyset page of a selection (checked: shape, then {children} targets),
 * the total and the next cursor (docs/search.md).
 */
export async function bulkGetQuery(db: Db, actor: Actor, b: { selection?: unknown; cursor?: unknown; size?: number }): Promise<{ assets: string[]; total: number; cursor: string | null; rows: AssetRow[] }> {
  if (b.selection === undefined) throw invalid('selection is required', { field: 'selection' });
  const sel = parseSelection(b.selection);
  const page = await bulkGet(db, actor, sel, b.cursor, b.size ?? BULK_GET_DEFAULT_SIZE);
  const { rows } = await rowsOf(db, actor, page.ids);
  return { assets: page.gids, total: page.total, cursor: page.cursor, rows };
}
