// Limits every request parser applies, whatever the dialect (docs/hardening.md): nesting depth of
// JSON and XML bodies. A body nested deeper is refused with 400 before it is parsed, so no later
// step (validation, JSON.stringify, an error message) can overflow the stack on client input.
import type { FastifyInstance } from 'fastify';
import { invalid } from '../core/errors.ts';

/** The deepest nesting of arrays/objects (JSON) or elements (XML) a request body may have. */
export const MAX_NESTING = 64;

/** Whether JSON text nests arrays/objects deeper than `max` (one pass, strings skipped). */
export function jsonTooDeep(text: string, max = MAX_NESTING): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) { if (++depth > max) return true; }
    else if (c === 93 || c === 125) depth--;
  }
  return false;
}

export const tooDeep = (what: string) =>
  invalid(`the ${what} body nests deeper than ${MAX_NESTING} levels`, { reason: 'too_deep', limit: MAX_NESTING });

/**
 * Replaces the scope's application/json parser with Fastify's own (prototype poisoning refused)
 * behind the nesting bound. `emptyAs`: what an empty body is (undefined: Fastify's 400).
 */
export function installBoundedJsonParser(app: FastifyInstance, opts: { emptyIsNoBody?: boolean } = {}): void {
  const json = app.getDefaultJsonParser('error', 'error');
  if (app.hasContentTypeParser('application/json')) app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, raw, done) => {
    const text = raw as string;
    if (opts.emptyIsNoBody && text.trim() === '') { done(null, undefined); return; }
    if (jsonTooDeep(text)) { done(tooDeep('JSON'), undefined); return; }
    json(req, text, done);
  });
}
