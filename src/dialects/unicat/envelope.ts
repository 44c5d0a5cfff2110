// Unicat's wire format: {success, result, data}; errors {success:false, result:{code,message,info}, data:{}}.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { CoreError, fromDatabaseError } from '../../core/errors.ts';
import { validationField } from '../../http/schema-kit.ts';

export const REALM = 'Bearer realm="JWT access to Unicat."';

export function ok(result: Record<string, unknown>, data: Record<string, unknown> = {}) {
  return { success: true, result, data };
}

export function fail(reply: FastifyReply, status: number, code: number, message: string, info: Record<string, unknown> = {}) {
  if (status === 401) reply.header('WWW-Authenticate', REALM);
  return reply.code(status).send({ success: false, result: { code, message, info }, data: {} });
}

/** An error in the envelope as text, for answers written outside a route (see src/http/dialect-errors.ts). */
export function unicatErrorText(status: number, message: string): { contentType: string; body: string } {
  return { contentType: 'application/json; charset=utf-8', body: JSON.stringify({ success: false, result: { code: status, message, info: {} }, data: {} }) };
}

const KIND: Record<CoreError['kind'], [status: number, code: number]> = {
  invalid: [400, 400],
  unauthenticated: [401, 401],
  forbidden: [403, 403],
  not_found: [422, 422],
  rule: [422, 422],
  conflict: [422, 422],
  too_large: [413, 413],
  selection: [422, 1006],
  rate_limited: [429, 429],
};

/** Installs Unicat's error and not-found handlers on a scope. */
export function installUnicatErrors(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError | CoreError, req, reply) => {
    const err = fromDatabaseError(raw) ?? raw;
    if (err instanceof CoreError) {
      const [status, code] = KIND[err.kind];
      return fail(reply, status, code, err.message, err.info);
    }
    const fe = err as FastifyError;
    if (fe.validation) return fail(reply, 400, 400, `bad request: ${fe.message}`, { field: validationField(fe), validation: fe.validation });
    if (fe.statusCode === 413 || fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fe.code === 'FST_REQ_FILE_TOO_LARGE') {
      return fail(reply, 413, 413, 'request body too large');
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return fail(reply, 400, 400, `bad request: ${fe.message}`, { reason: fe.code });
    }
    req.log.error({ err }, 'unexpected error');
    return fail(reply, 500, 500, 'internal server error');
  });
  app.setNotFoundHandler((_req, reply) => fail(reply, 404, 404, 'no such API call'));
}
