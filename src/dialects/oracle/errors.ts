// Oracle's error shape: {errorCode, errorKey, errorMessage, errorType?, id?, idList?, title, type},
// every value a string, in JSON or XML as negotiated. CoreError kinds and membership outcomes map
// to Oracle's codes: -1 general (400), -16 does not exist (404), -17 name exists, -20 no privileges
// (403), -96 item (not) in collection (400).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CoreError, fromDatabaseError } from '../../core/errors.ts';
import { validationField } from '../../http/schema-kit.ts';
import { formatOfContentType, negotiate, sendWire, stringScalars, toJson, toXml } from './wire.ts';

export const REALM = 'Basic realm="assetlib"';
export const RFC2616 = 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html';

/** What an error raised while serving a request should echo (the collection id, the idList). */
export interface ErrorContext { id?: string; idList?: string; errorType?: string }

declare module 'fastify' {
  interface FastifyRequest { oracleErr: ErrorContext | undefined }
}

export class OracleError extends Error {
  constructor(readonly status: number, readonly code: string, readonly key: string, message: string,
    readonly extra: ErrorContext = {}) {
    super(message);
    this.name = 'OracleError';
  }
}

export function sendError(req: FastifyRequest, reply: FastifyReply, status: number, code: string, key: string,
  message: string, extra: ErrorContext = {}): FastifyReply {
  if (status === 401) reply.header('WWW-Authenticate', REALM);
  const ctx = { ...(req.oracleErr ?? {}), ...extra };
  return sendWire(req, reply, status, {
    errorCode: code,
    errorKey: key,
    errorMessage: message,
    errorType: ctx.errorType,
    id: ctx.id,
    idList: ctx.idList,
    title: message,
    type: RFC2616,
  });
}

/**
 * An error body as text in the format negotiated from raw headers, for answers written outside a
 * route (see src/http/dialect-errors.ts).
 */
export function oracleErrorText(status: number, key: string, message: string, accept: string | undefined, contentType: string | undefined): { contentType: string; body: string } {
  const body = { errorCode: status === 404 ? '-16' : '-1', errorKey: key, errorMessage: message, title: message, type: RFC2616 };
  return negotiate(accept, formatOfContentType(contentType)) === 'xml'
    ? { contentType: 'application/xml; charset=utf-8', body: toXml(stringScalars(body)) }
    : { contentType: 'application/json; charset=utf-8', body: toJson(body) };
}

// -- membership outcomes (from the core) -> Oracle --------------------------------------------

/** The per-item message of a failed outcome (undefined for a success), as in seed 003. */
export function outcomeMessage(outcome: string, fileId: string, collectionId: string): string | undefined {
  switch (outcome) {
    case 'added': case 'removed': return undefined;
    case 'already_member': return `!csDAMItemAlreadyInCollection,fFileGUID:${fileId},fFolderGUID:${collectionId}`;
    case 'not_member': return `!csDAMItemNotInCollection,fFileGUID:${fileId},fFolderGUID:${collectionId}`;
    case 'not_found': return `!csFldDoesNotExist,fFileGUID:${fileId}`;
    case 'deleted_asset': return `!csFldItemIsInTrash,fFileGUID:${fileId}`;
    case 'not_a_file': return `!csDAMNotADigitalAsset,fFileGUID:${fileId}`;
    case 'no_permission': return `!csUserNoPrivileges,fFileGUID:${fileId}`;
    default: return `!csDAMItemNotProcessed,fFileGUID:${fileId},outcome:${outcome}`;
  }
}

/** The error a whole (strict) request fails with when one asset has this outcome. */
export function outcomeError(outcome: string, fileId: string, collectionId: string): OracleError {
  const key = outcomeMessage(outcome, fileId, collectionId) ?? `!csDAMItemNotProcessed,fFileGUID:${fileId}`;
  switch (outcome) {
    case 'already_member':
      return new OracleError(400, '-96', key, `Item fFileGUID:${fileId} is already a member of collection fFolderGUID:${collectionId}.`);
    case 'not_member':
      return new OracleError(400, '-96', key, `Item fFileGUID:${fileId} is not a member of collection fFolderGUID:${collectionId}.`);
    case 'not_found':
      return new OracleError(404, '-16', key, `'fFileGUID:${fileId}' does not exist.`);
    case 'deleted_asset':
      return new OracleError(404, '-16', key, `'fFileGUID:${fileId}' is in the trash.`);
    case 'not_a_file':
      return new OracleError(400, '-1', key, `'fFileGUID:${fileId}' is a folder, not a digital asset; only files can be collection members.`);
    case 'no_permission':
      return new OracleError(403, '-20', key, `You do not have privileges to use 'fFileGUID:${fileId}'.`);
    default:
      return new OracleError(400, '-1', key, `Item fFileGUID:${fileId} could not be processed (${outcome}).`);
  }
}

