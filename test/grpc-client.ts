// A gRPC client of inference.GRPCInferenceService built from the repository's proto file, as any
// Open Inference Protocol client would be: unary calls as promises that also return the response
// metadata (stagecraft-model-version, stagecraft-request-id).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS, protoPath } from '../src/serving/grpc/grpc-proto.js';

export interface GrpcAnswer<T> {
  response: T;
  metadata: Record<string, string>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test's decoded message is what it asserts on
export type Message = any;

export interface InferenceClient {
  call(method: string, request: object, metadata?: Record<string, string>): Promise<GrpcAnswer<Message>>;
  close(): void;
}

export function inferenceClient(port: number): InferenceClient {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath(), PROTO_LOADER_OPTIONS)).inference as grpc.GrpcObject;
  const Service = pkg.GRPCInferenceService as grpc.ServiceClientConstructor;
  const client = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    call(method, request, metadata = {}) {
      const md = new grpc.Metadata();
      for (const [k, v] of Object.entries(metadata)) md.set(k, v);
      return new Promise((resolve, reject) => {
        const got: Record<string, string> = {};
        const call = (client[method] as (req: object, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: Message) => void) => grpc.ClientUnaryCall).call(
          client,
          request,
          md,
          (err, response) => (err ? reject(err) : resolve({ response, metadata: got })),
        );
        call.on('metadata', (m: grpc.Metadata) => {
          for (const [k, v] of Object.entries(m.getMap())) got[k] = String(v);
        });
      });
    },
    close: () => client.close(),
  };
}

/** The gRPC status a call failed with, and its details. */
export async function grpcFailure(pending: Promise<unknown>): Promise<{ code: grpc.status; details: string }> {
  try {
    await pending;
  } catch (err) {
    const e = err as grpc.ServiceError;
    return { code: e.code, details: e.details };
  }
  throw new Error('the call succeeded; a failure was expected');
}

export { grpc };
