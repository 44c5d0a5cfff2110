// Reading the two change feeds after a client's cursors, with the visibility rules:
// - project events (assets, libraries, libraries_assets): members of that project;
// - cc events (jobs, cc.projects, cc.projects_members): members of the event's project_id, and a
//   cc.projects_members event about a user also reaches that user (so a removed member learns it);
//   a cc event without project_id reaches only the user whose gid is its data_key.
// A page is read in one REPEATABLE READ snapshot: the cursor checks (ahead, expired) and the rows
// come from the same state, so a concurrent prune can never open a silent gap.
// Every event's JSON text is rendered once, by the statement that writes it (emit_changes,
// emit_cc_change: the `json` column, migration 008); a page is the concatenation of its events' text
// (no JSON built or parsed per event). The HTTP catch-up sends the text as is; the push side parses
// it (it routes each event). The page statement returns one row per event rather than one
// string_agg row: the pg driver decodes one 1.5 MB field slower than 10,000 small ones
// (docs/BENCHMARKS.md, sync catch-up).
import type pg from 'pg';
import type { Db } from '../../db/pool.ts';
import { defineStatement, run } from '../../db/statement.ts';
import { forbidden, invalid, selectionError, unauthenticated } from '../errors.ts';
import { normalizeId } from '../ids.ts';

/** Events per space per /sync/get page unless the request asks for fewer (`limit`). */
export const DEFAULT_PAGE = 10_000;
export const MAX_PAGE = 10_000;

/** The caller of a feed request: the user behind a JWT. */
export interface FeedCaller { userId: number; userGid: string }

/** The user of a JWT's claims; the key must still be active. */
export async function feedCaller(db: Db, keyId: number, userGid: string): Promise<FeedCaller> {
  const { rows } = await db.query(
    `SELECT u.id AS "userId", u.gid::text AS "userGid" FROM api_keys k JOIN users u ON u.id = k.user_id
     WHERE k.id = $1 AND k.revoked_on IS NULL AND u.gid = $2::uuid`, [keyId, userGid]);
  if (!rows[0]) throw unauthenticated('the key behind this token was revoked');
  return rows[0];
}

/** The projects a user is a member of: internal id and gid. */
export async function memberProjects(db: Db, userId: number): Promise<{ id: number; gid: string }[]> {
  const { rows } = await db.query(
    `SELECT p.id, p.gid::text AS gid FROM memberships m JOIN projects p ON p.id = m.project_id WHERE m.user_id = $1 ORDER BY p.id`, [userId]);
  return rows;
}

/**
 * A cursor from a client: a non-negative integer (a JSON number, or a string of digits).
 * Anything else is a 422/1006 naming the field.
 */
export function parseCursor(raw: unknown, field: string): number {
  let n: number | undefined;
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) n = raw;
  else if (typeof raw === 'string' && /^\d{1,15}$/.test(raw.trim())) n = Number(raw.trim());
  if (n === undefined) {
    throw selectionError(`${field} must be a non-negative integer cursor`, { field, value: raw === undefined ? null : raw, reason: 'malformed' });
  }
  return n;
}

/** 1..MAX_PAGE, default DEFAULT_PAGE. */
export function parseLimit(raw: unknown): number {
  if (raw === undefined || raw === null) return DEFAULT_PAGE;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > MAX_PAGE) {
    throw selectionError(`limit must be an integer from 1 to ${MAX_PAGE}`, { field: 'limit', value: raw, reason: 'malformed' });
  }
  return raw;
}

const PROJECT_PAGE_SQL = `
  SELECT count(*)::int AS n, max(x.cursor) AS last, coalesce(string_agg(x.json, ',' ORDER BY x.cursor), '') AS json
  FROM (SELECT cursor, json FROM changes
        WHERE project_id = $1 AND cursor > $2 ORDER BY cursor LIMIT $3) x`;

/** Visibility of a cc event row `c` to user ($user id, $gid text). */
const CC_VISIBLE = (user: string, gid: string) => `(
  c.project_id IN (SELECT project_id FROM memberships WHERE user_id = ${user})
  OR (c.data_type = 'cc.projects_members' AND c.data_key LIKE '%/' || ${gid})
  OR (c.project_id IS NULL AND c.data_key = ${gid}))`;

