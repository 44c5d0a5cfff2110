// Retention of the change feeds: events older than the configured age are removed, and in the same
// transaction pruned_to is raised (project_cursors.pruned_to, cc_cursor.pruned_to), so that a
// reader either sees the old events or an "expired cursor" error, never a silent gap.
//
// Pruning is by cursor. Project feeds: pruned_to becomes the cursor just below the project's first
// event (in cursor order) that is not expired, and every event at or below it goes. The cc feed:
// pruned_to becomes the highest cursor of an expired event. (created_on is the writing
// transaction's start time, which follows cursor order up to the length of a transaction: an
// event kept may be older than the age, or one removed younger, by at most that.)
// Several servers on one database: a transaction-level advisory lock lets one of them prune at a time.
import pg from 'pg';
import type { Db } from '../../db/pool.ts';

const PRUNE_LOCK = 727_271_005;

export interface PruneResult { ran: boolean; projectEvents: number; ccEvents: number }

async function withClient<T>(db: Db, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  if (!(db instanceof pg.Pool)) return fn(db as pg.PoolClient);
  const client = await db.connect();
  try { return await fn(client); } finally { client.release(); }
}

/** Removes the events older than maxAgeSeconds from both feeds (one transaction). */
export async function pruneChanges(db: Db, maxAgeSeconds: number): Promise<PruneResult> {
  return withClient(db, async (c) => {
    await c.query('BEGIN');
    try {
      const { rows: [l] } = await c.query('SELECT pg_try_advisory_xact_lock($1) AS got', [PRUNE_LOCK]);
      if (!l.got) { await c.query('ROLLBACK'); return { ran: false, projectEvents: 0, ccEvents: 0 }; }
      const age = [String(maxAgeSeconds)];
      // The deletes come first and the counter rows are updated last, so writers (who hold those
      // rows until they commit) are held up only for the end of this transaction.
      // Per project, every event below its first young one (cursor order), found by walking the
      // primary key from the oldest retained cursor: the rows walked are the rows removed. No
      // young event: every event up to the project's cursor. (No index on created_on: each event
      // would pay for it; migration 010.)
      await c.query(
        `CREATE TEMP TABLE prune_bounds ON COMMIT DROP AS
         SELECT pc.project_id, coalesce(y.cursor - 1, pc.cursor) AS upto
         FROM project_cursors pc
         LEFT JOIN LATERAL (SELECT x.cursor FROM changes x
                            WHERE x.project_id = pc.project_id AND x.cursor > pc.pruned_to
                              AND x.created_on >= now() - make_interval(secs => $1::double precision)
                            ORDER BY x.cursor LIMIT 1) y ON true
         WHERE coalesce(y.cursor - 1, pc.cursor) > pc.pruned_to`, age);
      const p = await c.query(
        `DELETE FROM changes ch USING prune_bounds b WHERE ch.project_id = b.project_id AND ch.cursor <= b.upto`);
      const { rows: [cb] } = await c.query(
        `SELECT max(cursor) AS upto FROM cc_changes WHERE created_on < now() - make_interval(secs => $1::double precision)`, age);
      let ccEvents = 0;
      if (cb.upto !== null) {
        ccEvents = (await c.query('DELETE FROM cc_changes WHERE cursor <= $1', [cb.upto])).rowCount ?? 0;
      }
      await c.query(
        `UPDATE project_cursors pc SET pruned_to = b.upto FROM prune_bounds b
         WHERE pc.project_id = b.project_id AND pc.pruned_to < b.upto`);
      if (cb.upto !== null) await c.query('UPDATE cc_cursor SET pruned_to = $1 WHERE id = 1 AND pruned_to < $1', [cb.upto]);
      await c.query('COMMIT');
      return { ran: true, projectEvents: p.rowCount ?? 0, ccEvents };
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  });
}

export interface RetentionHandle { stop(): Promise<void> }

export interface RetentionPolicy { ageSeconds: number; intervalMs: number }

/**
 * The retention age in seconds: CHANGE_RETENTION_SECONDS when set (for tests and small
 * deployments), else changeRetentionDays days; 0 keeps events forever. The prune interval is
 * CHANGE_PRUNE_INTERVAL_MS, default a tenth of the age, between 1 s and 1 h.
 */
export function retentionPolicy(config: { changeRetentionDays: number; changeRetentionSeconds?: number; changePruneIntervalMs?: number }): RetentionPolicy {
  const ageSeconds = config.changeRetentionSeconds ?? config.changeRetentionDays * 86_400;
  const intervalMs = config.changePruneIntervalMs ?? Math.min(3_600_000, Math.max(1_000, (ageSeconds * 1000) / 10));
  return { ageSeconds, intervalMs };
}

/** Prunes every policy.intervalMs in the background. Nothing runs when the age is 0. */
export function startRetention(pool: pg.Pool, policy: RetentionPolicy, log: (m: string) => void = () => {}): RetentionHandle {
  const { ageSeconds: age, intervalMs } = policy;
  if (age <= 0) return { async stop() {} };
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = pruneChanges(pool, age)
      .then((r) => { if (r.projectEvents + r.ccEvents > 0) log(`retention: pruned ${r.projectEvents} project and ${r.ccEvents} cc events`); })
      .catch((e) => { if (!stopped) log(`retention: prune failed: ${(e as Error).message}`); })
      .finally(() => { running = undefined; });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
