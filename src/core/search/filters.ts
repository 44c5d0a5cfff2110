// Unicat filters: triples [property, operator, operands], combined with
// ["and","",[...]], ["or","",[...]] and ["not","",f]. Parsed into a tree once (validation names
// the bad property/operator), then turned into a SQL condition over the assets row `a` (and the
// search row `s` for `name q`).
import { parseQ, QueryParseError, isEmptyQuery, type ParsedQuery } from './query.ts';
import type { Params } from './params.ts';

export type Filter =
  | { op: 'and' | 'or'; items: Filter[] }
  | { op: 'not'; item: Filter }
  | { op: 'type_is' | 'mime_is'; values: string[] }
  | { op: 'name_is'; value: string }
  | { op: 'name_q'; q: ParsedQuery }
  | { op: 'time'; column: 'updated_on' | 'created_on'; cmp: '<' | '>'; days: number }
  | { op: 'time_between'; column: 'updated_on' | 'created_on'; from: number; until: number }
  | { op: 'size'; cmp: '<' | '>'; value: number }
  | { op: 'size_between'; from: number; until: number }
  | { op: 'is_file'; value: boolean };

/** A filter that cannot be understood; `info` names the path, property and operator. */
export class FilterError extends Error {
  constructor(message: string, readonly info: Record<string, unknown>) { super(message); }
}

export const FILTER_PROPERTIES: Record<string, string[]> = {
  and: [''], or: [''], not: [''],
  type: ['is'],
  mime: ['is'],
  name: ['is', 'q'],
  updated_on: ['<', '>', 'between'],
  created_on: ['<', '>', 'between'],
  size: ['<', '>', 'between'],
  is_file: ['is_true', 'is_false'],
};

const MAX_DEPTH = 32;
const MAX_NODES = 1000;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Unix seconds PostgreSQL can hold as a timestamp (to_timestamp refuses far beyond year 3000). */
const isTs = (v: unknown): v is number => isNum(v) && Math.abs(v) <= 1e11;
/** A string operand PostgreSQL can take (no NUL) of a sane length. */
const isText = (v: unknown): v is string => typeof v === 'string' && v.length <= 1000 && !v.includes('\u0000');

function stringList(v: unknown): string[] | undefined {
  if (isText(v)) return [v];
  if (Array.isArray(v) && v.length > 0 && v.length <= 1000 && v.every(isText)) return v as string[];
  return undefined;
}

export function parseFilter(raw: unknown, path = 'filter'): Filter {
  const count = { n: 0 };
  return parseNode(raw, path, 0, count);
}

function parseNode(raw: unknown, path: string, depth: number, count: { n: number }): Filter {
  if (++count.n > MAX_NODES) throw new FilterError(`the filter has more than ${MAX_NODES} nodes`, { path });
  if (depth > MAX_DEPTH) throw new FilterError(`the filter nests deeper than ${MAX_DEPTH}`, { path });
  if (!Array.isArray(raw) || raw.length < 2 || raw.length > 3) {
    throw new FilterError('a filter must be a [property, operator, operands] triple', { path });
  }
  const [prop, operator, operand] = raw as [unknown, unknown, unknown];
  if (typeof prop !== 'string') throw new FilterError('a filter property must be a string', { path, property: prop });
  if (typeof operator !== 'string') throw new FilterError('a filter operator must be a string', { path, property: prop, operator });
  const ops = Object.hasOwn(FILTER_PROPERTIES, prop) ? FILTER_PROPERTIES[prop] : undefined;
  if (!ops) {
    throw new FilterError(`unknown filter property "${prop}"`, { path, property: prop, known: Object.keys(FILTER_PROPERTIES) });
  }
  if (!ops.includes(operator)) {
    throw new FilterError(`unknown operator "${operator}" for filter property "${prop}"`, { path, property: prop, operator, known: ops });
  }
  const bad = (expected: string) =>
    new FilterError(`bad operand for "${prop} ${operator}": expected ${expected}`, { path, property: prop, operator, operand });
  const needsOperand = !(prop === 'is_file');
  if (needsOperand && raw.length < 3) throw bad('an operand');

  switch (prop) {
    case 'and':
    case 'or': {
      if (!Array.isArray(operand)) throw bad('a list of filters');
      return { op: prop, items: operand.map((f, i) => parseNode(f, `${path}[2][${i}]`, depth + 1, count)) };
    }
    case 'not':
      return { op: 'not', item: parseNode(operand, `${path}[2]`, depth + 1, count) };
    case 'type':
    case 'mime': {
      const values = stringList(operand);
      if (!values) throw bad('a string or a list of strings');
      return { op: prop === 'type' ? 'type_is' : 'mime_is', values };
    }
    case 'name': {
      if (!isText(operand)) throw bad('a string (at most 1000 characters)');
      if (operator === 'is') return { op: 'name_is', value: operand };
      try {
        return { op: 'name_q', q: parseQ(operand) };
      } catch (e) {
        if (e instanceof QueryParseError) throw bad(`search terms (${e.message})`);
        throw e;
      }
    }
    case 'updated_on':
    case 'created_on': {
      if (operator === 'between') {
        if (!Array.isArray(operand) || operand.length !== 2 || !isTs(operand[0]) || !isTs(operand[1])) {
          throw bad('[from, until] in Unix seconds');
        }
        return { op: 'time_between', column: prop, from: operand[0], until: operand[1] };
      }
      if (!Array.isArray(operand) || operand.length !== 2 || !isNum(operand[0]) || operand[0] < 0 || operand[0] > 1e6 || operand[1] !== 'days') {
        throw bad('[n, "days"] with n >= 0 (only "days" is supported)');
      }
      return { op: 'time', column: prop, cmp: operator as '<' | '>', days: operand[0] };
    }
    case 'size': {
      if (operator === 'between') {
        if (!Array.isArray(operand) || operand.length !== 2 || !isNum(operand[0]) || !isNum(operand[1])) throw bad('[from, until] in bytes');
        return { op: 'size_between', from: operand[0], until: operand[1] };
      }
      if (!isNum(operand)) throw bad('a number of bytes');
      return { op: 'size', cmp: operator as '<' | '>', value: operand };
    }
    case 'is_file':
      if (raw.length === 3 && operand !== null && operand !== '' && !(Array.isArray(operand) && operand.length === 0)) {
        throw bad('no operand (or null)');
      }
      return { op: 'is_file', value: operator === 'is_true' };
  }
  throw new FilterError(`unknown filter property "${prop}"`, { path, property: prop });
}

