// The gRPC side of serveInference's reply: headers become response metadata (sent before the
// message, as HTTP sends them before the body), an error status becomes the gRPC status code the
// error means, with its message as the details.
import * as grpc from '@grpc/grpc-js';
import { AppError, type ErrorCode } from '../../errors.js';
import type { InferenceReply } from '../gateway/inference.js';

const CODES: Record<ErrorCode, grpc.status> = {
  invalid_argument: grpc.status.INVALID_ARGUMENT,
  unauthenticated: grpc.status.UNAUTHENTICATED,
  forbidden: grpc.status.PERMISSION_DENIED,
  not_found: grpc.status.NOT_FOUND,
  conflict: grpc.status.FAILED_PRECONDITION,
  too_large: grpc.status.RESOURCE_EXHAUSTED,
  timeout: grpc.status.DEADLINE_EXCEEDED,
  unavailable: grpc.status.UNAVAILABLE,
  internal: grpc.status.INTERNAL,
};

export function grpcCode(err: AppError): grpc.status {
  // A model at its own limit is exhausted, not down: other models on this server still answer.
  if ((err.details as { reason?: string } | undefined)?.reason === 'shed') return grpc.status.RESOURCE_EXHAUSTED;
  return CODES[err.code];
}

export function grpcError(err: unknown, metadata = new grpc.Metadata()): Partial<grpc.StatusObject> {
  const e = err instanceof AppError ? err : new AppError('internal', (err as Error).message);
  return { code: grpcCode(e), details: e.message, metadata };
}

type Callback<T> = grpc.sendUnaryData<T>;

export class GrpcReply<T> implements InferenceReply {
  private readonly metadata = new grpc.Metadata();
  private code = 200;

  constructor(
    private readonly call: grpc.ServerUnaryCall<unknown, T>,
    private readonly callback: Callback<T>,
  ) {}

  header(name: string, value: string): this {
    this.metadata.set(name, value);
    return this;
  }

  status(code: number): this {
    this.code = code;
    return this;
  }

  /** A success sends the message; an error (the protocol's error body is the AppError) sends its status. */
  send(body: unknown): void {
    if (this.code >= 400) return this.callback(grpcError(body, this.metadata));
    this.call.sendMetadata(this.metadata);
    this.callback(null, body as T);
  }
}
