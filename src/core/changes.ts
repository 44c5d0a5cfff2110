// Writing change events. Mutations call these inside their own transaction (see emit_changes in
// migration 001); large mutations call emit_changes directly in SQL over their RETURNING rows.
import type { Db } from '../db/pool.ts';

export type Action = 'INSERT' | 'UPDATE' | 'DELETE';

/** Appends one project event per key (keys given from JS: for small, known lists). */
export async function emitChanges(db: Db, projectId: number, action: Action, dataType: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.query('SELECT emit_changes($1, $2, $3, $4::text[])', [projectId, action, dataType, keys]);
}

/** Appends one global (cc) event. */
export async function emitCcChange(db: Db, projectId: number | null, action: Action, dataType: string, key: string, data?: unknown): Promise<number> {
  const { rows } = await db.query('SELECT emit_cc_change($1, $2, $3, $4, $5::jsonb) AS c', [projectId, action, dataType, key, data === undefined ? null : JSON.stringify(data)]);
  return rows[0].c;
}

/** Current cursors: the cc cursor and, when given, the project's. */
export async function currentCursors(db: Db, projectId?: number): Promise<{ cc: number; project: number | null }> {
  const { rows } = await db.query(
    `SELECT (SELECT cursor FROM cc_cursor WHERE id = 1) AS cc,
            (SELECT cursor FROM project_cursors WHERE project_id = $1) AS project`, [projectId ?? null]);
  return { cc: rows[0].cc, project: rows[0].project };
}
