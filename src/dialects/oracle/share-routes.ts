// Oracle's shares API for collections: POST /shares/{id} (share with users and a role),
// GET /shares/{id}/items (the shares), PUT /shares/{id}/role (change a role), DELETE
// /shares/{id}/user (revoke users), DELETE /shares/{id}/myuser (leave), DELETE /shares/{id}
// (revoke everyone). Roles: viewer, downloader, contributor, manager (stored as given; what each
// allows is decided in src/core/libraries/access.ts). userID: a user id, a login name (email), or a comma-separated
// list of them (all or nothing: one bad user refuses the request).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { normalizeId } from '../../core/ids.ts';
import { libraryShares, revokeAllShares, shareWithUsers, unshareLibrary, unshareUsers, type Share } from '../../core/libraries/sharing.ts';
import { SHARE_ROLES, type ShareRole } from '../../core/libraries/access.ts';
import { CoreError } from '../../core/errors.ts';
import { bodyOf, sendWire, stringField, type Body } from './wire.ts';
import { OracleError } from './errors.ts';
import { userJson } from './collection-json.ts';
import { Shares } from './schemas.ts';

function roleOf(b: Body): ShareRole {
  const raw = stringField(b, 'role');
  if (raw === undefined || raw.trim() === '') throw new OracleError(400, '-1', '!csInvalidRequest,role', 'role is required: viewer, downloader, contributor or manager');
  const role = raw.trim().toLowerCase() as ShareRole;
  if (!SHARE_ROLES.includes(role)) throw new OracleError(400, '-1', '!csInvalidRequest,role', `role must be viewer, downloader, contributor or manager, not "${raw}"`);
  return role;
}

/** The userID list of a request (comma-separated; from the body or, failing that, the query string). */
function userTokens(req: FastifyRequest, b: Body): string[] {
  let raw = stringField(b, 'userID');
  if (raw === undefined) {
    const q = (req.query as Record<string, unknown> | undefined)?.userID;
    if (typeof q === 'string') raw = q;
  }
  return (raw ?? '').split(',');
}

/** The core's errors about the named users, in Oracle's words (naming the offending userID). */
function userError(e: unknown): unknown {
  if (!(e instanceof CoreError) || e.info.field !== 'user') return e;
  const token = String(e.info.token ?? '');
  switch (e.info.reason) {
    case 'missing': return new OracleError(400, '-1', '!csInvalidRequest,userID', 'userID is required (a user id, a login name, or a comma-separated list)');
    case 'too_many': return new OracleError(400, '-1', '!csInvalidRequest,userID', `userID lists at most ${String(e.info.limit)} users`);
    case 'unknown_user': return new OracleError(400, '-1', `!csUnknownUser,userID:${token}`, `userID "${token}" is neither a user id nor the login name of a user`);
    case 'not_shared': return new OracleError(404, '-16', `!csShareDoesNotExist,userID:${token}`, `the collection is not shared with userID "${token}"`);
    case 'owner': return new OracleError(400, '-1', `!csInvalidUser,userID:${token}`, `userID "${token}": the owner of a collection cannot be given a share of it`);
    default: return new OracleError(400, '-1', `!csInvalidUser,userID:${token}`, `userID "${token}": ${e.message}`);
  }
}

const idOf = (req: FastifyRequest<{ Params: { id: string } }>) => normalizeId(req.params.id) ?? req.params.id;

const member = (s: { user: Share['user'] }) => ({ id: s.user.gid, displayName: s.user.name || s.user.email, type: 'user', isSuccessful: '1' });
const shortUser = (s: { user: Share['user'] }) => ({ id: s.user.gid, displayName: s.user.name || s.user.email, type: 'user' });

export async function shareRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const setCtx = (req: FastifyRequest, id: string) => { req.oracleErr = { id, errorType: 'share' }; };

  app.post<{ Params: { id: string } }>('/shares/:id', { schema: Shares.share }, async (req, reply) => {
    setCtx(req, req.params.id);
    const b = bodyOf(req);
    const role = roleOf(b);
    const tokens = userTokens(req, b);
    const shares = await shareWithUsers(ctx.db, req.actor, req.params.id, tokens, role).catch((e) => { throw userError(e); });
    return sendWire(req, reply, 200, {
      errorCode: '0', id: idOf(req),
      members: shares.map(member), role, type: 'share', user: shortUser(shares[0]),
    });
  });

  app.put<{ Params: { id: string } }>('/shares/:id/role', { schema: Shares.role }, async (req, reply) => {
    setCtx(req, req.params.id);
    const b = bodyOf(req);
    const role = roleOf(b);
    const tokens = userTokens(req, b);
    const shares = await shareWithUsers(ctx.db, req.actor, req.params.id, tokens, role, { existingOnly: true }).catch((e) => { throw userError(e); });
    return sendWire(req, reply, 200, {
      errorCode: '0', id: idOf(req), members: shares.map(member), role, type: 'share', user: shortUser(shares[0]),
    });
  });

  app.get<{ Params: { id: string } }>('/shares/:id/items', { schema: Shares.items }, async (req, reply) => {
    setCtx(req, req.params.id);
    const { library: lib, shares } = await libraryShares(ctx.db, req.actor, req.params.id);
    return sendWire(req, reply, 200, {
      count: String(shares.length),
      errorCode: '0',
      id: lib.gid,
      type: 'share',
      items: shares.map((s) => ({ type: 'share', role: s.role, user: userJson(s.user) })),
      ownedBy: userJson(lib.owner),
    });
  });

  app.delete<{ Params: { id: string } }>('/shares/:id/user', { schema: Shares.revokeUsers }, async (req, reply) => {
    setCtx(req, req.params.id);
    const b = bodyOf(req);
    const tokens = userTokens(req, b);
    const removed = await unshareUsers(ctx.db, req.actor, req.params.id, tokens).catch((e) => { throw userError(e); });
    return sendWire(req, reply, 200, {
      errorCode: '0', id: idOf(req), members: removed.map(member), type: 'share', user: shortUser(removed[0]),
    });
  });

  app.delete<{ Params: { id: string } }>('/shares/:id/myuser', { schema: Shares.leave }, async (req, reply) => {
    setCtx(req, req.params.id);
    await unshareLibrary(ctx.db, req.actor, req.params.id, req.actor.userGid).catch((e) => {
      if (e instanceof CoreError && e.info.reason === 'not_shared') {
        throw new OracleError(400, '-1', '!csShareDoesNotExist,myuser', 'the collection is not shared with you (its owner cannot leave it)');
      }
      throw e;
    });
    return sendWire(req, reply, 200, { errorCode: '0', id: idOf(req), type: 'share' });
  });

  app.delete<{ Params: { id: string } }>('/shares/:id', { schema: Shares.revokeAll }, async (req, reply) => {
    setCtx(req, req.params.id);
    await revokeAllShares(ctx.db, req.actor, req.params.id);
    return sendWire(req, reply, 200, { errorCode: '0', id: idOf(req), type: 'share' });
  });
}
