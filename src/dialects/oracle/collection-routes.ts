// Oracle Documents 1.1 collections: create, list, get (extension), trash, and membership (add or
// remove one asset or a list; list members: extension). Every rule is the libraries core's; this
// file translates Oracle requests and answers (see docs/dialects/oracle.md).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { normalizeId } from '../../core/ids.ts';
import {
  changeMembership, createLibrary, getLibrary, listLibraries, listMembers, trashLibrary,
  type LibraryOrder, type MembershipOp, type ItemOutcome,
} from '../../core/libraries/index.ts';
import { bodyOf, flagField, oracleTime, oracleTs, sendWire, stringField, type Body } from './wire.ts';
import { OracleError, outcomeMessage } from './errors.ts';
import { collectionDetail, collectionItem } from './collection-json.ts';
import { Collections as C } from './schemas.ts';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

const DEFAULT_LIMIT = 50;
/** A file id as the core accepts it (dashed or 32-hex uuid, any case, surrounding blanks). */
const ID_RE = /^\s*(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32})\s*$/;
const MAX_LIMIT = 1000;

const ORDER_BY: Record<string, LibraryOrder> = {
  'name:asc': 'name', 'name:desc': '-name', name: 'name',
  'createdtime:asc': 'created', 'createdtime:desc': '-created', createdtime: 'created',
  'modifiedtime:asc': 'modified', 'modifiedtime:desc': '-modified', modifiedtime: 'modified',
};

function intParam(q: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const raw = q[name];
  if (raw === undefined || raw === '') return fallback;
  const s = String(raw).trim();
  if (!/^\d+$/.test(s)) throw new OracleError(400, '-1', `!csInvalidRequest,${name}`, `${name} must be an integer from ${min} to ${max}`);
  const n = Number(s);
  if (n < min || n > max) throw new OracleError(400, '-1', `!csInvalidRequest,${name}`, `${name} must be an integer from ${min} to ${max}`);
  return n;
}

