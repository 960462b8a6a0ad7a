import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { AppError, invalid, notFound } from '../../errors.js';
import { SHED } from '../gateway/inference.js';
import { grpcCode } from './grpc-reply.js';

describe('gRPC status of a serving error', () => {
  it('tells load shedding (RESOURCE_EXHAUSTED) from a model with nothing to serve (UNAVAILABLE)', () => {
    expect(grpcCode(new AppError('unavailable', 'queue full', SHED))).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(grpcCode(new AppError('unavailable', 'loading'))).toBe(grpc.status.UNAVAILABLE);
    expect(grpcCode(notFound('no model'))).toBe(grpc.status.NOT_FOUND);
    expect(grpcCode(invalid('bad'))).toBe(grpc.status.INVALID_ARGUMENT);
    expect(grpcCode(new AppError('unauthenticated', 'token'))).toBe(grpc.status.UNAUTHENTICATED);
    expect(grpcCode(new AppError('internal', 'boom'))).toBe(grpc.status.INTERNAL);
  });
});
