// Parsing of a Unicat search `q`: `+required`, `-excluded`, plain ranking terms and "quoted phrases".
// The terms stay text: they reach SQL as bound parameters and become tsqueries there
// (phraseto_tsquery), so no client text is ever parsed as tsquery syntax.

export interface ParsedQuery {
  required: string[];
  excluded: string[];
  optional: string[];
}

export const MAX_Q_LENGTH = 2000;
export const MAX_Q_TERMS = 64;

/** Thrown by parseQ with a reason; callers turn it into their own error kind. */
export class QueryParseError extends Error {}

const TOKEN = /([+-]?)(?:"([^"]*)"?|(\S+))/g;

export function parseQ(raw: unknown): ParsedQuery {
  const out: ParsedQuery = { required: [], excluded: [], optional: [] };
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== 'string') throw new QueryParseError('q must be a string');
  if (raw.length > MAX_Q_LENGTH) throw new QueryParseError(`q is longer than ${MAX_Q_LENGTH} characters`);
  if (raw.includes('\u0000')) throw new QueryParseError('q must not contain NUL characters');
  for (const m of raw.matchAll(TOKEN)) {
    const sign = m[1];
    const term = (m[2] ?? m[3] ?? '').trim();
    // a lone "+" or "-" (or an empty phrase) says nothing
    if (!term || /^[+-]+$/.test(term)) continue;
    if (sign === '+') out.required.push(term);
    else if (sign === '-') out.excluded.push(term);
    else out.optional.push(term);
  }
  if (out.required.length + out.excluded.length + out.optional.length > MAX_Q_TERMS) {
    throw new QueryParseError(`q has more than ${MAX_Q_TERMS} terms`);
  }
  return out;
}

export function isEmptyQuery(q: ParsedQuery): boolean {
  return q.required.length + q.excluded.length + q.optional.length === 0;
}
