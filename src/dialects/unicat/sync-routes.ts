// Unicat sync API under /sync: sync/get and sync/cursors (socket.io push is attached to the HTTP
// server, see sync-socket.ts). Wire format and decisions: docs/sync.md.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { installUnicatErrors, ok } from './envelope.ts';
import { installBoundedJsonParser } from '../../http/limits.ts';
import { joinUtf8 } from '../../http/utf8-join.ts';
import { bearerToken } from './auth.ts';
import { renewedJwt, verifyJwt, type TokenClaims } from '../../core/tokens.ts';
import { invalid } from '../../core/errors.ts';
import { normalizeId } from '../../core/ids.ts';
import { Sync } from './schemas.ts';
import { librariesFlag, projectTypes } from './feed-types.ts';
import { feedCaller, feedCursors, parseCursor, parseLimit, readFeed, type FeedRequest } from '../../core/feed/read.ts';

declare module 'fastify' {
  /** the caller's verified JWT (its claims name the key and user): set by the onRequest hook */
  interface FastifyRequest { feedToken: { token: string; claims: TokenClaims } }
}

type Body = Record<string, unknown>;

const body = (req: FastifyRequest) => (req.body ?? {}) as Body;

const present = (v: unknown) => v !== undefined && v !== null;

function projectGid(raw: unknown): string {
  const gid = normalizeId(raw);
  if (!gid) throw invalid('project must be a project gid', { field: 'project', value: raw });
  return gid;
}

/** {cc_cursor?, project?, cursor?, limit?, libraries?} -> the core request. */
function feedRequest(b: Body): FeedRequest {
  const libraries = librariesFlag(b.libraries);
  if (libraries === undefined) throw invalid('libraries must be true or false', { field: 'libraries' });
  const req: FeedRequest = { projectTypes: projectTypes(libraries) };
  if (present(b.cc_cursor)) req.ccCursor = parseCursor(b.cc_cursor, 'cc_cursor');
  if (present(b.project)) {
    const gid = projectGid(b.project);
    if (!present(b.cursor)) throw invalid('cursor is required with project', { field: 'cursor' });
    req.project = { gid, cursor: parseCursor(b.cursor, 'cursor') };
  } else if (present(b.cursor)) {
    throw invalid('cursor needs project (the project gid it counts in)', { field: 'project' });
  }
  if (req.ccCursor === undefined && !req.project) throw invalid('give cc_cursor, or project and cursor, or all three', { field: 'cc_cursor' });
  req.limit = parseLimit(b.limit);
  return req;
}

export async function syncRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  installUnicatErrors(app);
  installBoundedJsonParser(app);
  app.decorateRequest('feedToken', null as unknown as { token: string; claims: TokenClaims });
  // The JWT's signature and expiry are checked here; that its key is still active is checked by
  // the call itself (sync/get folds it into its one statement).
  app.addHook('onRequest', async (req, reply) => {
    if (req.is404) return; // an unknown call is a 404 whoever asks
    const token = bearerToken(req);
    const claims = await app.guardAuth(req, reply, () => verifyJwt(token, ctx.config.jwtSecret));
    req.feedToken = { token, claims };
  });
  // the renewed JWT goes out with successful answers only (never with a 401 for a revoked key);
  // a token younger than RENEW_AFTER_SECONDS goes back as it came, as on every Unicat call
  // (docs/dialects/unicat.md): a catch-up is many calls in a row, each signed a new JWT before
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode === 200 && req.feedToken) {
      const { token, claims } = req.feedToken;
      reply.header('Authorization', await renewedJwt(token, claims, ctx.config.jwtTtlSeconds, ctx.config.jwtSecret));
    }
    return payload;
  });

  app.post('/get', { schema: Sync.get }, async (req, reply) => {
    const r = feedRequest(body(req));
    const page = await readFeed(ctx.db, req.feedToken.claims, r);
    // readFeed gives each event's stored JSON text; the envelope is put around them, and the
    // whole answer is encoded to UTF-8 once (src/http/utf8-join.ts).
    // The cursors to send next go in `next`, never in result.cursor / result["cc.cursor"]: the
    // Unicat client adopts those from any answer, before it applies the events (it would skip them).
    const result: Record<string, unknown> = {
      next: { cc_cursor: page.ccCursor, project: r.project ? r.project.gid : null, cursor: page.cursor },
    };
    if (page.more) result.warning = 'more';
    const head = JSON.stringify(ok(result, {}));
    // head is {"success":true,"result":{...},"data":{}}: splice "sync":[...] in front of result's keys
    const at = head.indexOf('"result":{') + '"result":{'.length;
    reply.type('application/json; charset=utf-8');
    return reply.send(joinUtf8(`${head.slice(0, at)}"sync":[`, page.events, ',', `],${head.slice(at)}`));
  });

  app.post('/cursors', { schema: Sync.cursors }, async (req) => {
    const b = body(req);
    const gid = present(b.project) ? projectGid(b.project) : undefined;
    const caller = await feedCaller(ctx.db, req.feedToken.claims.keyId, req.feedToken.claims.userGid);
    const c = await feedCursors(ctx.db, caller, gid);
    return ok({
      'cc.cursor': c.cc, // what the Unicat client reads (prepare_for_job)
      cc_cursor: c.cc,
      project: gid ?? null,
      cursor: c.cursor,
      pruned_to: { cc_cursor: c.prunedTo.cc, cursor: c.prunedTo.cursor },
    });
  });
}
