// Full-text search over assets (Unicat assets/search, and the {search} entries of selections).
//
// Storage (003_search.sql): one row per asset in `asset_search` with a weighted tsvector:
// A = name, B = titles, C = descriptions and text metadata. The vector holds the 'simple' lexemes
// (exact words, any language) merged with the stems of the stored stemming configurations
// (STORED_CONFIGS), so a query in one of those languages matches inflected forms. See docs/search.md.
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { defineStatement } from '../../db/statement.ts';
import { Params } from './params.ts';
import { parseQ, QueryParseError, isEmptyQuery, type ParsedQuery } from './query.ts';
import { parseFilter, filterSql, filterNeedsSearchRow, filterNeedsAssetRow, matchQuery, rankQuery, FilterError, type Filter } from './filters.ts';

/** Unicat language code -> PostgreSQL text search configuration. Anything else: 'simple'. */
export const LANGUAGE_CONFIGS: Record<string, string> = {
  en: 'english', nl: 'dutch', de: 'german', fr: 'french', es: 'spanish', it: 'italian',
  pt: 'portuguese', sv: 'swedish', da: 'danish', no: 'norwegian', nb: 'norwegian', nn: 'norwegian',
  fi: 'finnish', ru: 'russian', hu: 'hungarian', ro: 'romanian', tr: 'turkish', ca: 'catalan',
  el: 'greek', id: 'indonesian', ga: 'irish', lt: 'lithuanian', eu: 'basque', hy: 'armenian',
  ar: 'arabic', hi: 'hindi', ne: 'nepali', sr: 'serbian', ta: 'tamil', yi: 'yiddish',
};

/** The configurations whose stems are stored in asset_search.tsv (keep in step with 003_search.sql). */
export const STORED_CONFIGS = ['english', 'dutch', 'german', 'french', 'spanish', 'italian'];

export function languageConfig(language: string): string {
  const base = language.toLowerCase().split(/[-_]/)[0];
  return Object.hasOwn(LANGUAGE_CONFIGS, base) ? LANGUAGE_CONFIGS[base] : 'simple';
}

export interface SearchSpec {
  language: string;
  config: string;
  q: ParsedQuery;
  filter: Filter | null;
}

/** A search parameter that is missing or has the wrong type (`field` names it). */
export class SearchSpecError extends Error {
  constructor(message: string, readonly info: Record<string, unknown>) { super(message); }
}

/**
 * Validates {language, q, filter}. Throws SearchSpecError (language/q missing or mistyped) or
 * FilterError (filter); the caller maps them (assets/search: 400 / 1006; selections: 1006).
 */
export function parseSearchSpec(raw: { language?: unknown; q?: unknown; filter?: unknown }): SearchSpec {
  if (typeof raw.language !== 'string' || raw.language.trim() === '' || raw.language.length > 35) {
    throw new SearchSpecError('language is required (a language code such as "en")', { field: 'language' });
  }
  let q: ParsedQuery;
  try {
    q = parseQ(raw.q);
  } catch (e) {
    if (e instanceof QueryParseError) throw new SearchSpecError(e.message, { field: 'q' });
    throw e;
  }
  const filter = raw.filter === undefined || raw.filter === null ? null : parseFilter(raw.filter);
  return { language: raw.language, config: languageConfig(raw.language), q, filter };
}

export function isEmptySpec(spec: SearchSpec): boolean {
  return isEmptyQuery(spec.q) && spec.filter === null;
}

/** Builds the tsquery SQL of single terms, binding each term once. */
function termQueryBuilder(p: Params, config: string): (term: string) => string {
  let cfg: string | undefined;
  const seen = new Map<string, string>();
  return (term) => {
    let sql = seen.get(term);
    if (!sql) {
      cfg ??= `${p.add(config)}::regconfig`;
      const t = p.add(term);
      // the language's stems, or the exact word (any language)
      sql = `(phraseto_tsquery(${cfg}, ${t}) || phraseto_tsquery('simple', ${t}))`;
      seen.set(term, sql);
    }
    return sql;
  };
}

export interface SearchSql {
  /** JOIN clause for `s` (may be empty) */
  join: string;
  /** condition over `a` and `s` (without project and trash conditions) */
  where: string;
  /** rank expression (0 when q has no positive terms) */
  rank: string;
}

/** The SQL pieces of one search over `assets a`. An empty spec matches nothing. */
export function searchSql(spec: SearchSpec, p: Params, withRank = false): SearchSql {
  if (isEmptySpec(spec)) return { join: '', where: 'false', rank: '0' };
  const tq = termQueryBuilder(p, spec.config);
  const conds: string[] = [];
  const match = matchQuery(spec.q, tq);
  if (match) conds.push(`s.tsv @@ (${match})`);
  // no coalesce at the top: in WHERE a NULL is false anyway (NOT nodes coalesce themselves), and
  // a bare conjunction lets the planner use the index for its indexable parts
  if (spec.filter) conds.push(filterSql(spec.filter, p, tq));
  const rq = withRank ? rankQuery(spec.q, tq) : undefined;
  const needS = match !== undefined || (spec.filter !== null && filterNeedsSearchRow(spec.filter));
  return {
    join: needS ? 'JOIN asset_search s ON s.asset_id = a.id' : '',
    where: conds.join(' AND ') || 'true',
    rank: rq ? `ts_rank(s.tsv, ${rq})` : '0',
  };
}


