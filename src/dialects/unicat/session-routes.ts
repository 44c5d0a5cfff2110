// Unicat `auth` and `init` (the session: user, projects, members, cursors).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { actorForKey } from '../../core/keys.ts';
import { issueJwt } from '../../core/tokens.ts';
import { sessionInfo, type SessionInfo } from '../../core/session.ts';
import { forbidden, CoreError } from '../../core/errors.ts';
import { normalizeId } from '../../core/ids.ts';
import { ok } from './envelope.ts';
import { Session } from './schemas.ts';
import { CC_VERSION, languagesData, memberUsersData, membersData, projectsData, usersData } from './cc-json.ts';

function sessionEnvelope(s: SessionInfo) {
  const self = { gid: s.user.gid, email: s.user.email, name: s.user.name };
  return ok({
    user: s.user.gid,
    user_projects: Object.fromEntries(s.projects.map((p) => [p.gid, [p.role]])),
    project: s.project.gid,
    project_members: s.members.map((m) => m.user_gid),
    last_backed_up: null,
    'cc.version': CC_VERSION,
    'cc.cursor': s.ccCursor,
    cursor: s.cursor,
  }, {
    'cc.users': { ...memberUsersData(s.members), ...usersData([self]) },
    'cc.projects': projectsData(s.projects, new Set([s.project.gid])),
    'cc.projects_members': membersData(s.members),
    'cc.languages': languagesData(),
    definitions: {}, classes: {}, fields: {}, layouts: {}, queries: {},
  });
}

export async function sessionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/:project/auth', {
    config: { public: true },
    schema: Session.auth,
  }, async (req, reply) => {
    const projectGid = normalizeId((req.params as { project: string }).project);
    if (!projectGid) throw forbidden('unknown user for this project');
    let actor;
    try {
      actor = await app.guardAuth(req, reply, () => actorForKey(ctx.db, (req.body as { api_key: string }).api_key, projectGid));
    } catch (e) {
      // Unicat answers 403 UNKNOWN_USER for a key it does not know for this project.
      if (e instanceof CoreError && e.kind === 'unauthenticated') throw forbidden('unknown user for this project');
      throw e;
    }
    reply.header('Authorization', await issueJwt(actor.userGid, actor.keyId, ctx.config.jwtTtlSeconds, ctx.config.jwtSecret));
    return sessionEnvelope(await sessionInfo(ctx.db, actor));
  });

  // Unicat documents init as GET (it takes no parameters); POST is accepted like every other call.
  app.route({ method: ['GET', 'POST'], url: '/:project/init', schema: Session.init, handler: async (req) => sessionEnvelope(await sessionInfo(ctx.db, req.actor)) });
}
