// Unicat `members/get` under /api/p/{project}: {member} or {members} (the first present is used).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { invalid } from '../../core/errors.ts';
import { membersOf } from '../../core/directory.ts';
import { ok } from './envelope.ts';
import { membersResult } from './cc-json.ts';
import { Session } from './schemas.ts';

export async function memberRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/:project/members/get', { schema: Session.members }, async (req) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    let want: unknown, single: boolean;
    if (b.member !== undefined) { want = b.member; single = true; }
    else if (b.members !== undefined) { want = b.members; single = false; }
    else throw invalid('send member or members', { field: 'member' });
    // the actor is a member of this project (checked by the auth hook)
    const members = await membersOf(ctx.db, req.actor.projectGid, want, single ? 'member' : 'members');
    const r = membersResult(members, single);
    return ok(r.result, r.data);
  });
}
