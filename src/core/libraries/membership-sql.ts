// The membership statements (add, remove): one set-based statement per request. The ids are
// unnested with their ordinality, classified against assets/library_assets, and inserted or deleted
// in the same statement, gated by the caller's library.members.write (src/core/access.ts) and the
// policy; it answers the library row itself. Feed events ('libraries_assets') come from the
// statement triggers of migration 002. Rendered samples: src/db/queries/library-membership-*.sql.
import { defineStatement } from '../../db/statement.ts';
import { libraryGrantSql } from '../access.ts';
import { librarySelect, libraryJoins } from './access.ts';
import type { MembershipOp, Outcome } from './membership.ts';

// The parts both statements share: the live library of the project as the caller sees it (libv:
// the row the use case answers with), the library again when the caller holds
// library.members.write (lib: the rule of src/core/access.ts), the distinct input ids with their
// order, the joins that classify each id, and the gate that lets the write through only when no
// outcome fails the policy.
const LIB_AND_INPUT = `
  libv AS (
    SELECT ${librarySelect(false, '$4')}
    FROM libraries l ${libraryJoins('$4')}
    WHERE l.gid = $1::uuid AND l.project_id = $3 AND l.deleted_on IS NULL),
  lib AS (SELECT v.id FROM libv v WHERE ${libraryGrantSql('library.members.write', 'v.role', '$7')}),
  inp AS (SELECT u.g, u.o FROM unnest($2::uuid[]) WITH ORDINALITY AS u(g, o))`;
// the library row rides on the first output row only
const LIBRARY_COLUMN = `CASE WHEN c.o = 1 THEN (SELECT row_to_json(v) FROM libv v) END AS library`;
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
         coalesce(c.added_on, now()) AS at, gate.ok AS applied, gate.lib_ok, (ch.asset_id IS NOT NULL) AS changed,
         ${LIBRARY_COLUMN}
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
         now() AS at, gate.ok AS applied, gate.lib_ok, (ch.asset_id IS NOT NULL) AS changed,
         ${LIBRARY_COLUMN}
  FROM c CROSS JOIN gate LEFT JOIN ch ON ch.asset_id = c.asset_id
  ORDER BY c.o`;


export interface MembershipParams {
  libraryGid: string;
  /** distinct canonical ids, in first-seen order */
  ids: string[];
  projectId: number;
  userId: number;
  /** outcomes that fail the request (the policy) */
  failing: readonly Outcome[];
  /** fail whatever the outcomes (a malformed id under a policy that fails not_found) */
  forceFail: boolean;
  /** can(actor, 'library.write') */
  writer: boolean;
}

export interface MembershipRow {
  id: string;
  outcome: Outcome;
  at: Date;
  applied: boolean;
  lib_ok: boolean;
  changed: boolean;
  /** the library as the caller sees it (json), on the first row only; null there when it is not a live library of the project */
  library: Record<string, unknown> | null;
}

/** The SQL of one membership statement (also the benches' floor). Params: $1 library gid, $2 uuid[]
 *  distinct ids, $3 project id, $4 user id, $5 failing outcomes text[], $6 force-fail, $7 writer. */
export function membershipSql(op: MembershipOp): string {
  return op === 'add' ? ADD_SQL : REMOVE_SQL;
}

const values = (p: MembershipParams) => [p.libraryGid, p.ids, p.projectId, p.userId, p.failing, p.forceFail, p.writer];
const SAMPLE: MembershipParams = {
  libraryGid: '6f1c2a8e-0000-4000-8000-000000000001', ids: ['6f1c2a8e-0000-4000-8000-00000000000a', '6f1c2a8e-0000-4000-8000-00000000000b'],
  projectId: 1, userId: 2, failing: ['not_found', 'no_permission', 'deleted_asset', 'not_a_file'], forceFail: false, writer: true,
};

/**
 * Up to this many ids the statement is prepared (named, planned once per connection: planning
 * it cost more than running it for one id); larger sets are planned for their size each time.
 */
const PREPARED_MAX = 100;

export const addMembers = defineStatement<MembershipParams, MembershipRow>({
  name: 'library-membership-add',
  summary: 'add many assets to a library: classify, gate, insert, answer per id (and the library)',
  render: (p) => ({ text: ADD_SQL, values: values(p) }),
  prepare: (p) => p.ids.length <= PREPARED_MAX,
  samples: [{ label: 'two ids, idempotent policy (Uplynk)', params: SAMPLE }],
});

export const removeMembers = defineStatement<MembershipParams, MembershipRow>({
  name: 'library-membership-remove',
  summary: 'remove many assets from a library: classify, gate, lock in order, delete, answer per id (and the library)',
  render: (p) => ({ text: REMOVE_SQL, values: values(p) }),
  prepare: (p) => p.ids.length <= PREPARED_MAX,
  samples: [{ label: 'two ids, strict policy (Oracle without skip flags)', params: { ...SAMPLE, failing: ['already_member', 'not_member', 'not_found', 'no_permission', 'deleted_asset', 'not_a_file'] } }],
});
