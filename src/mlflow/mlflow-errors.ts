// MLflow's error shape {"error_code","message"} with its status mapping, and the plugin-scoped
// handler that gives every /api/2.0/mlflow route that shape (the native API keeps its own).
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { databaseRefusal } from '../http/error-handler.js';

export type MlflowErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'ENDPOINT_NOT_FOUND'
  | 'RESOURCE_CONFLICT'
  | 'RESOURCE_LIMIT_EXCEEDED'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'BAD_REQUEST'
  | 'INTERNAL_ERROR';

const STATUS: Record<MlflowErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  // 400, not 409: what MLflow answers; clients branch on error_code.
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_CONFLICT: 409,
  // An upload past the size limit: 413, as the native API answers it (MLflow itself sets no limit).
  RESOURCE_LIMIT_EXCEEDED: 413,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  TEMPORARILY_UNAVAILABLE: 503,
  // An RPC of MLflow's that Stagecraft deliberately does not serve (its auth app's user store, experiment
  // permissions): a 4xx naming what to use instead, never a 5xx (nothing failed).
  BAD_REQUEST: 400,
  INTERNAL_ERROR: 500,
};

export class MlflowError extends Error {
  constructor(
    readonly errorCode: MlflowErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MlflowError';
  }
  get status(): number {
    return STATUS[this.errorCode];
  }
}

export const badParam = (message: string) => new MlflowError('INVALID_PARAMETER_VALUE', message);
export const missingParam = (name: string) =>
  badParam(`Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`);
export const modelNotFound = (name: string) => new MlflowError('RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`);
export const versionNotFound = (name: string, version: number | string) =>
  new MlflowError('RESOURCE_DOES_NOT_EXIST', `Model Version (name=${name}, version=${version}) not found`);

/** Maps Stagecraft's errors onto MLflow's codes; anything unknown is a real 500. */
export function toMlflowError(err: unknown): MlflowError {
  if (err instanceof MlflowError) return err;
  if (err instanceof AppError) {
    switch (err.code) {
      case 'invalid_argument':
        return badParam(err.message);
      case 'too_large':
        return new MlflowError('RESOURCE_LIMIT_EXCEEDED', err.message);
      case 'not_found':
        return new MlflowError('RESOURCE_DOES_NOT_EXIST', err.message);
      case 'conflict':
        return err.details?.reason === 'already_exists'
          ? new MlflowError('RESOURCE_ALREADY_EXISTS', err.message)
          : new MlflowError('RESOURCE_CONFLICT', err.message);
      case 'unauthenticated':
        return new MlflowError('UNAUTHENTICATED', err.message);
      case 'forbidden':
        return new MlflowError('PERMISSION_DENIED', err.message);
      case 'unavailable':
        return new MlflowError('TEMPORARILY_UNAVAILABLE', err.message);
      default:
        return new MlflowError('INTERNAL_ERROR', 'internal error; see the server log');
    }
  }
  const refused = databaseRefusal(err);
  if (refused) return badParam(refused);
  const fe = err as FastifyError;
  if (fe && fe.statusCode === 413) return new MlflowError('RESOURCE_LIMIT_EXCEEDED', fe.message);
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return badParam(fe.message);
  }
  return new MlflowError('INTERNAL_ERROR', 'internal error; see the server log');
}

export function registerMlflowErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const e = toMlflowError(err);
    if (e.status >= 500) request.log.error({ err }, 'mlflow request failed');
    else if (databaseRefusal(err)) request.log.error({ err }, 'the database refused a value the request edge let through');
    reply.removeHeader('content-length');
    reply.removeHeader('content-disposition');
    return reply
      .status(e.status)
      .header('content-type', 'application/json')
      .send({ error_code: e.errorCode, message: e.message });
  });
  // MLflow answers unknown RPCs with 404; the client turns that into ENDPOINT_NOT_FOUND.
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No API endpoint ${request.method} ${request.url.split('?')[0]}` }),
  );
}
