// Errors raised by the core. Each dialect maps `kind` to its own status code and error shape.
export type ErrorKind =
  | 'invalid'          // bad input: missing, wrong type or value (400)
  | 'unauthenticated'  // no or bad credentials (401)
  | 'forbidden'        // authenticated, but not allowed (403)
  | 'not_found'        // the entity does not exist or is not visible to the caller
  | 'rule'             // a business rule refuses the operation (e.g. move into own subtree)
  | 'conflict'         // a name or membership already exists
  | 'too_large'        // a body, upload or list over its limit (413)
  | 'selection'        // an ill-formed selection or cursor (Unicat 1006)
  | 'rate_limited';    // too many failed authentications from the client's address (429)

export class CoreError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly info: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CoreError';
  }
}

export const invalid = (message: string, info: Record<string, unknown> = {}) => new CoreError('invalid', message, info);
export const notFound = (message: string, info: Record<string, unknown> = {}) => new CoreError('not_found', message, info);
export const forbidden = (message: string, info: Record<string, unknown> = {}) => new CoreError('forbidden', message, info);
export const rule = (message: string, info: Record<string, unknown> = {}) => new CoreError('rule', message, info);
export const conflict = (message: string, info: Record<string, unknown> = {}) => new CoreError('conflict', message, info);
export const tooLarge = (message: string, info: Record<string, unknown> = {}) => new CoreError('too_large', message, info);
export const unauthenticated = (message: string, info: Record<string, unknown> = {}) => new CoreError('unauthenticated', message, info);
export const selectionError = (message: string, info: Record<string, unknown> = {}) => new CoreError('selection', message, info);

/** PostgreSQL unique_violation, for mapping a racing insert to a conflict. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/**
 * PostgreSQL refusing a client's value as data (a NUL byte in text, a character the encoding
 * cannot hold, a value too large to index) is bad input, not a server fault: every dialect's
 * error handler turns it into `invalid` before anything else.
 */
export function fromDatabaseError(err: unknown): CoreError | undefined {
  const code = (err as { code?: unknown })?.code;
  if (code === '22021' || code === '22P05') return invalid('the request contains a character that cannot be stored (e.g. NUL)');
  if (code === '54000') return invalid('a value in the request is too large');
  return undefined;
}
