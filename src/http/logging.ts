// Log lines never carry credentials: request URLs are logged with the values of credential query
// parameters (Uplynk's msg and sig, api keys, tokens) replaced, and headers or bodies that hold
// credentials (Authorization, Cookie, api_key) are censored wherever a log line includes them.
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Query parameters whose values are credentials (case-insensitive). */
const SECRET_PARAMS = new Set(['msg', 'sig', 'api_key', 'apikey', 'key', 'token', 'access_token', 'jwt', 'password', 'secret']);
export const REDACTED = '[redacted]';

/** The URL with the values of credential query parameters replaced by [redacted]. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const parts = url.slice(q + 1).split('&').map((p) => {
    const eq = p.indexOf('=');
    const rawName = eq < 0 ? p : p.slice(0, eq);
    let name = rawName;
    try { name = decodeURIComponent(rawName.replace(/\+/g, ' ')); } catch { /* keep it raw */ }
    return SECRET_PARAMS.has(name.trim().toLowerCase()) ? `${rawName}=${REDACTED}` : p;
  });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

/** Paths pino censors in every log object (headers and bodies, should a line ever include them). */
const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]',
  'headers.authorization', 'headers.cookie', 'res.headers.authorization', 'res.headers["set-cookie"]',
  'body.api_key', 'req.body.api_key', 'api_key', 'apiKey', 'password', 'secret', 'jwt',
];

/** The request as logged: method, URL (credentials redacted), host, client address. */
function req(r: FastifyRequest) {
  return { method: r.method, url: redactUrl(r.url), host: r.host, remoteAddress: r.ip, remotePort: r.socket?.remotePort };
}

/** Fastify logger options: the level, the redactions, and (tests) a destination stream. */
export function loggerOptions(level: string, stream?: NodeJS.WritableStream) {
  return {
    level,
    serializers: { req },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    ...(stream ? { stream } : {}),
  };
}

/**
 * Adds the route, and the user and project of an authenticated request, to the request's
 * completion line ("request completed", logged by Fastify with reply.log once the response is
 * sent): bound in onSend, after every dialect's authentication has set req.actor.
 */
export function logRequestContext(app: FastifyInstance): void {
  // no logger (LOG_LEVEL silent, benches): nothing to bind
  if (app.log.level === 'silent' || !app.log.level) return;
  app.addHook('onSend', (req, reply, payload, done) => {
    const actor = (req as FastifyRequest & { actor?: { userGid: string; projectGid: string } | null }).actor;
    reply.log = reply.log.child({ route: req.routeOptions.url ?? 'unmatched', ...(actor ? { user: actor.userGid, project: actor.projectGid } : {}) });
    done(null, payload);
  });
}
