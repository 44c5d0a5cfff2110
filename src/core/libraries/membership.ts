// THE membership operation: add many or remove many assets, one outcome per distinct id, one
// set-based statement per request (the ids are unnested with their ordinality, classified against
// assets/library_assets, and inserted or deleted in the same statement). Feed events
// ('libraries_assets', key '<library gid>/<asset gid>') come from the statement-level triggers of
// migration 002, in the same statement. See docs/libraries.md.
import pg from 'pg';
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { CoreError, invalid, tooLarge, type ErrorKind } from '../errors.ts';
import { normalizeId } from '../ids.ts';
import { loadLibrary, requireAccess, type LibraryInfo } from './access.ts';

export type MembershipOp = 'add' | 'remove';

export type Outcome =
  | 'added'          // add: the asset is now a member
  | 'already_member' // add: it was a member already (nothing changed)
  | 'removed'        // remove: the asset is no longer a member
  | 'not_member'     // remove: it was not a member (nothing changed)
  | 'not_found'      // no such asset visible to the caller (also a malformed id)
  | 'no_permission'  // the asset is in another project of the caller: not allowed in this library
  | 'deleted_asset'  // add: the asset is in the trash
  | 'not_a_file';    // a folder: only files can be members

/**
 * strict:     anything but added/removed fails the whole request (Oracle without skip flags)
 * idempotent: already_member/not_member are fine too; not_found etc. fail (Uplynk)
 * per_item:   nothing fails; every id gets its outcome (Oracle's skipDuplicate / skipIfNotInCollection)
 */
export type MembershipPolicy = 'strict' | 'idempotent' | 'per_item';
export const POLICY_STRICT: MembershipPolicy = 'strict';
export const POLICY_IDEMPOTENT: MembershipPolicy = 'idempotent';
export const POLICY_PER_ITEM: MembershipPolicy = 'per_item';

export const MAX_MEMBERSHIP_IDS = 10_000;

const FAILING: Record<MembershipPolicy, Outcome[]> = {
  strict: ['already_member', 'not_member', 'not_found', 'no_permission', 'deleted_asset', 'not_a_file'],
  idempotent: ['not_found', 'no_permission', 'deleted_asset', 'not_a_file'],
  per_item: [],
};

/** The outcomes that make a request fail under a policy. */
export function failingOutcomes(policy: MembershipPolicy): readonly Outcome[] {
  return FAILING[policy];
}

/** The CoreError kind a failing outcome raises (the first failing id decides). */
export const OUTCOME_KIND: Record<Exclude<Outcome, 'added' | 'removed'>, ErrorKind> = {
  already_member: 'conflict',
  not_member: 'conflict',
  not_found: 'not_found',
  no_permission: 'forbidden',
  deleted_asset: 'rule',
  not_a_file: 'rule',
};

export interface ItemOutcome {
  /** the id as given when malformed, else its canonical (dashed, lowercase) form */
  id: string;
  outcome: Outcome;
  /** when it happened: the add/remove time, or added_on for already_member */
  at: Date;
}

export interface MembershipResult {
  outcomes: ItemOutcome[];
  /** number of rows actually added or removed */
  changed: number;
  /** the library before the change (memberCount not included) */
  library: LibraryInfo;
}

/** Info of the CoreError thrown when a request fails (the request then changed nothing). */
export interface MembershipFailureInfo {
  library: string;
  op: MembershipOp;
  /** the first failing id (input order) and its outcome */
  id: string;
  outcome: Outcome;
  /** failing ids in input order, at most 100 */
  failed: { id: string; outcome: Outcome }[];
  failedCount: number;
  [k: string]: unknown;
}

// The parts both statements share: the library when the caller may change its members (the same
// rule as requireAccess), the distinct input ids with their order, the joins that classify each id,
// and the gate that lets the write through only when no outcome fails the policy.
const LIB_AND_INPUT = `
  lib AS (
    SELECT l.id FROM libraries l LEFT JOIN library_shares s ON s.library_id = l.id AND s.user_id = $4
    WHERE l.gid = $1::uuid AND l.project_id = $3 AND l.deleted_on IS NULL AND $7::boolean
      AND (l.owner_id = $4 OR s.role IN ('contributor', 'manager'))),
  inp AS (SELECT u.g, u.o FROM unnest($2::uuid[]) WITH ORDINALITY AS u(g, o))`;
