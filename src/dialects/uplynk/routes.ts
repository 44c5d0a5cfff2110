// Uplynk Libraries v4 under /api/v4 (API-SPEC §2, API-NOTES §1, seeds 000/001); our decisions
// and extensions are in docs/dialects/uplynk.md. Every route needs msg/sig (auth.ts); the wire
// format is JSON; errors as in errors.ts. No rule is decided here: the core decides.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { installBoundedJsonParser } from '../../http/limits.ts';
import { invalid } from '../../core/errors.ts';
import { normalizeId } from '../../core/ids.ts';
import {
  createLibrary, getLibrary, listLibraries, updateLibrary, trashLibrary, restoreLibrary,
  shareLibrary, listShares, unshareLibrary, changeMembership, listMembers,
  POLICY_IDEMPOTENT, type LibraryOrder, type MembershipOptions,
} from '../../core/libraries/index.ts';
import { installUplynkAuth } from './auth.ts';
import { installUplynkErrors } from './errors.ts';
import { libraryJson, libraryPath, memberJson, shareJson } from './library-json.ts';
import { fileContent } from '../../core/media/download.ts';
import { sendBlob } from '../../http/send-blob.ts';
import { assetRoutes } from './asset-routes.ts';
import { S } from './schemas.ts';

type Q = Record<string, string | undefined>;
const MAX_PAGE_SIZE = 1000;
type B = Record<string, unknown>;