/**
 * A whole page in ONE statement (one snapshot, one round trip): the caller's key, the counters,
 * the membership, the cursor checks, and the events of both spaces. $1 key id, $2 user gid,
 * $3 project gid or null, $4 project cursor or null, $5 cc cursor or null, $6 limit, $7 the
 * project event types to read (null: all).
 * The rows (k, cursor, json): first (k = 0) the state as JSON text (uid, cc, cc_pruned, pid,
 * p, p_pruned), then the visible cc events (k = 1, at most limit + 1 to tell whether more
 * remain), then the project events (k = 2, at most limit), each space in cursor order, each event
 * its cursor and its stored JSON. A space whose cursor is out of range reads nothing; the caller raises
 * the error from the returned state.
 */
export const PAGE_SQL = `
  WITH who AS (
    SELECT u.id FROM api_keys k JOIN users u ON u.id = k.user_id
    WHERE k.id = $1 AND k.revoked_on IS NULL AND u.gid = $2::uuid),
  st AS (
    SELECT (SELECT id FROM who) AS uid, cc.cursor AS cc, cc.pruned_to AS cc_pruned, pm.id AS pid, pc.cursor AS p, pc.pruned_to AS p_pruned
    FROM cc_cursor cc
    LEFT JOIN (SELECT p.id FROM projects p JOIN memberships m ON m.project_id = p.id AND m.user_id = (SELECT id FROM who)
               WHERE p.gid = $3::uuid) pm ON true
    LEFT JOIN project_cursors pc ON pc.project_id = pm.id
    WHERE cc.id = 1),
  ok AS (
    SELECT st.*,
           coalesce(st.uid IS NOT NULL AND $5::bigint BETWEEN st.cc_pruned AND st.cc, false) AS cc_ok,
           coalesce(st.pid IS NOT NULL AND $4::bigint BETWEEN st.p_pruned AND st.p, false) AS p_ok
    FROM st)
  SELECT 0 AS k, NULL::bigint AS cursor,
         json_build_object('uid', uid, 'cc', cc, 'cc_pruned', cc_pruned, 'pid', pid, 'p', p, 'p_pruned', p_pruned)::text AS json
  FROM ok
  UNION ALL
  (SELECT 1, c.cursor, c.json FROM cc_changes c
   WHERE (SELECT cc_ok FROM ok) AND c.cursor > $5::bigint AND c.cursor <= (SELECT cc FROM ok) AND ${CC_VISIBLE('(SELECT uid FROM ok)', '$2::text')}
   ORDER BY c.cursor LIMIT $6::int + 1)
  UNION ALL
  (SELECT 2, x.cursor, x.json FROM changes x
   WHERE (SELECT p_ok FROM ok) AND x.project_id = (SELECT pid FROM ok) AND x.cursor > $4::bigint
     AND ($7::text[] IS NULL OR x.data_type = ANY($7::text[]))
   ORDER BY x.cursor LIMIT $6::int)`;

/** The page statement as a reviewed artifact (src/db/queries/feed-page.sql); run by pageRows. */
export const feedPage = defineStatement<{ keyId: number; userGid: string; projectGid: string | null; projectCursor: number | null; ccCursor: number | null; limit: number; types: string[] | null }, unknown>({
  name: 'feed-page',
  summary: "one /sync/get page in one statement: the caller's key, counters, membership, cursor checks, and both spaces' events",
  render: (p) => ({ text: PAGE_SQL, values: [p.keyId, p.userGid, p.projectGid, p.projectCursor, p.ccCursor, p.limit, p.types] }),
  samples: [{ label: 'a project and the cc space, Unicat types', params: {
    keyId: 3, userGid: '6f1c2a8e-0000-4000-8000-0000000000c1', projectGid: '6f1c2a8e-0000-4000-8000-0000000000d1',
    projectCursor: 1200, ccCursor: 40, limit: 10_000, types: ['assets'] } }],
});

export const feedProjectPage = defineStatement<{ projectId: number; after: number; limit: number }, { n: number; last: number | null; json: string }>({
  name: 'feed-project-page',
  summary: "a project's events after a cursor as one JSON text (the push side)",
  render: (p) => ({ text: PROJECT_PAGE_SQL, values: [p.projectId, p.after, p.limit] }),
  samples: [{ label: 'a page of 1,000', params: { projectId: 1, after: 1200, limit: 1000 } }],
});

