// Unicat bulk calls that run as jobs (assets/bulk/delete, undelete, move) and the job calls
// jobs/get and jobs/cancel (our extensions, docs/jobs.md). Rules live in src/core/jobs.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../http/context.ts';
import { cancelJob, createBulkJob, getJob, type JobData, type JobKind } from '../../core/jobs/jobs.ts';
import { ok } from './envelope.ts';

const jobEnvelope = (r: { token: string; job: JobData }) => ok({ 'job.token': r.token }, { jobs: { [r.token]: r.job } });

const BULK: [call: string, kind: JobKind][] = [
  ['assets/bulk/delete', 'bulk_delete_assets'],
  ['assets/bulk/undelete', 'bulk_undelete_assets'],
  ['assets/bulk/move', 'bulk_move_assets'],
];

export async function bulkRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  for (const [call, kind] of BULK) {
    app.post(`/:project/${call}`, {
      schema: { body: Type.Object({ selection: Type.Unknown(), parent: Type.Optional(Type.Unknown()) }) },
    }, async (req) => {
      const body = req.body as { selection: unknown; parent?: unknown };
      const { token } = await createBulkJob(ctx.db, req.actor, kind, body);
      // Unicat answers only the token (data {}); progress comes as cc `jobs` sync events.
      return ok({ 'job.token': token });
    });
  }

  const tokenBody = { body: Type.Object({ 'job.token': Type.Unknown() }) };
  app.post('/:project/jobs/get', { schema: tokenBody }, async (req) =>
    jobEnvelope(await getJob(ctx.db, req.actor, (req.body as Record<string, unknown>)['job.token'])));
  app.post('/:project/jobs/cancel', { schema: tokenBody }, async (req) =>
    jobEnvelope(await cancelJob(ctx.db, req.actor, (req.body as Record<string, unknown>)['job.token'])));
}