const NOT_IN_PROJECT = `
      CASE WHEN a.id IS NULL THEN 'not_found'
           WHEN a.project_id <> $3 THEN CASE WHEN m.user_id IS NULL THEN 'not_found' ELSE 'no_permission' END
           WHEN NOT a.is_file THEN 'not_a_file'`;
// Every table is probed from the input (LATERAL ... OFFSET 0: the subquery is not flattened, so
// the plan is a nested loop over the ids with an index probe per id), never the reverse: a plan
// that scans a table and looks each row up in the input goes quadratic when the statistics say
// the table is empty (ANALYZE of an emptied library_assets: 54 s for 10,000 ids). docs/perf-plans.md
const CLASSIFY_FROM = `
    FROM inp
    LEFT JOIN LATERAL (SELECT a.id, a.project_id, a.is_file, a.deleted_on FROM assets a WHERE a.gid = inp.g OFFSET 0) a ON true
    LEFT JOIN LATERAL (SELECT m.user_id FROM memberships m
                       WHERE a.project_id <> $3 AND m.project_id = a.project_id AND m.user_id = $4 OFFSET 0) m ON true
    LEFT JOIN LATERAL (SELECT la.asset_id, la.added_on FROM library_assets la
                       WHERE la.library_id = (SELECT id FROM lib) AND la.asset_id = a.id OFFSET 0) la ON true`;
const GATE = `
  gate AS (SELECT EXISTS (SELECT 1 FROM lib) AS lib_ok,
                  EXISTS (SELECT 1 FROM lib) AND NOT $6::boolean AND NOT EXISTS (SELECT 1 FROM c WHERE c.outcome = ANY($5::text[])) AS ok)`;

const ADD_SQL = `
  WITH ${LIB_AND_INPUT},
  c AS (
    SELECT inp.o, inp.g, a.id AS asset_id, la.added_on,${NOT_IN_PROJECT}
           WHEN la.asset_id IS NOT NULL THEN 'already_member'
           WHEN a.deleted_on IS NOT NULL THEN 'deleted_asset'
           ELSE 'added' END AS outcome${CLASSIFY_FROM}),${GATE},
  ch AS (
    INSERT INTO library_assets(library_id, asset_id, asset_gid, project_id, added_by)
    SELECT lib.id, c.asset_id, c.g, $3, $4 FROM c, gate, lib WHERE gate.ok AND c.outcome = 'added'
    ORDER BY c.asset_id -- one lock order for concurrent requests
    ON CONFLICT (library_id, asset_id) DO NOTHING
    RETURNING asset_id)
  SELECT c.g::text AS id,
         CASE WHEN c.outcome = 'added' AND gate.ok AND ch.asset_id IS NULL THEN 'already_member' ELSE c.outcome END AS outcome,
         coalesce(c.added_on, now()) AS at, gate.ok AS applied, gate.lib_ok, (ch.asset_id IS NOT NULL) AS changed
  FROM c CROSS JOIN gate LEFT JOIN ch ON ch.asset_id = c.asset_id
  ORDER BY c.o`;

const REMOVE_SQL = `
  WITH ${LIB_AND_INPUT},
  c AS (
    SELECT inp.o, inp.g, a.id AS asset_id,${NOT_IN_PROJECT}
           WHEN la.asset_id IS NULL THEN 'not_member'
           ELSE 'removed' END AS outcome${CLASSIFY_FROM}),${GATE},
  lk AS ( -- lock the rows in one order (concurrent requests), probing the index from the ids
    SELECT x.asset_id
    FROM (SELECT c.asset_id FROM c, gate WHERE gate.ok AND c.outcome = 'removed' ORDER BY c.asset_id) r
    CROSS JOIN LATERAL (SELECT la.asset_id FROM library_assets la
                        WHERE la.library_id = (SELECT id FROM lib) AND la.asset_id = r.asset_id FOR UPDATE) x),
  ch AS ( -- one index scan of the primary key for the locked ids
    DELETE FROM library_assets la
    WHERE la.library_id = (SELECT id FROM lib) AND la.asset_id = ANY (ARRAY(SELECT asset_id FROM lk))
    RETURNING la.asset_id)
  SELECT c.g::text AS id,
         CASE WHEN c.outcome = 'removed' AND gate.ok AND ch.asset_id IS NULL THEN 'not_member' ELSE c.outcome END AS outcome,
         now() AS at, gate.ok AS applied, gate.lib_ok, (ch.asset_id IS NOT NULL) AS changed
  FROM c CROSS JOIN gate LEFT JOIN ch ON ch.asset_id = c.asset_id
  ORDER BY c.o`;