/** The page statement's rows as arrays of the columns' text (no type parsing: the JSON is sent as it comes). */
type PageRow = [k: string, cursor: string | null, json: string];
const RAW_TEXT = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

/** The page's rows: the state row first, then each space's events in cursor order. */
export async function pageRows(db: Db, values: unknown[]): Promise<PageRow[]> {
  // a named statement: planned once per connection (planning costs as much as a 1000-event page)
  const { rows } = await db.query<PageRow>({ name: 'assetlib_sync_page', text: PAGE_SQL, values, rowMode: 'array', types: RAW_TEXT });
  // UNION ALL runs its branches in order and each keeps its ORDER BY; checked, not assumed
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1], b = rows[i];
    if (a[0] > b[0] || (a[0] === b[0] && Number(a[1]) >= Number(b[1]))) {
      rows.sort((x, y) => (x[0] === y[0] ? Number(x[1]) - Number(y[1]) : x[0] < y[0] ? -1 : 1));
      break;
    }
  }
  return rows;
}

export interface FeedRequest {
  /** The client's cc cursor; undefined: cc events are not read. */
  ccCursor?: number;
  /** The project (gid) and the client's cursor in it; undefined: project events are not read. */
  project?: { gid: string; cursor: number };
  limit?: number;
  /** The project event types (data_type) to read; undefined: all. Others are skipped like invisible events. */
  projectTypes?: readonly string[];
}

export interface FeedPage {
  /** Each event's stored JSON text (one object each): cc events first, then project events, each in cursor order. */
  events: string[];
  /** The cursor to send next time (the last event of the page, or the current cursor when nothing more is visible). */
  ccCursor: number | null;
  cursor: number | null;
  more: boolean;
}

/** Resolves a project gid to the id of a project the user is a member of, else 403. */
async function memberProject(db: Db, userId: number, gidRaw: string): Promise<number> {
  const gid = normalizeId(gidRaw);
  if (!gid) throw invalid('project must be a project gid', { field: 'project', value: gidRaw });
  const { rows } = await db.query(
    `SELECT p.id FROM projects p JOIN memberships m ON m.project_id = p.id AND m.user_id = $2 WHERE p.gid = $1::uuid`, [gid, userId]);
  if (!rows[0]) throw forbidden('not a member of this project', { project: gid });
  return rows[0].id;
}

function checkCursor(field: string, cursor: number, current: number, prunedTo: number): void {
  if (cursor > current) {
    throw selectionError(`${field} ${cursor} is ahead of the current cursor ${current}`, { field, value: cursor, current, reason: 'cursor_ahead' });
  }
  if (cursor < prunedTo) {
    throw selectionError(
      `${field} ${cursor} is older than the retained changes (they start after ${prunedTo}): re-read everything, then continue from the current cursors`,
      { field, value: cursor, pruned_to: prunedTo, current, reason: 'cursor_expired', resync: true });
  }
}

/** One page of events after the cursors of the caller (the key and user of a verified JWT). */
export async function readFeed(db: Db, caller: { keyId: number; userGid: string }, req: FeedRequest): Promise<FeedPage> {
  const limit = req.limit ?? DEFAULT_PAGE;
  let gid: string | null = null;
  if (req.project) {
    gid = normalizeId(req.project.gid) ?? null;
    if (!gid) throw invalid('project must be a project gid', { field: 'project', value: req.project.gid });
  }
  const rows = await pageRows(db, [caller.keyId, caller.userGid, gid, req.project?.cursor ?? null, req.ccCursor ?? null, limit, req.projectTypes ?? null]);
  if (rows[0]?.[0] !== '0') throw new Error('sync page: no state row');
  const r = JSON.parse(rows[0][2]) as { uid: number | null; cc: number; cc_pruned: number; pid: number | null; p: number | null; p_pruned: number | null };
  if (r.uid === null) throw unauthenticated('the key behind this token was revoked');
  if (gid !== null && r.pid === null) throw forbidden('not a member of this project', { project: gid });
  if (req.ccCursor !== undefined) checkCursor('cc_cursor', req.ccCursor, r.cc, r.cc_pruned);
  if (req.project) checkCursor('cursor', req.project.cursor, r.p ?? 0, r.p_pruned ?? 0);
  // rows 1..ccEnd are cc events, ccEnd.. project events
  let ccEnd = 1;
  while (ccEnd < rows.length && rows[ccEnd][0] === '1') ccEnd++;

  const events: string[] = [];
  let more = false;
  let ccCursor: number | null = null;
  let cursor: number | null = null;
  if (req.ccCursor !== undefined) {
    const ccN = ccEnd - 1;
    const shown = Math.min(ccN, limit);
    for (let i = 1; i <= shown; i++) events.push(rows[i][2]);
    ccCursor = r.cc;
    // cc cursors are global (most are other projects'): more remain iff the page overflowed
    if (ccN > limit) { more = true; ccCursor = Number(rows[limit][1]); }
  }
  if (gid !== null) {
    const pN = rows.length - ccEnd;
    for (let i = ccEnd; i < rows.length; i++) events.push(rows[i][2]);
    // project cursors are dense (a rolled-back emit gives its numbers back): more remain iff the last is below the counter
    const current: number = r.p ?? 0;
    cursor = current;
    const last = rows[rows.length - 1];
    if (pN === limit && Number(last[1]) < current) { more = true; cursor = Number(last[1]); }
  }
  return { events, ccCursor, cursor, more };
}