/** `name is` can be pre-filtered through the index when the name has a word in it. */
const hasWord = (v: string) => /[\p{L}\p{N}]/u.test(v);

/** Whether the filter needs the search row `s` (`name q`, and `name is` for its index prefilter). */
export function filterNeedsSearchRow(f: Filter): boolean {
  switch (f.op) {
    case 'and': case 'or': return f.items.some(filterNeedsSearchRow);
    case 'not': return filterNeedsSearchRow(f.item);
    case 'name_q': return true;
    case 'name_is': return hasWord(f.value);
    default: return false;
  }
}

/** Whether the filter needs the assets row `a` (everything but `name q`). */
export function filterNeedsAssetRow(f: Filter): boolean {
  switch (f.op) {
    case 'and': case 'or': return f.items.some(filterNeedsAssetRow);
    case 'not': return filterNeedsAssetRow(f.item);
    case 'name_q': return false;
    default: return true;
  }
}

/**
 * A SQL boolean over `a` (assets) and `s` (asset_search). termQuery builds the tsquery of one
 * term (shared with the q search so that both stem the same way).
 */
export function filterSql(f: Filter, p: Params, termQuery: (term: string) => string): string {
  switch (f.op) {
    case 'and':
      return f.items.length ? `(${f.items.map((x) => filterSql(x, p, termQuery)).join(' AND ')})` : 'true';
    case 'or':
      return f.items.length ? `(${f.items.map((x) => filterSql(x, p, termQuery)).join(' OR ')})` : 'false';
    case 'not':
      // NOT over a NULL (e.g. a folder's size) must still be a boolean
      return `(NOT coalesce(${filterSql(f.item, p, termQuery)}, false))`;
    case 'type_is':
      // folders have no stored type; Unicat clients call them "folder"
      return `(coalesce(a.type, CASE WHEN a.is_file THEN NULL ELSE 'folder' END) = ANY(${p.add(f.values)}::text[]))`;
    case 'mime_is':
      return `(a.mime = ANY(${p.add(f.values)}::text[]))`;
    case 'name_is': {
      const v = p.add(f.value);
      // the name's words are in the index ('simple', weight A): a necessary condition the GIN
      // index can answer, so an exact-name filter does not scan every asset
      const pre = hasWord(f.value) ? `s.tsv @@ phraseto_tsquery('simple', ${v}) AND ` : '';
      return `(${pre}lower(a.name) = lower(${v}))`;
    }
    case 'name_q': {
      const m = matchQuery(f.q, termQuery);
      return m ? `(ts_filter(s.tsv, '{a}') @@ (${m}))` : 'false';
    }
    case 'time': {
      const cut = `now() - make_interval(secs => ${p.add(f.days)}::float8 * 86400)`;
      // "<": updated fewer than n days ago (after the cut); ">": more than n days ago
      return f.cmp === '<' ? `(a.${f.column} > ${cut})` : `(a.${f.column} < ${cut})`;
    }
    case 'time_between':
      return `(a.${f.column} BETWEEN to_timestamp(${p.add(f.from)}::float8) AND to_timestamp(${p.add(f.until)}::float8))`;
    case 'size':
      return `(a.size ${f.cmp} ${p.add(f.value)}::float8)`;
    case 'size_between':
      return `(a.size BETWEEN ${p.add(f.from)}::float8 AND ${p.add(f.until)}::float8)`;
    case 'is_file':
      return f.value ? '(a.is_file)' : '(NOT a.is_file)';
  }
}

/**
 * The tsquery an asset must match for q, or undefined when q has no terms:
 * all +required and none of -excluded; without required terms, at least one plain term.
 */
export function matchQuery(q: ParsedQuery, termQuery: (term: string) => string): string | undefined {
  if (isEmptyQuery(q)) return undefined;
  const parts: string[] = [];
  if (q.required.length) parts.push(q.required.map(termQuery).join(' && '));
  else if (q.optional.length) parts.push(`(${q.optional.map(termQuery).join(' || ')})`);
  for (const x of q.excluded) parts.push(`!!(${termQuery(x)})`);
  return parts.join(' && ');
}

/** The tsquery that ranks (required and plain terms), or undefined. */
export function rankQuery(q: ParsedQuery, termQuery: (term: string) => string): string | undefined {
  const pos = [...q.required, ...q.optional];
  return pos.length ? `(${pos.map(termQuery).join(' || ')})` : undefined;
}