/** -16 for a collection that is missing, trashed or not visible: `!csFldDoesNotExist,fFileGUID:<id>`. */
export function collectionNotFound(collectionId: string): OracleError {
  return new OracleError(404, '-16', `!csFldDoesNotExist,fFileGUID:${collectionId}`, `'fFileGUID:${collectionId}' does not exist.`);
}

function fromCore(err: CoreError, req: FastifyRequest): OracleError {
  const info = err.info ?? {};
  const ctx = req.oracleErr ?? {};
  // a membership request refused as a whole: the core names the failing asset and its outcome
  const outcome = typeof info.outcome === 'string' ? info.outcome : undefined;
  const failedId = typeof info.id === 'string' ? info.id : typeof info.assetId === 'string' ? info.assetId : undefined;
  if (outcome && failedId && ctx.id) {
    // the collection's canonical id (as in per-item messages), whatever form the path used
    return outcomeError(outcome, failedId, typeof info.library === 'string' ? info.library : ctx.id);
  }
  switch (err.kind) {
    case 'not_found':
      if (info.reason === 'in_trash' && typeof info.name === 'string') {
        // Oracle's delete page, Example 2: a collection already in the trash
        return new OracleError(404, '-1', `!csFldUnableToDeleteItems!csFldSourceInDestination,${info.name},Trash`,
          `Unable to delete items. Source Item '${info.name}' is already in destination 'Trash'. Please specify different destination.`,
          { id: undefined, idList: typeof info.library === 'string' ? info.library : ctx.id, errorType: 'collection' });
      }
      if (ctx.id) return collectionNotFound(ctx.id);
      return new OracleError(404, '-16', '!csFldDoesNotExist', err.message);
    case 'forbidden':
      return new OracleError(403, '-20', '!csUserNoPrivileges', err.message);
    case 'unauthenticated':
      return new OracleError(401, '-1', '!csUserNotAuthenticated', err.message);
    case 'conflict':
      return new OracleError(400, '-17', '!csFldItemAlreadyExists', err.message);
    case 'too_large':
      return new OracleError(413, '-1', '!csRequestTooLarge', err.message);
    case 'rate_limited':
      return new OracleError(429, '-1', '!csTooManyRequests', err.message);
    case 'invalid': {
      const field = typeof info.field === 'string' ? `,${info.field}` : '';
      return new OracleError(400, '-1', `!csInvalidRequest${field}`, err.message);
    }
    default:
      return new OracleError(400, '-1', '!csRequestRefused', err.message);
  }
}

/** What an error of a route echoes when its handler did not run: the path's id and the route's kind. */
function routeContext(req: FastifyRequest): ErrorContext {
  const p = (req.params ?? {}) as { id?: string; fileId?: string };
  const url = req.routeOptions.url ?? '';
  const errorType = /\/collections\b/.test(url) ? 'collection' : /\/shares\b/.test(url) ? 'share' : /\/files\/:fileId$/.test(url) ? 'file' : undefined;
  return { id: p.id ?? p.fileId, errorType };
}

/** Installs the Oracle error and not-found handlers on a scope. */
export function installOracleErrors(app: FastifyInstance): void {
  app.decorateRequest('oracleErr', undefined);
  app.setErrorHandler((raw: FastifyError | CoreError | OracleError, req, reply) => {
    const err = fromDatabaseError(raw) ?? raw;
    if (err instanceof OracleError) return sendError(req, reply, err.status, err.code, err.key, err.message, err.extra);
    if (err instanceof CoreError) {
      const o = fromCore(err, req);
      return sendError(req, reply, o.status, o.code, o.key, o.message, o.extra);
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      // refused before the handler set what errors echo: the route's id and kind
      req.oracleErr ??= routeContext(req);
      const field = validationField(fe);
      return sendError(req, reply, 400, '-1', `!csInvalidRequest${field ? `,${field}` : ''}`, `bad request: ${fe.message}`);
    }
    if (fe.statusCode === 413 || fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(req, reply, 413, '-1', '!csRequestTooLarge', 'request body too large');
    }
    if (fe.statusCode === 415 || fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(req, reply, 415, '-1', '!csUnsupportedMediaType',
        `unsupported Content-Type "${req.headers['content-type'] ?? ''}": send application/json, application/xml or text/xml`);
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return sendError(req, reply, 400, '-1', '!csInvalidRequest', `bad request: ${fe.message}`);
    }
    req.log.error({ err }, 'unexpected error');
    return sendError(req, reply, 500, '-1', '!csInternalError', 'internal server error');
  });
  app.setNotFoundHandler((req, reply) => sendError(req, reply, 404, '-1', '!csNoSuchResource', `no such resource: ${req.method} ${req.url.split('?')[0]}`));
}
