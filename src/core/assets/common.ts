// Shared pieces of the asset-tree core: the batch outcome type, the per-project tree lock and
// the write-permission rule.
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { requirePermission } from '../access.ts';
import { invalid } from '../errors.ts';

/**
 * Result of a set-based batch (trashSubtrees, restoreSubtrees, moveSubtrees): how many of the
 * distinct requested ids succeeded, and how many failed, per reason. Reasons:
 * not_found, is_root, already_deleted (trash), not_deleted, parent_deleted (restore),
 * deleted, into_own_subtree (move), name_conflict (restore, move).
 */
export interface BatchOutcome { done: number; failed: Record<string, number> }

/** Viewers only read (the project permission asset.write, src/core/access.ts). */
export function requireWrite(actor: Actor): void {
  requirePermission(actor, 'asset.write');
}

const TREE_LOCK_CLASS = 727_271_002;

/**
 * The per-project tree lock, held to the end of the transaction. Structural changes (rename, move,
 * trash, restore, permanent delete) take it exclusive: they rewrite or hide whole subtrees and
 * must see every row that committed before them. Inserts (create, upload) and content or text
 * updates take it shared, so they run concurrently with each other but never interleave with a
 * structural change (e.g. a folder created under a folder that is being trashed cannot end up live
 * under a trashed parent). Reads never take it. Callers run in READ COMMITTED.
 */
export async function lockTree(tx: Db, projectId: number, mode: 'exclusive' | 'shared' = 'exclusive'): Promise<void> {
  const fn = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await tx.query(`SELECT ${fn}($1, $2::int)`, [TREE_LOCK_CLASS, projectId]);
}

/** Validates a batch of internal ids (non-empty list of positive integers). */
export function checkIds(ids: unknown, what = 'rootIds'): number[] {
  if (!Array.isArray(ids) || ids.some((x) => !Number.isSafeInteger(x) || (x as number) <= 0)) {
    throw invalid(`${what} must be a list of internal asset ids`);
  }
  return ids as number[];
}

/** Groups a SQL row of counts into a BatchOutcome, dropping zero counts. */
export function outcome(done: number, failed: Record<string, number | string | null>): BatchOutcome {
  const f: Record<string, number> = {};
  for (const [k, v] of Object.entries(failed)) { const n = Number(v ?? 0); if (n > 0) f[k] = n; }
  return { done: Number(done), failed: f };
}

/** SQL for the exclusive upper bound of the subtree range of a path column/expression. */
export const upper = (p: string) => `((left(${p}, -1) || '0') COLLATE "C")`;
