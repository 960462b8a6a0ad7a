// One handler turns every error into {"error":{"code","message","id"}}. A user's mistake is a 4xx
// with a message they can act on; only real bugs are 500, with the message hidden and the id logged.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../errors.js';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'too_large',
  415: 'invalid_argument',
  503: 'unavailable',
};

/**
 * PostgreSQL's SQLSTATEs for a value it cannot store: a NUL byte or a byte sequence its encoding
 * refuses (22021, 22P05), a number out of its type's range (22003), text that is not a number of
 * that type, e.g. "1e+308" for an int4 (22P02). A safety net only: the request edge
 * (request-guard.ts, integer-bounds.ts) refuses such values first, so reaching it is a gap there.
 */
const REFUSED_VALUE_CODES = new Set(['22021', '22P05', '22003', '22P02']);

/** The 400 message when the database refused a value of the request; undefined for any other error. */
export function databaseRefusal(err: unknown): string | undefined {
  const e = err as { code?: unknown; severity?: unknown } | null;
  if (!e || typeof e.code !== 'string' || typeof e.severity !== 'string' || !REFUSED_VALUE_CODES.has(e.code)) return undefined;
  return 'invalid request: a value was refused by the database (a NUL byte, or a number out of its range); see the server log for this request id';
}

export function toErrorReply(err: unknown): { status: number; code: ErrorCode; message: string; details?: unknown } {
  if (err instanceof AppError) return { status: err.status, code: err.code, message: err.message, details: err.details };
  const refused = databaseRefusal(err);
  if (refused) return { status: 400, code: 'invalid_argument', message: refused };
  const fe = err as FastifyError;
  if (fe && fe.validation) {
    return { status: 400, code: 'invalid_argument', message: `invalid request: ${fe.message}` };
  }
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, code: CODE_BY_STATUS[fe.statusCode] ?? 'invalid_argument', message: fe.message };
  }
  return { status: 500, code: 'internal', message: 'internal error; see the server log for this request id' };
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const r = toErrorReply(err);
    if (r.status >= 500) request.log.error({ err }, 'request failed');
    // Logged as loudly as a 500: the caller was wrong, but the request edge should have said so.
    else if (databaseRefusal(err)) request.log.error({ err }, 'the database refused a value the request edge let through');
    else request.log.debug({ err: (err as Error).message }, 'request refused');
    if (r.status === 503) reply.header('retry-after', '1');
    // A stream that failed before its first byte left a download's headers behind.
    reply.removeHeader('content-length');
    reply.header('content-type', 'application/json; charset=utf-8');
    return reply.status(r.status).send({ error: { code: r.code, message: r.message, id: request.id, details: r.details } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}`, id: request.id },
    }),
  );
}
