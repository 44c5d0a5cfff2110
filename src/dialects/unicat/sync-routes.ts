// Unicat sync API under /sync: sync/get, sync/cursors (socket.io push is attached to the HTTP server).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';

export async function syncRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {
  // filled in by the sync work
}
