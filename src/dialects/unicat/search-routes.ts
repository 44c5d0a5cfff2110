// Unicat assets/search and assets/bulk/get (selections).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';

export async function searchRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {
  // filled in by the selections/search work
}
