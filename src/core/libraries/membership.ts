// THE membership operation: add many or remove many assets, one outcome per distinct id, one
// set-based statement per request (the ids are unnested with their ordinality, classified against
// assets/library_assets, and inserted or deleted in the same statement). Feed events
// ('libraries_assets', key '<library gid>/<asset gid>') come from the statement-level triggers of
// migration 002, in the same statement. See docs/libraries.md.
import type pg from 'pg';
import type { Db } from '../../db/pool.ts';
import { run } from '../../db/statement.ts';
import { can, effectiveAccess, type LibraryRole } from '../access.ts';
import { addMembers, removeMembers, type MembershipRow } from './membership-sql.ts';
import type { Actor } from '../keys.ts';
import { CoreError, invalid, notFound, tooLarge, type ErrorKind } from '../errors.ts';
import { normalizeId } from '../ids.ts';
import { loadLibrary, requireAccess, type LibraryInfo } from './access.ts';

export { membershipSql } from './membership-sql.ts';

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

/**
 * Concurrent requests over overlapping ids in different orders can deadlock (PostgreSQL then
 * aborts one of them). The statement is atomic (it is its own transaction: the use case runs it
 * on the pool) and re-classifies everything, so running it again is correct.
 */
async function withDeadlockRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt < 4 && (code === '40P01' || code === '40001')) continue;
      throw err;
    }
  }
}

/** The library json of the statement as a LibraryInfo for the caller; null when they hold no role on it. */
function libraryOf(actor: Actor, raw: Record<string, unknown> | null): LibraryInfo | null {
  if (!raw) return null;
  const access = effectiveAccess(actor, raw.role as LibraryRole | null);
  if (!access) return null;
  return {
    ...(raw as unknown as LibraryInfo), access,
    created: new Date(raw.created as string), modified: new Date(raw.modified as string),
    deletedOn: raw.deletedOn ? new Date(raw.deletedOn as string) : null,
  };
}

export interface MembershipOptions {
  /** a malformed id: a not_found outcome (default), or the whole request invalid, nothing looked up (Uplynk) */
  malformed?: 'outcome' | 'invalid';
  /** the request field the ids came in, named by errors (default 'ids') */
  field?: string;
}

/** A short preview of a client value for a message (never the whole of an unbounded input). */
function preview(x: string): string {
  const s = JSON.stringify(x.slice(0, 80));
  return s.length > 90 ? `${s.slice(0, 90)}...` : s;
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
  db: pg.Pool, actor: Actor, libraryGid: unknown, op: MembershipOp, rawIds: readonly unknown[], policy: MembershipPolicy,
  opts: MembershipOptions = {},
): Promise<MembershipResult> {
  const field = opts.field ?? 'ids';
  if (op !== 'add' && op !== 'remove') throw invalid('op must be add or remove', { field: 'op' });
  if (!(policy in FAILING)) throw invalid('unknown membership policy', { field: 'policy' });
  if (!Array.isArray(rawIds)) throw invalid('ids must be a list', { field });
  if (rawIds.length === 0) throw invalid('the list of asset ids is empty', { field });
  if (rawIds.length > 10 * MAX_MEMBERSHIP_IDS) {
    throw tooLarge(`at most ${MAX_MEMBERSHIP_IDS} asset ids per request`, { field, limit: MAX_MEMBERSHIP_IDS, count: rawIds.length });
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
    throw tooLarge(`at most ${MAX_MEMBERSHIP_IDS} distinct asset ids per request`, { field, limit: MAX_MEMBERSHIP_IDS, count: order.length });
  }
  if (opts.malformed === 'invalid' && valid.length < order.length) {
    const bad = order.filter((o) => !o.valid).map((o) => o.key);
    throw invalid(`malformed asset id${bad.length > 1 ? 's' : ''}: ${bad.slice(0, 5).map(preview).join(', ')}${bad.length > 5 ? ', ...' : ''}`,
      { field, malformed: bad.slice(0, 100).map((x) => x.slice(0, 80)), malformedCount: bad.length });
  }

  const action = op === 'add' ? 'adding assets to a library' : 'removing assets from a library';
  const libGid = normalizeId(libraryGid);
  const failing = FAILING[policy];
  const malformedFails = valid.length < order.length && failing.includes('not_found');

  let library: LibraryInfo | null;
  let rows: MembershipRow[] = [];
  if (valid.length === 0 || !libGid) {
    library = await loadLibrary(db, actor, libraryGid);
  } else {
    // one statement: it checks access itself, changes the members, and answers the library row
    rows = await withDeadlockRetry(() => run(db, op === 'add' ? addMembers : removeMembers, {
      libraryGid: libGid, ids: valid, projectId: actor.projectId, userId: actor.userId,
      failing, forceFail: malformedFails, writer: can(actor, 'library.write'),
    }));
    library = libraryOf(actor, rows[0].library);
    if (!library) throw notFound('library not found', { library: libraryGid });
  }
  if (!rows[0]?.lib_ok) {
    requireAccess(actor, library, 'library.members.write', action);
    if (rows.length) throw new CoreError('forbidden', `${action} is not allowed`, { library: library.gid });
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
