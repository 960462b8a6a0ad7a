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

/**
 * grpc-js reports a taken port only inside its message ("No address added … EADDRINUSE …"); give it
 * Node's shape (code, port, address) and the flag that moves it, so the CLI explains it like the HTTP port.
 */
function bindError(err: Error, opts: GrpcServerOptions): Error {
  if (!err.message.includes('EADDRINUSE')) return err;
  return Object.assign(new Error(`gRPC port ${opts.port} is already in use`), {
    code: 'EADDRINUSE',
    port: opts.port,
    address: opts.host,
    flag: '--grpc-port N (or STAGECRAFT_GRPC_PORT=N)',
  });
}

export async function startGrpcServer(gateway: Gateway, log: Logger, opts: GrpcServerOptions): Promise<GrpcEndpoint> {
  // grpc-js writes its own lines to stderr ("E No address added …" for a taken port, which bindError
  // explains); they belong in the one logger, at debug: what matters reaches the caller as an error.
  grpc.setLogger({ error: (...args: unknown[]) => log.debug({ grpc: args.map(String).join(' ') }, 'grpc-js') });
  const server = new grpc.Server(opts.maxMessageBytes ? { 'grpc.max_receive_message_length': opts.maxMessageBytes } : {});
  server.addService(inferenceService(), inferenceHandlers(gateway, log, opts.authorize ?? null));
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(bindError(err, opts)) : resolve(bound))),
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