/**
 * The two statements of one assets/search call: the ranked page and the total.
 * A search whose filter needs no assets column (q alone, or with `name q`) runs in asset_search
 * alone: project from the row, trashed assets removed by an anti-join on the trash index, the
 * assets row joined only for the page. Joining 1,000,000 assets rows to count a very common term
 * costs several times the scan itself. Other filters join assets.
 */
export function searchQueries(actor: Actor, spec: SearchSpec, top: number, size: number): { page: { sql: string; params: unknown[] }; count: { sql: string; params: unknown[] } } {
  const searchOnly = !isEmptyQuery(spec.q) && (spec.filter === null || !filterNeedsAssetRow(spec.filter));
  const limit = `LIMIT ${Math.trunc(size)} OFFSET ${Math.trunc(top)}`;
  const build = (withRank: boolean) => {
    const p = new Params(1);
    const project = p.add(actor.projectId);
    const s = searchSql(spec, p, withRank);
    const from = searchOnly
      ? `FROM asset_search s WHERE s.project_id = ${project} AND ${s.where}
         AND NOT EXISTS (SELECT 1 FROM assets t WHERE t.project_id = ${project} AND t.id = s.asset_id AND t.deleted_on IS NOT NULL)`
      : `FROM assets a ${s.join} WHERE a.project_id = ${project} AND a.deleted_on IS NULL AND ${s.where}`;
    return { from, rank: s.rank, params: p.values };
  };
  const pq = build(true);
  const cq = build(false);
  let page: string;
  if (searchOnly) {
    // rank and cut in asset_search (a bounded top-N sort of (id, rank)), then fetch the gids
    page = `SELECT x.asset_id AS id, a.gid::text AS gid
      FROM (SELECT s.asset_id, ${pq.rank} AS r ${pq.from} ORDER BY r DESC, s.asset_id ${limit}) x
      JOIN assets a ON a.id = x.asset_id ORDER BY x.r DESC, x.asset_id`;
  } else if (pq.rank === '0') {
    // without ranking terms: creation order (stable). `a.id + 0` keeps the planner from walking
    // the primary key in order and filtering, which for a rare match reads every asset
    page = `SELECT a.id, a.gid::text AS gid ${pq.from} ORDER BY a.id + 0 ${limit}`;
  } else {
    page = `SELECT x.id, x.gid FROM (SELECT a.id, a.gid::text AS gid, ${pq.rank} AS r ${pq.from} ORDER BY r DESC, a.id ${limit}) x ORDER BY x.r DESC, x.id`;
  }
  return { page: { sql: page, params: pq.params }, count: { sql: `SELECT count(*) AS n ${cq.from}`, params: cq.params } };
}

export interface SearchPage { ids: number[]; gids: string[]; total: number }

/** assets/search: ranked live assets of the project, page.top/page.size. */
export async function searchAssets(db: Db, actor: Actor, spec: SearchSpec, top: number, size: number): Promise<SearchPage> {
  if (isEmptySpec(spec)) return { ids: [], gids: [], total: 0 };
  const q = searchQueries(actor, spec, top, size);
  const [page, count] = await Promise.all([
    size > 0 ? db.query(q.page.sql, q.page.params) : Promise.resolve({ rows: [] as { id: number; gid: string }[] }),
    db.query(q.count.sql, q.count.params),
  ]);
  return { ids: page.rows.map((r) => Number(r.id)), gids: page.rows.map((r) => r.gid), total: Number(count.rows[0].n) };
}

export { FilterError, QueryParseError };

// The search statements as reviewed artifacts (src/db/queries/search-*.sql), for three shapes:
// q alone (asset_search only), q with a filter on assets columns, and a filter without ranking.
interface SearchStatementParams { projectId: number; spec: { language: string; q?: string; filter?: unknown }; top: number; size: number }
const render = (which: 'page' | 'count') => (p: SearchStatementParams) => {
  const q = searchQueries({ projectId: p.projectId } as Actor, parseSearchSpec(p.spec), p.top, p.size)[which];
  return { text: q.sql, values: q.params };
};
const SEARCH_SAMPLES: { label: string; params: SearchStatementParams }[] = [
  { label: 'q alone', params: { projectId: 1, spec: { language: 'en', q: 'harbour "at night" -fog' }, top: 0, size: 10 } },
  { label: 'q and a filter on assets columns', params: { projectId: 1, spec: { language: 'en', q: 'harbour', filter: ['type', 'is', 'image'] }, top: 20, size: 10 } },
  { label: 'a filter alone (no ranking: creation order)', params: { projectId: 1, spec: { language: 'en', filter: ['is_file', 'is_true'] }, top: 0, size: 100 } },
];
export const searchPage = defineStatement<SearchStatementParams, { id: number; gid: string }>({
  name: 'search-page', summary: 'one ranked page of assets/search', render: render('page'), samples: SEARCH_SAMPLES,
});
export const searchCount = defineStatement<SearchStatementParams, { n: number }>({
  name: 'search-count', summary: 'the total of assets/search', render: render('count'), samples: SEARCH_SAMPLES,
});
