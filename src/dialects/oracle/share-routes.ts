// Oracle's shares API for collections: POST /shares/{id} (share with users and a role),
// GET /shares/{id}/items (the shares), PUT /shares/{id}/role (change a role), DELETE
// /shares/{id}/user (revoke users), DELETE /shares/{id}/myuser (leave), DELETE /shares/{id}
// (revoke everyone). Roles: viewer, downloader, contributor, manager (stored as given; what each
// allows is decided in src/core/libraries/access.ts). userID: a user id, a login name (email), or a comma-separated
// list of them (all or nothing: one bad user refuses the request).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { withTx, type Db } from '../../db/pool.ts';
import { normalizeId } from '../../core/ids.ts';
import { findUserByEmail } from '../../core/users.ts';
import { getLibrary } from '../../core/libraries/libraries.ts';
import { listShares, revokeAllShares, shareLibrary, unshareLibrary, type Share } from '../../core/libraries/sharing.ts';
import { SHARE_ROLES, type ShareRole } from '../../core/libraries/access.ts';
import type { Actor } from '../../core/keys.ts';
import { CoreError } from '../../core/errors.ts';
import { bodyOf, sendWire, stringField, type Body } from './wire.ts';
import { OracleError } from './errors.ts';
import { userJson } from './collection-json.ts';

const MAX_USERS = 1000;

function roleOf(b: Body): ShareRole {
  const raw = stringField(b, 'role');
  if (raw === undefined || raw.trim() === '') throw new OracleError(400, '-1', '!csInvalidRequest,role', 'role is required: viewer, downloader, contributor or manager');
  const role = raw.trim().toLowerCase() as ShareRole;
  if (!SHARE_ROLES.includes(role)) throw new OracleError(400, '-1', '!csInvalidRequest,role', `role must be viewer, downloader, contributor or manager, not "${raw}"`);
  return role;
}

