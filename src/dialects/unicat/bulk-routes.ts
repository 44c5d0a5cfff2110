// Unicat bulk calls that run as jobs (assets/bulk/delete, undelete, move) and the job calls
// jobs/get and jobs/cancel (our extensions, docs/jobs.md). Rules live in src/core/jobs.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { cancelJob, createBulkJob, getJob, type JobData, type JobKind } from '../../core/jobs/jobs.ts';
import { ok } from './envelope.ts';
import { Jobs } from './schemas.ts';

const jobEnvelope = (r: { token: string; job: JobData }) => ok({ 'job.token': r.token }, { jobs: { [r.token]: r.job } });

const BULK: [call: string, kind: JobKind, what: string][] = [
  ['assets/bulk/delete', 'bulk_delete_assets', 'moves to the trash'],
  ['assets/bulk/undelete', 'bulk_undelete_assets', 'restores from the trash'],
  ['assets/bulk/move', 'bulk_move_assets', 'moves (to parent)'],
];

export async function bulkRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  for (const [call, kind, what] of BULK) {
    app.post(`/:project/${call}`, { schema: Jobs.bulk(call, what) }, async (req) => {
      const body = req.body as { selection: unknown; parent?: unknown };
      const { token } = await createBulkJob(ctx.db, req.actor, kind, body);
      // Unicat answers only the token (data {}); progress comes as cc `jobs` sync events.
      return ok({ 'job.token': token });
    });
  }

  app.post('/:project/jobs/get', { schema: Jobs.get }, async (req) =>
    jobEnvelope(await getJob(ctx.db, req.actor, (req.body as Record<string, unknown>)['job.token'])));
  app.post('/:project/jobs/cancel', { schema: Jobs.cancel }, async (req) =>
    jobEnvelope(await cancelJob(ctx.db, req.actor, (req.body as Record<string, unknown>)['job.token'])));
}