/** A query integer (the schema checked its digits): from min to max, else 400. */
function intParam(q: Q, name: string, fallback: number, min: number, max: number): number {
  const v = q[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (n < min || n > max) throw invalid(`${name} must be from ${min} to ${max}`, { field: name, value: v });
  return n;
}

const boolParam = (q: Q, name: string) => ['true', '1'].includes((q[name] ?? '').toLowerCase());

/** The library id of the path: 400 when it is not an id (the vendor's "invalid id format"). */
function libraryId(req: FastifyRequest): string {
  const raw = (req.params as { id: string }).id;
  const id = normalizeId(raw);
  if (!id) throw invalid('the library id is not a valid id', { field: 'library_id', value: raw });
  return id;
}

/** The validated body (null when the request had none). */
const body = (req: FastifyRequest): B => (req.body ?? {}) as B;

// the empty list, the id cap and malformed ids are the core's to decide (400 for a malformed id,
// as the vendor answers "invalid id format", before anything is looked up)
const IDS: MembershipOptions = { malformed: 'invalid', field: 'asset_ids' };

const ORDERS: Record<string, LibraryOrder> = { created: 'created', '-created': '-created', desc: 'name', '-desc': '-name', modified: 'modified', '-modified': '-modified' };

export async function uplynkRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  installUplynkErrors(app);
  installUplynkAuth(app, ctx);
  // JSON bodies, nesting bounded; an empty body (the seeds' DELETE sends Content-Type without one) is no body.
  installBoundedJsonParser(app, { emptyIsNoBody: true });

  app.post('/libraries', { schema: S.createLibrary }, async (req) => {
    const b = body(req);
    const lib = await createLibrary(ctx.db, req.uplynkActor, { name: b.desc, description: b.description, allowCopy: b.allow_copy, isAd: b.is_ad });
    return libraryJson(req.uplynkActor, lib);
  });

  // assetlib extension (asset-routes.ts): rename and delete an asset
  await assetRoutes(app, ctx);

  // assetlib extension (docs/media.md): an asset's bytes for Uplynk callers, signed like every call
  app.get<{ Params: { id: string } }>('/assets/:id/content', { schema: S.assetContent }, async (req, reply) => {
    const f = await fileContent(ctx.db, req.uplynkActor, req.params.id);
    return sendBlob(req, reply, ctx.blobs, f, { cacheControl: 'private, no-cache', disposition: 'attachment' });
  });

  app.get('/libraries', { schema: S.listLibraries }, async (req) => {
    const q = req.query as Q;
    const page = intParam(q, 'page', 1, 1, 1_000_000);
    const pageSize = intParam(q, 'page_size', 50, 1, MAX_PAGE_SIZE);
    const orderRaw = q.order;
    const type = q.library_type;
    const afterRaw = q.after;
    let createdAfter: Date | undefined;
    if (afterRaw) {
      createdAfter = /^\d+(\.\d+)?$/.test(afterRaw) ? new Date(Number(afterRaw) * 1000) : new Date(afterRaw);
      if (!Number.isFinite(createdAfter.getTime())) throw invalid('after must be an ISO-8601 timestamp or unix seconds', { field: 'after', value: afterRaw });
    }
    const list = await listLibraries(ctx.db, req.uplynkActor, {
      offset: (page - 1) * pageSize, limit: pageSize, search: q.search || undefined,
      order: orderRaw ? ORDERS[orderRaw] : undefined, type: (type || undefined) as 'owner' | 'shared' | undefined,
      includeDeleted: boolParam(q, 'include_deleted'), createdAfter,
    });
    return {
      '@id': '/api/v4/libraries', '@type': 'Collection',
      items: list.items.map((l) => libraryJson(req.uplynkActor, l)),
      total_items: list.total, page, page_size: pageSize,
    };
  });

  app.get('/libraries/:id', { schema: S.getLibrary }, async (req) => libraryJson(req.uplynkActor, await getLibrary(ctx.db, req.uplynkActor, libraryId(req))));

  app.patch('/libraries/:id', { schema: S.updateLibrary }, async (req) => {
    const id = libraryId(req);
    const b = body(req);
    const lib = await updateLibrary(ctx.db, req.uplynkActor, id, { name: b.desc, description: b.description, allowCopy: b.allow_copy, isAd: b.is_ad });
    return libraryJson(req.uplynkActor, lib);
  });

  app.delete('/libraries/:id', { schema: S.trashLibrary }, async (req, reply) => {
    await trashLibrary(ctx.db, req.uplynkActor, libraryId(req));
    return reply.code(204).send();
  });

  // extension: restore a library from the trash (owner)
  app.post('/libraries/:id/restore', { schema: S.restoreLibrary }, async (req) => libraryJson(req.uplynkActor, await restoreLibrary(ctx.db, req.uplynkActor, libraryId(req))));

  // seed 001: add one (asset_id) or many (asset_ids), never both
  app.patch('/libraries/:id/assets', { schema: S.addAssets }, async (req) => {
    const id = libraryId(req);
    const b = body(req);
    const ids = (b.asset_id !== undefined ? [b.asset_id] : b.asset_ids) as unknown[];
    const r = await changeMembership(ctx.db, req.uplynkActor, id, 'add', ids, POLICY_IDEMPOTENT, IDS);
    const j = libraryJson(req.uplynkActor, r.library, `${libraryPath(r.library.gid)}/assets`);
    return {
      '@id': j['@id'], '@type': 'Library', id: j.id, desc: j.desc, allow_copy: j.allow_copy, is_ad: j.is_ad, created: j.created,
      owner_name: j.owner_name, library_type: j.library_type,
      added: r.changed, already_member: r.outcomes.length - r.changed,
    };
  });

  // seed 000: remove ?ids=a,b (extension: or a JSON body {"ids": [...]} for lists too long for a URL)
  app.delete('/libraries/:id/assets', { schema: S.removeAssets }, async (req) => {
    const id = libraryId(req);
    const fromQuery = (req.query as Q).ids;
    const fromBody = body(req).ids as unknown[] | undefined;
    if (fromQuery !== undefined && fromBody !== undefined) throw invalid('give ids in the query or in the body, not both', { field: 'ids' });
    if (fromQuery === undefined && fromBody === undefined) throw invalid('ids is required (a comma-separated list of asset ids)', { field: 'ids' });
    const ids = fromBody ?? fromQuery!.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const r = await changeMembership(ctx.db, req.uplynkActor, id, 'remove', ids, POLICY_IDEMPOTENT, IDS);
    const j = libraryJson(req.uplynkActor, r.library);
    return {
      '@id': j['@id'], '@type': 'Library', id: j.id, desc: j.desc, owner_name: j.owner_name, library_type: j.library_type,
      message: 'Assets removed successfully.', removed: r.changed, not_member: r.outcomes.length - r.changed,
    };
  });

  // extension: the live members, paged like GET /libraries
  app.get('/libraries/:id/assets', { schema: S.listMembers }, async (req) => {
    const id = libraryId(req);
    const q = req.query as Q;
    const page = intParam(q, 'page', 1, 1, 1_000_000);
    const pageSize = intParam(q, 'page_size', 50, 1, MAX_PAGE_SIZE);
    const r = await listMembers(ctx.db, req.uplynkActor, id, { offset: (page - 1) * pageSize, limit: pageSize });
    return {
      '@id': `${libraryPath(r.library.gid)}/assets`, '@type': 'Collection',
      items: r.items.map(memberJson), total_items: r.total, page, page_size: pageSize,
    };
  });

  // extension: shares
  app.get('/libraries/:id/shares', { schema: S.listShares }, async (req) => {
    const id = libraryId(req);
    const shares = await listShares(ctx.db, req.uplynkActor, id);
    return { '@id': `${libraryPath(id)}/shares`, '@type': 'Collection', items: shares.map((s) => shareJson(id, s)), total_items: shares.length };
  });

  app.put('/libraries/:id/shares/:user', { schema: S.share }, async (req) => {
    const id = libraryId(req);
    const b = body(req);
    const user = (req.params as { user: string }).user;
    return shareJson(id, await shareLibrary(ctx.db, req.uplynkActor, id, user, b.role));
  });

  app.delete('/libraries/:id/shares/:user', { schema: S.unshare }, async (req, reply) => {
    const id = libraryId(req);
    await unshareLibrary(ctx.db, req.uplynkActor, id, (req.params as { user: string }).user);
    return reply.code(204).send();
  });
}
