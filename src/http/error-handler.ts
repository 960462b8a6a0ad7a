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

export function toErrorReply(err: unknown): { status: number; code: ErrorCode; message: string; details?: unknown } {
  if (err instanceof AppError) return { status: err.status, code: err.code, message: err.message, details: err.details };
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