/**
 * Concurrent requests over overlapping ids in different orders can deadlock (PostgreSQL then
 * aborts one of them). The statement is atomic and re-classifies everything, so running it again
 * is correct. Only when not inside a caller's transaction (a Pool), else the caller's tx is gone.
 */
async function withDeadlockRetry<T>(fn: () => Promise<T>, db?: Db): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt < 4 && (code === '40P01' || code === '40001') && (db === undefined || db instanceof pg.Pool)) continue;
      throw err;
    }
  }
}

/** The SQL of one membership statement (exported for the bench's floor). Params: $1 library gid,
 *  $2 uuid[] distinct ids, $3 project id, $4 user id, $5 failing outcomes text[], $6 force-fail,
 *  $7 the caller may write in the project. It checks the caller's access itself (writes nothing
 *  when the library is not theirs to change: lib_ok false), so that it can run beside loadLibrary. */
export function membershipSql(op: MembershipOp): string {
  return op === 'add' ? ADD_SQL : REMOVE_SQL;
}

/**
 * Adds or removes assets. Ids are given raw (dashed or 32-hex uuid strings); duplicates give one
 * outcome per distinct id in first-seen order; a malformed id is a not_found outcome carrying the
 * id as given. Throws: invalid (empty list, not an array, unknown op or policy), too_large
 * (> 10,000 distinct ids), not_found (library), forbidden (caller below contributor), and, when
 * the policy fails the request, the kind of the first failing outcome (OUTCOME_KIND) with
 * MembershipFailureInfo; a failed request changes nothing.
 */
export async function changeMembership(
  db: Db, actor: Actor, libraryGid: unknown, op: MembershipOp, rawIds: readonly unknown[], policy: MembershipPolicy,
): Promise<MembershipResult> {
  if (op !== 'add' && op !== 'remove') throw invalid('op must be add or remove', { field: 'op' });
  if (!(policy in FAILING)) throw invalid('unknown membership policy', { field: 'policy' });
  if (!Array.isArray(rawIds)) throw invalid('ids must be a list', { field: 'ids' });
  if (rawIds.length === 0) throw invalid('the list of asset ids is empty', { field: 'ids' });
  if (rawIds.length > 10 * MAX_MEMBERSHIP_IDS) {
    throw tooLarge(`at most ${MAX_MEMBERSHIP_IDS} asset ids per request`, { field: 'ids', limit: MAX_MEMBERSHIP_IDS, count: rawIds.length });
  }
  // distinct ids in first-seen order; malformed ones keep their raw text
  const order: { key: string; valid: boolean }[] = [];
  const seen = new Set<string>();
  const valid: string[] = [];
  for (const raw of rawIds) {
    const id = normalizeId(raw);
    const key = id ?? (typeof raw === 'string' ? raw : JSON.stringify(raw) ?? String(raw));
    const k = id ? key : `\u0000${key}`; // a malformed string never equals a canonical id
    if (seen.has(k)) continue;
    seen.add(k);
    order.push({ key, valid: Boolean(id) });
    if (id) valid.push(id);
  }
  if (order.length > MAX_MEMBERSHIP_IDS) {
    throw tooLarge(`at most ${MAX_MEMBERSHIP_IDS} distinct asset ids per request`, { field: 'ids', limit: MAX_MEMBERSHIP_IDS, count: order.length });
  }

  const action = op === 'add' ? 'adding assets to a library' : 'removing assets from a library';
  const checked = async () => {
    const lib = await loadLibrary(db, actor, libraryGid);
    requireAccess(lib, 'contributor', action);
    return lib;
  };
  const libGid = normalizeId(libraryGid);
  const failing = FAILING[policy];
  const malformedFails = valid.length < order.length && failing.includes('not_found');
  const statement = () => withDeadlockRetry(() => db.query(membershipSql(op),
    [libGid, valid, actor.projectId, actor.userId, failing, malformedFails, actor.role !== 'viewer']), db);

  let library: LibraryInfo;
  let rows: { id: string; outcome: Outcome; at: Date; applied: boolean; lib_ok: boolean; changed: boolean }[] = [];
  if (valid.length === 0 || !libGid) {
    library = await checked();
  } else if (db instanceof pg.Pool) {
    // the library lookup (for the response and the error kind) and the statement (which checks
    // access itself) run side by side on two connections: one round trip instead of two
    const [l, st] = await Promise.allSettled([checked(), statement()]);
    if (st.status === 'rejected') throw l.status === 'rejected' ? l.reason : st.reason;
    rows = st.value.rows;
    if (!rows[0].lib_ok) {
      if (l.status === 'rejected') throw l.reason;
      // access changed between the two (a share given a moment ago): once more, in sequence
      library = l.value;
      rows = (await statement()).rows;
      if (!rows[0].lib_ok) throw new CoreError('forbidden', `${action} is not allowed`, { library: library.gid });
    } else {
      library = l.status === 'fulfilled' ? l.value : await loadLibrary(db, actor, libraryGid);
    }
  } else {
    library = await checked();
    rows = (await statement()).rows;
    if (!rows[0].lib_ok) throw new CoreError('forbidden', `${action} is not allowed`, { library: library.gid });
  }
  const byId = new Map<string, { outcome: Outcome; at: Date; changed: boolean }>();
  for (const r of rows) byId.set(r.id, { outcome: r.outcome, at: r.at, changed: r.changed });
  const applied = rows.length > 0 ? rows[0].applied : !malformedFails;
  const now = new Date();
  const outcomes: ItemOutcome[] = [];
  let changed = 0;
  for (const o of order) {
    const r = o.valid ? byId.get(o.key) : undefined;
    if (r) {
      outcomes.push({ id: o.key, outcome: r.outcome, at: r.at });
      if (r.changed) changed++;
    } else {
      outcomes.push({ id: o.key, outcome: 'not_found', at: now });
    }
  }
  if (!applied) {
    const failed = outcomes.filter((x) => failing.includes(x.outcome));
    const first = failed[0];
    const kind = OUTCOME_KIND[first.outcome as keyof typeof OUTCOME_KIND];
    const info: MembershipFailureInfo = {
      library: library.gid, op, id: first.id, outcome: first.outcome,
      failed: failed.slice(0, 100).map(({ id, outcome }) => ({ id, outcome })), failedCount: failed.length,
    };
    throw new CoreError(kind, `${op === 'add' ? 'cannot add' : 'cannot remove'} asset ${first.id}: ${first.outcome.replace(/_/g, ' ')}` +
      (failed.length > 1 ? ` (and ${failed.length - 1} more)` : ''), info);
  }
  return { outcomes, changed, library };
}

