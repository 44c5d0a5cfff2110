// Unicat selections: a JSON list whose entries are gid strings, {children, exclude} and
// {search: {language, q, filter}, exclude}, mixed. parseSelection validates the shape only
// (no database); checkSelection (sql.ts) checks the children targets against the project.
import { createHash } from 'node:crypto';
import { selectionError } from '../errors.ts';
import { normalizeId } from '../ids.ts';
import { parseSearchSpec, SearchSpecError, FilterError, type SearchSpec } from '../search/search.ts';

export type SelectionEntry =
  | { kind: 'gid'; gid: string }
  | { kind: 'children'; parent: string; exclude: string[] }
  | { kind: 'search'; search: SearchSpec; exclude: string[] };

export interface Selection {
  entries: SelectionEntry[];
  /**
   * sha256 (hex) of the canonical selection: binds bulk/get cursors to the selection they page.
   * Computed on first use (a 100,000-entry selection is a 5 MB canonical text; jobs never need it).
   */
  readonly hash: string;
}

export const MAX_SELECTION_ENTRIES = 100_000;
/**
 * {search} entries are one SQL branch each (with their own terms and filter); gid and {children}
 * entries are bound as arrays whatever their number. The cap keeps the statement's size bounded.
 */
export const MAX_SELECTION_SEARCHES = 20;

function bad(index: number, reason: string, extra: Record<string, unknown> = {}): Error {
  return selectionError(`selection entry ${index}: ${reason}`, { index, reason, ...extra });
}

function parseExclude(raw: unknown, index: number): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw bad(index, 'exclude must be a list of gids', { field: 'exclude' });
  return raw.map((g, j) => {
    const id = normalizeId(g);
    if (!id) throw bad(index, `exclude[${j}] is not a gid`, { field: 'exclude', exclude_index: j, value: g });
    return id;
  });
}

/** Validates a selection; an ill-formed one throws selectionError (422/1006) naming the entry. */
export function parseSelection(raw: unknown): Selection {
  if (!Array.isArray(raw)) throw selectionError('selection must be a list', { reason: 'not a list' });
  if (raw.length > MAX_SELECTION_ENTRIES) {
    throw selectionError(`selection has more than ${MAX_SELECTION_ENTRIES} entries`, { reason: 'too many entries', limit: MAX_SELECTION_ENTRIES, entries: raw.length });
  }
  let searches = 0;
  const entries: SelectionEntry[] = raw.map((e, index): SelectionEntry => {
    if (typeof e === 'string') {
      const gid = normalizeId(e);
      if (!gid) throw bad(index, 'not a gid', { value: e });
      return { kind: 'gid', gid };
    }
    if (e === null || typeof e !== 'object' || Array.isArray(e)) {
      throw bad(index, 'an entry must be a gid string, {children, exclude} or {search, exclude}');
    }
    const o = e as Record<string, unknown>;
    const keys = Object.keys(o);
    const unknown = keys.filter((k) => !['children', 'search', 'exclude'].includes(k));
    if (unknown.length) throw bad(index, `unknown key "${unknown[0]}"`, { key: unknown[0] });
    if ('children' in o && 'search' in o) throw bad(index, 'an entry has either children or search, not both');
    if ('children' in o) {
      const parent = normalizeId(o.children);
      if (!parent) throw bad(index, 'children must be a gid', { field: 'children', value: o.children });
      return { kind: 'children', parent, exclude: parseExclude(o.exclude, index) };
    }
    if ('search' in o) {
      if (++searches > MAX_SELECTION_SEARCHES) {
        throw bad(index, `a selection has at most ${MAX_SELECTION_SEARCHES} search entries`, { reason: 'too many search entries', limit: MAX_SELECTION_SEARCHES });
      }
      const s = o.search;
      if (s === null || typeof s !== 'object' || Array.isArray(s)) throw bad(index, 'search must be an object {language, q, filter}', { field: 'search' });
      const sk = Object.keys(s).filter((k) => !['language', 'q', 'filter'].includes(k));
      if (sk.length) throw bad(index, `unknown key "search.${sk[0]}"`, { key: `search.${sk[0]}` });
      try {
        return { kind: 'search', search: parseSearchSpec(s as Record<string, unknown>), exclude: parseExclude(o.exclude, index) };
      } catch (err) {
        if (err instanceof SearchSpecError) throw bad(index, err.message, { ...err.info, field: `search.${String(err.info.field)}` });
        if (err instanceof FilterError) throw bad(index, err.message, { ...err.info, path: `search.${String(err.info.path)}` });
        throw err;
      }
    }
    throw bad(index, 'an object entry needs children or search');
  });
  let hash: string | undefined;
  return { entries, get hash() { return (hash ??= createHash('sha256').update(canonical(entries)).digest('hex')); } };
}

function canonical(entries: SelectionEntry[]): string {
  return JSON.stringify(entries.map((e) => {
    if (e.kind === 'gid') return e.gid;
    if (e.kind === 'children') return { c: e.parent, x: [...e.exclude].sort() };
    return { s: [e.search.config, e.search.q, e.search.filter], x: [...e.exclude].sort() };
  }));
}