/** The userID tokens of a request: from the body or, failing that, the query string. */
function userTokens(req: FastifyRequest, b: Body): string[] {
  let raw = stringField(b, 'userID');
  if (raw === undefined) {
    const q = (req.query as Record<string, unknown> | undefined)?.userID;
    if (typeof q === 'string') raw = q;
  }
  const tokens = (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (tokens.length === 0) throw new OracleError(400, '-1', '!csInvalidRequest,userID', 'userID is required (a user id, a login name, or a comma-separated list)');
  if (tokens.length > MAX_USERS) throw new OracleError(400, '-1', '!csInvalidRequest,userID', `userID lists at most ${MAX_USERS} users`);
  return [...new Set(tokens)];
}

/** A userID token (user gid or login name) -> user gid; unknown -> 400. */
async function resolveUser(db: Db, token: string): Promise<string> {
  const gid = normalizeId(token);
  if (gid) return gid;
  if (token.includes('@')) {
    const u = await findUserByEmail(db, token);
    if (u) return u.gid;
  }
  throw new OracleError(400, '-1', `!csUnknownUser,userID:${token}`, `userID "${token}" is neither a user id nor the login name of a user`);
}

/** Re-labels the core's "user" errors with the offending userID. */
function userError(e: unknown, token: string): unknown {
  if (e instanceof CoreError && e.kind === 'invalid' && e.info.field === 'user') {
    const reason = e.info.reason === 'owner' ? 'the owner of a collection cannot be given a share of it' : e.message;
    return new OracleError(400, '-1', `!csInvalidUser,userID:${token}`, `userID "${token}": ${reason}`);
  }
  return e;
}

const idOf = (req: FastifyRequest<{ Params: { id: string } }>) => normalizeId(req.params.id) ?? req.params.id;

const member = (s: { user: Share['user'] }) => ({ id: s.user.gid, displayName: s.user.name || s.user.email, type: 'user', isSuccessful: '1' });
const shortUser = (s: { user: Share['user'] }) => ({ id: s.user.gid, displayName: s.user.name || s.user.email, type: 'user' });

async function shareAll(ctx: AppContext, actor: Actor, id: string, tokens: string[], role: ShareRole): Promise<Share[]> {
  return withTx(ctx.db, async (tx) => {
    const out: Share[] = [];
    for (const t of tokens) {
      const gid = await resolveUser(tx, t);
      try {
        out.push(await shareLibrary(tx, actor, id, gid, role));
      } catch (e) { throw userError(e, t); }
    }
    return out;
  });
}

export async function shareRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const setCtx = (req: FastifyRequest, id: string) => { req.oracleErr = { id, errorType: 'share' }; };

  app.post<{ Params: { id: string } }>('/shares/:id', async (req, reply) => {
    setCtx(req, req.params.id);
    const b = bodyOf(req);
    const role = roleOf(b);
    const tokens = userTokens(req, b);
    const shares = await shareAll(ctx, req.actor, req.params.id, tokens, role);
    return sendWire(req, reply, 200, {
      errorCode: '0', id: idOf(req),
      members: shares.map(member), role, type: 'share', user: shortUser(shares[0]),
    });
  });

  app.put<{ Params: { id: string } }>('/shares/:id/role', async (req, reply) => {
    setCtx(req, req.params.id);
    const b = bodyOf(req);
    const role = roleOf(b);
    const tokens = userTokens(req, b);
    const shares = await withTx(ctx.db, async (tx) => {
      const current = await listShares(tx, req.actor, req.params.id);
      const out: Share[] = [];
      for (const t of tokens) {
        const gid = await resolveUser(tx, t);
        if (!current.some((s) => s.user.gid === gid)) {
          throw new OracleError(404, '-16', `!csShareDoesNotExist,userID:${t}`, `the collection is not shared with userID "${t}"`);
        }
        try {
          out.push(await shareLibrary(tx, req.actor, req.params.id, gid, role));
        } catch (e) { throw userError(e, t); }
      }
      return out;
    });
    return sendWire(req, reply, 200, {
      errorCode: '0', id: idOf(req), members: shares.map(member), role, type: 'share', user: shortUser(shares[0]),
    });
  });

  app.get<{ Params: { id: string } }>('/shares/:id/items', async (req, reply) => {
    setCtx(req, req.params.id);
    const lib = await getLibrary(ctx.db, req.actor, req.params.id);
    const shares = await listShares(ctx.db, req.actor, lib.gid);
    return sendWire(req, reply, 200, {
      count: String(shares.length),
      errorCode: '0',
      id: lib.gid,
      type: 'share',
      items: shares.map((s) => ({ type: 'share', role: s.role, user: userJson(s.user) })),
      ownedBy: userJson(lib.owner),
    });
  });

  app.delete<{ Params: { id: string } }>('/shares/:id/user', async (req, reply) => {
    setCtx(req, req.params.id);
    const b = bodyOf(req);
    const tokens = userTokens(req, b);
    const removed = await withTx(ctx.db, async (tx) => {
      const current = await listShares(tx, req.actor, req.params.id);
      const out: Share[] = [];
      for (const t of tokens) {
        const gid = await resolveUser(tx, t);
        const share = current.find((s) => s.user.gid === gid);
        if (!share) throw new OracleError(404, '-16', `!csShareDoesNotExist,userID:${t}`, `the collection is not shared with userID "${t}"`);
        await unshareLibrary(tx, req.actor, req.params.id, gid);
        out.push(share);
      }
      return out;
    });
    return sendWire(req, reply, 200, {
      errorCode: '0', id: idOf(req), members: removed.map(member), type: 'share', user: shortUser(removed[0]),
    });
  });

  app.delete<{ Params: { id: string } }>('/shares/:id/myuser', async (req, reply) => {
    setCtx(req, req.params.id);
    await unshareLibrary(ctx.db, req.actor, req.params.id, req.actor.userGid).catch((e) => {
      if (e instanceof CoreError && e.info.reason === 'not_shared') {
        throw new OracleError(400, '-1', '!csShareDoesNotExist,myuser', 'the collection is not shared with you (its owner cannot leave it)');
      }
      throw e;
    });
    return sendWire(req, reply, 200, { errorCode: '0', id: idOf(req), type: 'share' });
  });

  app.delete<{ Params: { id: string } }>('/shares/:id', async (req, reply) => {
    setCtx(req, req.params.id);
    await revokeAllShares(ctx.db, req.actor, req.params.id);
    return sendWire(req, reply, 200, { errorCode: '0', id: idOf(req), type: 'share' });
  });
}
