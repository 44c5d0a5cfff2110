// Oracle Documents 1.1 collections under /documents/api/1.1.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';

export async function oracleRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {
  // filled in by the libraries work
}
