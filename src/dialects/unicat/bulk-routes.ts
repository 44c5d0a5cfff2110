// Unicat bulk calls over selections (assets/bulk/*), search and jobs.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';

export async function bulkRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {
  // filled in by the jobs/search work
}
