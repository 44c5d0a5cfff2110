// Uplynk Libraries v4 under /api/v4.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';

export async function uplynkRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {
  // filled in by the libraries work
}