export interface MemberAsset {
  gid: string;
  name: string;
  pathname: string;
  isFile: boolean;
  type: string | null;
  mime: string | null;
  size: number | null;
  createdOn: Date;
  updatedOn: Date;
  addedOn: Date;
  addedBy: string | null;
}

/**
 * The live members of a library (assets in the trash are hidden until restored), in the order
 * they were added; total counts all live members. Anyone with access may list.
 */
export async function listMembers(db: Db, actor: Actor, libraryGid: unknown, opts: { offset?: number; limit?: number } = {}): Promise<{ items: MemberAsset[]; total: number; library: LibraryInfo }> {
  const offset = opts.offset ?? 0;
  const limit = opts.limit ?? 50;
  if (!Number.isInteger(offset) || offset < 0) throw invalid('offset must be a non-negative integer', { field: 'offset' });
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('limit must be an integer from 1 to 1000', { field: 'limit' });
  const library = await loadLibrary(db, actor, libraryGid);
  const { rows } = await db.query(
    `WITH m AS (
       SELECT la.asset_id, la.added_on, la.added_by FROM library_assets la JOIN assets a ON a.id = la.asset_id
       WHERE la.library_id = $1 AND a.deleted_on IS NULL),
     t AS (SELECT count(*)::int AS total FROM m)
     SELECT t.total, page.* FROM t LEFT JOIN LATERAL (
       SELECT a.gid::text AS gid, a.name, a.pathname, a.is_file AS "isFile", a.type, a.mime, a.size,
              a.created_on AS "createdOn", a.updated_on AS "updatedOn", m.added_on AS "addedOn", u.gid::text AS "addedBy"
       FROM m JOIN assets a ON a.id = m.asset_id LEFT JOIN users u ON u.id = m.added_by
       ORDER BY m.added_on, m.asset_id OFFSET $2 LIMIT $3) page ON true`, [library.id, offset, limit]);
  const total = rows[0].total;
  const items = rows.filter((r) => r.gid !== null).map(({ total: _t, ...r }) => r as MemberAsset);
  return { items, total, library };
}
