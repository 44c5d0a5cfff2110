// Small TypeBox helpers shared by the dialects' schema modules (src/dialects/*/schemas.ts), and the
// field a Fastify validation error is about (each dialect's error handler names it in its shape).
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyError } from 'fastify';

/** A body that may be absent (an empty body reaches validation as null). */
export const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);

/** A route's responses: its successes, then the dialect's error shape for every error status. */
export function responses(success: Record<number, unknown>, error: TSchema, statuses: number[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...success };
  for (const s of statuses) out[s] = { ...error, description: ERROR_TEXT[s] ?? 'error' };
  return out;
}

const ERROR_TEXT: Record<number, string> = {
  400: 'bad input', 401: 'missing or bad credentials', 403: 'not allowed', 404: 'not found or not visible',
  413: 'too large', 415: 'unsupported media type', 422: 'refused by a rule, or not found (Unicat)', 429: 'too many failed authentications',
  500: 'internal error',
};

/** An empty answer (204). */
export const NoContent = { description: 'done (no body)', type: 'null' };

/** Binary content (a download, in the file's own media type). */
export function binary(description: string) {
  return { description, content: { '*/*': { schema: { type: 'string', description: 'the file\'s bytes, with its media type' } } } };
}

/** The answers of a download (src/http/send-blob.ts): the bytes, a range, not modified, range not satisfiable. */
export const DOWNLOAD = {
  200: binary('the bytes'), 206: binary('a range of the bytes (Range requests)'),
  304: { description: 'not modified (If-None-Match)', type: 'null' },
  416: { description: 'range not satisfiable', content: { 'text/plain': { schema: { type: 'string' } } } },
};

/** The field a validation error names: a missing or unknown property, else the last path segment. */
export function validationField(fe: FastifyError): string | undefined {
  const first = fe.validation?.[0] as { instancePath?: string; params?: Record<string, unknown> } | undefined;
  if (!first) return undefined;
  const p = first.params ?? {};
  const named = p.missingProperty ?? p.additionalProperty;
  if (typeof named === 'string') return named;
  const segs = (first.instancePath ?? '').split('/').filter(Boolean);
  const last = segs.find((s) => !/^\d+$/.test(s)) ?? segs[0];
  return last?.replace(/~1/g, '/').replace(/~0/g, '~') ?? fe.validationContext;
}
