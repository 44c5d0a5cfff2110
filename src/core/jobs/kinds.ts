// What each job kind does to one batch of selected assets, and as whom a job acts.
import type { Db } from '../../db/pool.ts';
import { actorQuery, type Actor } from '../keys.ts';
import { run } from '../../db/statement.ts';
import type { JobKind, JobParams } from './jobs.ts';
import { can } from '../access.ts';
import { trashSubtrees, restoreSubtrees, moveSubtrees, type BatchOutcome } from './deps.ts';

export type { BatchOutcome };

/**
 * Whether {children} and {search} entries include trashed assets: only for undelete (that is what
 * it restores). A gid listed explicitly resolves whatever its trash state, so an already deleted
 * asset listed in a delete fails one by one (already_deleted), as Unicat documents, and a deleted
 * one listed in a move fails as deleted.
 */
export function trashedFor(kind: JobKind): 'exclude' | 'include' {
  return kind === 'bulk_undelete_assets' ? 'include' : 'exclude';
}

/** Applies the job's operation to a batch of internal asset ids (set-based, per-item failures counted). */
export function runBatch(tx: Db, actor: Actor, kind: JobKind, params: JobParams, ids: number[]): Promise<BatchOutcome> {
  switch (kind) {
    case 'bulk_delete_assets': return trashSubtrees(tx, actor, ids);
    case 'bulk_undelete_assets': return restoreSubtrees(tx, actor, ids);
    case 'bulk_move_assets': return moveSubtrees(tx, actor, ids, params.parent as number);
  }
}

/**
 * A job acts as the user who started it, with that user's current role in the project (so a
 * user removed from the project, or made a viewer, stops their queued jobs). null: may not write.
 */
export async function actorForJob(db: Db, job: { user_id: number; project_id: number; key_id: number | null }): Promise<Actor | null> {
  const a = (await run(db, actorQuery, { by: 'member', userId: job.user_id, projectId: job.project_id, keyId: job.key_id }))[0] as Actor | undefined;
  return a && can(a, 'job.write') ? a : null;
}

/** For a move: the parent must still be a live folder; locks it (FOR SHARE) for the batch. */
export async function moveParentProblem(tx: Db, params: JobParams): Promise<string | null> {
  const { rows } = await tx.query('SELECT is_file, deleted_on IS NOT NULL AS deleted FROM assets WHERE id = $1 FOR SHARE', [params.parent]);
  if (!rows[0] || rows[0].deleted) return 'parent_deleted';
  if (rows[0].is_file) return 'parent_not_a_folder';
  return null;
}
