// Every answer under a dialect's prefix is in that dialect's shape, also the ones no route's error
// handler sees: Fastify's router errors (a path parameter over 100 characters: 414, bad
// percent-encoding: 400), unknown paths under a prefix that has no scope of its own (yet), and
// what Node answers on the socket itself (431 headers too large, 408 timeouts, 400 unparsable
// requests). The dialects own their shapes (the *ErrorText functions); this file picks one by path.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { unicatErrorText } from '../dialects/unicat/envelope.ts';
import { uplynkErrorText } from '../dialects/uplynk/errors.ts';
import { oracleErrorText } from '../dialects/oracle/errors.ts';

export interface ErrorText { contentType: string; body: string }
interface Hints { accept?: string; contentType?: string }
type Render = (status: number, code: string, message: string, h: Hints) => ErrorText;

const unicat: Render = (status, _code, message) => unicatErrorText(status, message);
const uplynk: Render = (status, code, message) => uplynkErrorText(status, code, message);
const oracle: Render = (status, code, message, h) => oracleErrorText(status, code, message, h.accept, h.contentType);

/** Prefix -> the dialect that answers under it. */
const PREFIXES: [string, Render][] = [
  ['/api/p', unicat], ['/sync', unicat], ['/dam', unicat], ['/api/v4', uplynk], ['/documents/api/1.1', oracle],
];

export function rendererFor(url: string): Render | undefined {
  for (const [prefix, render] of PREFIXES) {
    if (url.startsWith(prefix) && (url.length === prefix.length || '/?'.includes(url[prefix.length]))) return render;
  }
  return undefined;
}

/** What each status says (never the client's input, which may be huge). */
const WHAT: Record<number, [code: string, message: string]> = {
  400: ['invalid', 'bad request: the request could not be parsed'],
  404: ['no_route', 'no such API call'],
  408: ['timeout', 'the request did not arrive in time'],
  413: ['too_large', 'request body too large'],
  414: ['uri_too_long', 'a path segment is longer than 100 characters'],
  431: ['headers_too_large', 'the request headers are too large'],
};

function errorText(url: string, status: number, h: Hints, message?: string): ErrorText | undefined {
  const render = rendererFor(url);
  if (!render) return undefined;
  const [code, text] = WHAT[status] ?? WHAT[400];
  const key = status === 404 ? '!csFldDoesNotExist' : '!csInvalidRequest';
  return render(status, render === oracle ? key : code, message ?? text, h);
}

function send(reply: FastifyReply, status: number, t: ErrorText) {
  return reply.code(status).type(t.contentType).send(t.body);
}

const hintsOf = (req: FastifyRequest): Hints => ({ accept: req.headers.accept, contentType: req.headers['content-type'] });

/** Root not-found handler: a dialect's 404 under its prefix (scopes with their own handler answer first). */
export function notFound(req: FastifyRequest, reply: FastifyReply): void {
  const t = errorText(req.url, 404, hintsOf(req));
  if (t) send(reply, 404, t);
  else reply.code(404).send({ error: 'Not Found', message: 'no such route', statusCode: 404 });
}

/** Fastify's `frameworkErrors`: errors of the router, before any scope sees the request. */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
  const message = err.code === 'FST_ERR_BAD_URL' ? 'malformed URL: bad percent-encoding'
    : err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? WHAT[414][1] : undefined;
  const t = errorText(req.url, status, hintsOf(req), message);
  if (t) send(reply, status, t);
  else reply.code(status).send({ error: STATUS_CODES[status], code: err.code, message: message ?? 'bad request', statusCode: status });
}

type ClientError = Error & { code?: string; rawPacket?: unknown };

/** The request line's path and two headers, from what Node received of a request it could not parse. */
function fromRaw(raw: unknown): { url: string; h: Hints } {
  const text = Buffer.isBuffer(raw) ? raw.subarray(0, 8192).toString('latin1') : '';
  const url = /^[A-Z]+ (\S+) HTTP\//.exec(text)?.[1] ?? '';
  const header = (name: string) => new RegExp(`\\r\\n${name}:[ \\t]*([^\\r\\n]*)`, 'i').exec(text)?.[1];
  return { url, h: { accept: header('accept'), contentType: header('content-type') } };
}

/**
 * Fastify's `clientErrorHandler`: Node gave up on a request (headers over the limit, a timeout, a
 * malformed request). Answered in the dialect's shape when the path is known and no answer has
 * started, then the connection is closed.
 */
export function clientErrorHandler(err: ClientError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean; req?: { url?: string; headers?: Record<string, string | undefined> } } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    // where the path is: the request in flight (a timeout), the parser's partial request line
    // (Node hands it over every 32 headers), or the bytes Node was parsing (its last chunk)
    const partialUrl = (socket as Socket & { parser?: { _url?: string } }).parser?._url;
    const raw = fromRaw(err.rawPacket);
    const { url, h } = inFlight?.req?.url
      ? { url: inFlight.req.url, h: { accept: inFlight.req.headers?.accept, contentType: inFlight.req.headers?.['content-type'] } }
      : raw.url ? raw : { url: partialUrl ?? '', h: raw.h };
    const t = errorText(url, status, h) ?? { contentType: 'application/json', body: JSON.stringify({ error: STATUS_CODES[status], message: 'Client Error', statusCode: status }) };
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${t.contentType}\r\nContent-Length: ${Buffer.byteLength(t.body)}\r\nConnection: close\r\n\r\n${t.body}`);
  }
  socket.destroy(err);
}
