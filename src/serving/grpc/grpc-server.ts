// The Open Inference Protocol's gRPC service on its own port, beside a gateway's HTTP port (off
// unless a port is given; 0 picks a free one). Closing drains calls in flight briefly, then cuts
// the rest, so a shutdown never hangs on a client that keeps its stream open.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../log.js';
import type { Gateway } from '../gateway/gateway.js';
import { inferenceService } from './grpc-proto.js';
import { inferenceHandlers, type GrpcAuthorizer } from './grpc-service.js';

export interface GrpcServerOptions {
  host: string;
  port: number;
  /** Token checks of the registry server; null on a standalone replica, whose inference is open. */
  authorize?: GrpcAuthorizer | null;
  /** Largest request message, in bytes (default 4 MiB, grpc's own; past it grpc-js answers RESOURCE_EXHAUSTED). */
  maxMessageBytes?: number;
}

export interface GrpcEndpoint {
  /** The port bound (the ephemeral one when asked for 0). */
  port: number;
  close(): Promise<void>;
}

const DRAIN_MS = 2000;

export async function startGrpcServer(gateway: Gateway, log: Logger, opts: GrpcServerOptions): Promise<GrpcEndpoint> {
  const server = new grpc.Server(opts.maxMessageBytes ? { 'grpc.max_receive_message_length': opts.maxMessageBytes } : {});
  server.addService(inferenceService(), inferenceHandlers(gateway, log, opts.authorize ?? null));
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  log.info({ port }, `Open Inference Protocol gRPC on ${host}:${port}`);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const cut = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, DRAIN_MS);
        server.tryShutdown(() => {
          clearTimeout(cut);
          resolve();
        });
      }),
  };
}