/** The current cc cursor and, when given, the cursor of a project the caller is a member of. */
export async function feedCursors(db: Db, caller: FeedCaller, projectGid?: string): Promise<{ cc: number; cursor: number | null; prunedTo: { cc: number; cursor: number | null } }> {
  const projectId = projectGid !== undefined ? await memberProject(db, caller.userId, projectGid) : null;
  const { rows: [s] } = await db.query(
    `SELECT cc.cursor AS cc, cc.pruned_to AS cc_pruned, pc.cursor AS p, pc.pruned_to AS p_pruned
     FROM cc_cursor cc LEFT JOIN project_cursors pc ON pc.project_id = $1 WHERE cc.id = 1`, [projectId]);
  return {
    cc: s.cc,
    cursor: projectId === null ? null : (s.p ?? 0),
    prunedTo: { cc: s.cc_pruned, cursor: projectId === null ? null : (s.p_pruned ?? 0) },
  };
}

// ---- for the push side (socket.io): rows as objects ----

export interface FeedEvent {
  type: string;
  cursor: number;
  action: string;
  data_type: string;
  data_key: string;
  data?: unknown;
}

/** Project events after `after`, in cursor order (at most `limit`). */
export async function projectEventsAfter(db: Db, projectId: number, after: number, limit: number): Promise<FeedEvent[]> {
  const [r] = await run(db, feedProjectPage, { projectId, after, limit });
  return r.n === 0 ? [] : JSON.parse(`[${r.json}]`);
}

export interface CcRow { event: FeedEvent; projectId: number | null }

/** cc events after `after`, in cursor order (at most `limit`), with their project for routing. */
export async function ccEventsAfter(db: Db, after: number, limit: number): Promise<CcRow[]> {
  const { rows } = await db.query(
    'SELECT project_id, json FROM cc_changes WHERE cursor > $1 ORDER BY cursor LIMIT $2', [after, limit]);
  return rows.map((r) => ({ projectId: r.project_id, event: JSON.parse(r.json) }));
}

/** Whether a cc event (already read) is visible to a user, given the user's project ids (the rule of CC_VISIBLE). */
export function ccVisible(row: CcRow, userGid: string, projectIds: ReadonlySet<number>): boolean {
  if (row.projectId !== null && projectIds.has(row.projectId)) return true;
  if (row.event.data_type === 'cc.projects_members' && row.event.data_key.endsWith(`/${userGid}`)) return true;
  return row.projectId === null && row.event.data_key === userGid;
}

/** Current counters: cc, and the given projects'. */
export async function currentCounters(db: Db, projectIds: number[]): Promise<{ cc: number; projects: Map<number, number> }> {
  const { rows } = await db.query(
    `SELECT NULL::bigint AS project_id, cursor FROM cc_cursor WHERE id = 1
     UNION ALL SELECT project_id, cursor FROM project_cursors WHERE project_id = ANY($1::bigint[])`, [projectIds]);
  const projects = new Map<number, number>();
  let cc = 0;
  for (const r of rows) {
    if (r.project_id === null) cc = r.cursor;
    else projects.set(r.project_id, r.cursor);
  }
  return { cc, projects };
}
