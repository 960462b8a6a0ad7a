// The Open Inference Protocol's gRPC definition (proto/grpc_predict_v2.proto), loaded once. The
// loader options fix how messages look in JavaScript: field names as in the proto (snake_case),
// int64 as decimal strings (no precision lost on the way in), bytes as Buffers, empty fields
// present, a oneof's chosen member named. Tests build their client from the same file and options.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const PROTO_LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/** proto/grpc_predict_v2.proto, from the sources (src/…) or the build (dist/src/…). */
export function protoPath(): string {
  for (const up of ['../../../', '../../../../']) {
    const p = fileURLToPath(new URL(`${up}proto/grpc_predict_v2.proto`, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('proto/grpc_predict_v2.proto is missing from this installation');
}

let loaded: grpc.GrpcObject | null = null;

/** The `inference` package: GRPCInferenceService and its messages. */
export function inferencePackage(): grpc.GrpcObject {
  loaded ??= grpc.loadPackageDefinition(protoLoader.loadSync(protoPath(), PROTO_LOADER_OPTIONS)).inference as grpc.GrpcObject;
  return loaded;
}

/** The service definition a grpc.Server adds its handlers to. */
export function inferenceService(): grpc.ServiceDefinition {
  return (inferencePackage().GRPCInferenceService as grpc.ServiceClientConstructor).service;
}
