// Unicat asset calls (assets/get, children, worksheet, tree, create, upload, update, move, delete, ...).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';

export async function assetRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {
  // filled in by the asset-tree work
}
