// Unicat's global API under /api (beside /api/p/{project} and Uplynk's /api/v4): the calls the
// Unicat client makes outside a project (init, users/get, members/get, projects/get, languages/get,
// ping), JWT auth as in the project API, and Unicat's envelope for every other path under /api.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { installUnicatErrors, ok } from './envelope.ts';
import { bearerToken } from './auth.ts';
import { issueJwt, verifyJwt } from '../../core/tokens.ts';
import { invalid } from '../../core/errors.ts';
import { currentCursors } from '../../core/changes.ts';
import { actorForKeyId } from '../../core/keys.ts';
import { callerProjects, projectMembers, visibleUsers, type DirectoryCaller } from '../../core/directory.ts';
import { Global } from './schemas.ts';
import { CC_VERSION, languagesData, membersResult, projectsData, usersData } from './cc-json.ts';

declare module 'fastify' {
  interface FastifyRequest { caller: DirectoryCaller & { keyId: number } }
}

type Body = Record<string, unknown>;

const bodyOf = (req: FastifyRequest) => (req.body ?? {}) as Body;

/** Unicat's parameter matching: the single form when present, else the list form, else 400. */
function oneOrMany(b: Body, single: string, many: string): { value: unknown; single: boolean } {
  if (b[single] !== undefined) return { value: b[single], single: true };
  if (b[many] !== undefined) return { value: b[many], single: false };
  throw invalid(`send ${single} or ${many}`, { field: single });
}

export async function globalRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  installUnicatErrors(app);
  app.decorateRequest('caller', null as unknown as DirectoryCaller & { keyId: number });
  app.addHook('onRequest', async (req, reply) => {
    if (req.is404 || req.routeOptions.config?.public) return;
    const claims = await app.guardAuth(req, reply, () => verifyJwt(bearerToken(req), ctx.config.jwtSecret));
    // the key must be active and its user still a member of the key's project
    const a = await app.guardAuth(req, reply, () => actorForKeyId(ctx.db, claims.keyId, claims.userGid));
    req.caller = { userId: a.userId, userGid: a.userGid, projectGid: a.projectGid, keyId: claims.keyId };
  });
  // as every Unicat call: a renewed JWT with each successful answer
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode === 200 && req.caller) {
      reply.header('Authorization', await issueJwt(req.caller.userGid, req.caller.keyId, ctx.config.jwtTtlSeconds, ctx.config.jwtSecret));
    }
    return payload;
  });

  app.route({ method: ['GET', 'POST'], url: '/ping', config: { public: true }, schema: Global.ping, handler: async () => ok({}) });

  app.route({
    method: ['GET', 'POST'], url: '/init', schema: Global.init, handler: async (req) => {
      const [projects, users, cursors] = await Promise.all([
        callerProjects(ctx.db, req.caller),
        visibleUsers(ctx.db, req.caller, req.caller.userGid),
        currentCursors(ctx.db),
      ]);
      return ok({
        user: req.caller.userGid,
        user_projects: Object.fromEntries(projects.map((p) => [p.gid, [p.role]])),
        'cc.version': CC_VERSION,
        'cc.cursor': cursors.cc,
      }, { 'cc.users': usersData(users), 'cc.projects': projectsData(projects, new Set()), 'cc.languages': languagesData() });
    },
  });

  app.route({
    method: ['GET', 'POST'], url: '/languages/get', schema: Global.languages,
    handler: async () => ok({ languages: Object.keys(languagesData()) }, { 'cc.languages': languagesData() }),
  });

  app.post('/users/get', { schema: Global.users }, async (req) => {
    const { value, single } = oneOrMany(bodyOf(req), 'user', 'users');
    const users = await visibleUsers(ctx.db, req.caller, value, single ? 'user' : 'users');
    return ok(single ? { user: users[0].gid } : { users: users.map((u) => u.gid) }, { 'cc.users': usersData(users) });
  });

  app.post('/members/get', { schema: Global.members }, async (req) => {
    const b = bodyOf(req);
    const { value, single } = oneOrMany(b, 'member', 'members');
    const members = await projectMembers(ctx.db, req.caller, b.project, value, single ? 'member' : 'members');
    const r = membersResult(members, single);
    return ok(r.result, r.data);
  });

  app.post('/projects/get', { schema: Global.projects }, async (req) => {
    const { value, single } = oneOrMany(bodyOf(req), 'project', 'projects');
    const projects = await callerProjects(ctx.db, req.caller, value, single ? 'project' : 'projects');
    return ok(single ? { project: projects[0].gid } : { projects: projects.map((p) => p.gid) },
      { 'cc.projects': projectsData(projects, new Set(projects.map((p) => p.gid))) });
  });
}
