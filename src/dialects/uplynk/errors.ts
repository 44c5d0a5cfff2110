// Uplynk v4 error bodies (the vendor documents none for v4; ours, see docs/dialects/uplynk.md):
//   {"@type": "Error", "error": {"status": 404, "code": "not_found", "message": "...", "details": {...}}}
// Statuses: 400 bad input, 401 credentials, 403 not allowed, 404 not found / not visible,
// 413 too large. A failed membership request names the failing ids in details.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { CoreError, fromDatabaseError } from '../../core/errors.ts';
import { validationField } from '../../http/schema-kit.ts';

export const WWW_AUTHENTICATE = 'msg-sig realm="Uplynk API v4"';

export function sendError(reply: FastifyReply, status: number, code: string, message: string, details: Record<string, unknown> = {}) {
  if (status === 401) reply.header('WWW-Authenticate', WWW_AUTHENTICATE);
  return reply.code(status).type('application/json; charset=utf-8')
    .send({ '@type': 'Error', error: { status, code, message, details } });
}

/** An error body as text, for answers written outside a route (see src/http/dialect-errors.ts). */
export function uplynkErrorText(status: number, code: string, message: string): { contentType: string; body: string } {
  return { contentType: 'application/json; charset=utf-8', body: JSON.stringify({ '@type': 'Error', error: { status, code, message, details: {} } }) };
}

const KIND: Record<CoreError['kind'], number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  rule: 400,
  conflict: 400,
  too_large: 413,
  selection: 400,
  rate_limited: 429,
};

export function installUplynkErrors(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError | CoreError, req, reply) => {
    const err = fromDatabaseError(raw) ?? raw;
    if (err instanceof CoreError) {
      const outcome = typeof err.info.outcome === 'string' ? err.info.outcome : undefined;
      return sendError(reply, KIND[err.kind], outcome ?? err.kind, err.message, err.info);
    }
    const fe = err as FastifyError;
    if (fe.validation) return sendError(reply, 400, 'invalid', `bad request: ${fe.message}`, { field: validationField(fe), validation: fe.validation });
    if (fe.statusCode === 413 || fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, 413, 'too_large', 'request body too large');
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendError(reply, 400, 'unsupported_media_type', 'the body must be application/json');
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return sendError(reply, 400, 'invalid', `bad request: ${fe.message}`, { reason: fe.code });
    }
    req.log.error({ err }, 'unexpected error');
    return sendError(reply, 500, 'internal', 'internal server error');
  });
  app.setNotFoundHandler((_req, reply) => sendError(reply, 404, 'no_route', 'no such API call'));
}