function paging(req: FastifyRequest): { offset: number; limit: number } {
  const q = (req.query ?? {}) as Record<string, unknown>;
  return {
    offset: intParam(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
    limit: intParam(q, 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT),
  };
}

/**
 * The asset ids of idList: a comma-separated string (an array of strings is accepted too).
 * Empty entries (a trailing comma) are ignored; an empty list or a malformed id refuse the
 * request (400) before anything is looked up.
 */
function idListOf(b: Body): { ids: string[]; echo: string } {
  const raw = b.idList;
  let parts: unknown[];
  let echo: string;
  if (typeof raw === 'string') { parts = raw.split(','); echo = raw; }
  else if (Array.isArray(raw)) { parts = raw; echo = raw.map(String).join(','); }
  else if (raw === undefined || raw === null) throw new OracleError(400, '-1', '!csInvalidRequest,idList', 'idList is required: a comma-separated list of file ids');
  else throw new OracleError(400, '-1', '!csInvalidRequest,idList', 'idList must be a comma-separated string of file ids');
  // ids go to the core as given (it normalises and de-duplicates them); here only the format is
  // checked, with one precompiled regex per id (no normalising twice)
  const ids: string[] = [];
  for (const p of parts) {
    if (typeof p !== 'string') throw new OracleError(400, '-1', '!csInvalidRequest,idList', 'idList entries must be strings', { idList: echo });
    if (ID_RE.test(p)) { ids.push(p); continue; }
    const t = p.trim();
    if (t === '') continue;
    throw new OracleError(400, '-1', `!csInvalidRequest,idList,fFileGUID:${t}`, `"${t}" is not a file id (a GUID)`, { idList: echo });
  }
  if (ids.length === 0) throw new OracleError(400, '-1', '!csInvalidRequest,idList', 'idList is empty', { idList: echo });
  // the limit (10,000 distinct ids: 413) is the core's, checked before anything is looked up
  return { ids, echo };
}

function fileIdOf(raw: string): string {
  const id = normalizeId(raw);
  if (!id) throw new OracleError(400, '-1', `!csInvalidRequest,fileId,fFileGUID:${raw}`, `"${raw}" is not a file id (a GUID)`);
  return id;
}

function itemsOf(outcomes: ItemOutcome[], collectionId: string) {
  return outcomes.map((o) => {
    const message = outcomeMessage(o.outcome, o.id, collectionId);
    return message === undefined
      ? { type: 'file', id: o.id, timeStamp: oracleTs(o.at) }
      : { type: 'file', id: o.id, message, timeStamp: oracleTs(o.at) };
  });
}

export async function collectionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  /** What errors of this request echo: the collection id as given, the idList. */
  const setCtx = (req: FastifyRequest, id?: string, idList?: string) => {
    req.oracleErr = { id, idList, errorType: 'collection' };
  };

  app.post('/collections', { schema: C.create }, async (req, reply) => {
    setCtx(req);
    const b = bodyOf(req);
    const name = stringField(b, 'name');
    const description = stringField(b, 'description');
    const lib = await createLibrary(ctx.db, req.actor, { name, description });
    return sendWire(req, reply, 201, collectionDetail(lib));
  });

  app.get('/collections/items', { schema: C.list }, async (req, reply) => {
    setCtx(req);
    const { offset, limit } = paging(req);
    const q = (req.query ?? {}) as Record<string, unknown>;
    let order: LibraryOrder = 'created';
    if (q.orderby !== undefined && q.orderby !== '') {
      const o = ORDER_BY[String(q.orderby).trim().toLowerCase()];
      if (!o) throw new OracleError(400, '-1', '!csInvalidRequest,orderby', 'orderby must be name, createdTime or modifiedTime, optionally with :asc or :desc');
      order = o;
    }
    const list = await listLibraries(ctx.db, req.actor, { offset, limit, order });
    return sendWire(req, reply, 200, {
      count: String(list.items.length),
      errorCode: '0',
      hasMore: offset + list.items.length < list.total ? '1' : '0',
      offset: String(offset),
      totalOwned: String(list.totalOwned),
      totalResults: String(list.total),
      totalShared: String(list.totalShared),
      items: list.items.map(collectionItem),
    });
  });

  app.get<{ Params: { id: string } }>('/collections/:id', { schema: C.get }, async (req, reply) => {
    setCtx(req, req.params.id);
    const lib = await getLibrary(ctx.db, req.actor, req.params.id);
    return sendWire(req, reply, 200, collectionDetail(lib));
  });

  app.delete<{ Params: { id: string } }>('/collections/:id', { schema: C.trash }, async (req, reply) => {
    setCtx(req, req.params.id);
    await trashLibrary(ctx.db, req.actor, req.params.id);
    return sendWire(req, reply, 200, { errorCode: '0', idList: normalizeId(req.params.id) ?? req.params.id, type: 'collection' });
  });

  // -- membership ---------------------------------------------------------------------------

  async function many(req: IdReq, reply: FastifyReply, op: MembershipOp, flag: 'skipDuplicate' | 'skipIfNotInCollection') {
    const b = bodyOf(req);
    setCtx(req, req.params.id, typeof b.idList === 'string' ? b.idList : undefined);
    const { ids, echo } = idListOf(b);
    setCtx(req, req.params.id, echo);
    const perItem = flagField(req, b, flag);
    const res = await changeMembership(ctx.db, req.actor, req.params.id, op, ids, perItem ? 'per_item' : 'strict');
    const id = res.library.gid;
    if (!perItem) return sendWire(req, reply, 200, { errorCode: '0', id, idList: echo, type: 'collection' });
    return sendWire(req, reply, 200, {
      count: String(res.outcomes.length), errorCode: '0', id, idList: echo, type: 'collection',
      items: itemsOf(res.outcomes, id),
    });
  }

  app.post<{ Params: { id: string } }>('/collections/:id/files', { schema: C.addFiles }, (req, reply) => many(req, reply, 'add', 'skipDuplicate'));
  app.delete<{ Params: { id: string } }>('/collections/:id/files', { schema: C.removeFiles }, (req, reply) => many(req, reply, 'remove', 'skipIfNotInCollection'));

  app.post<{ Params: { id: string; fileId: string } }>('/collections/:id/files/:fileId', { schema: C.addFile }, async (req, reply) => {
    setCtx(req, req.params.id, req.params.fileId);
    const fileId = fileIdOf(req.params.fileId);
    const res = await changeMembership(ctx.db, req.actor, req.params.id, 'add', [fileId], 'strict');
    return sendWire(req, reply, 200, { errorCode: '0', id: res.library.gid, itemID: fileId, type: 'collection' });
  });

  app.delete<{ Params: { id: string; fileId: string } }>('/collections/:id/files/:fileId', { schema: C.removeFile }, async (req, reply) => {
    setCtx(req, req.params.id, req.params.fileId);
    const fileId = fileIdOf(req.params.fileId);
    const res = await changeMembership(ctx.db, req.actor, req.params.id, 'remove', [fileId], 'strict');
    return sendWire(req, reply, 200, { errorCode: '0', id: res.library.gid, type: 'collection' });
  });

  // GET /collections/{id}/files: the live members, in the order they were added (extension)
  app.get<{ Params: { id: string } }>('/collections/:id/files', { schema: C.listFiles }, async (req, reply) => {
    setCtx(req, req.params.id);
    const { offset, limit } = paging(req);
    const res = await listMembers(ctx.db, req.actor, req.params.id, { offset, limit });
    return sendWire(req, reply, 200, {
      count: String(res.items.length),
      errorCode: '0',
      hasMore: offset + res.items.length < res.total ? '1' : '0',
      id: res.library.gid,
      offset: String(offset),
      totalResults: String(res.total),
      type: 'collection',
      items: res.items.map((a) => ({
        type: 'file',
        id: a.gid,
        name: a.name,
        mimeType: a.mime ?? undefined,
        size: a.size === null ? undefined : String(a.size),
        createdTime: oracleTime(a.createdOn),
        modifiedTime: oracleTime(a.updatedOn),
        addedTime: oracleTime(a.addedOn),
        addedBy: a.addedBy ?? undefined,
      })),
    });
  });

}
