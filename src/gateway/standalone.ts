// `stagecraft gateway`: a standalone replica — its own port, the three serving protocols, following
// a registry over HTTP, with an on-disk cache to boot from when the registry is down.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import Fastify, { LogController } from 'fastify';
import type { App } from '../http/app-types.js';
import { registerErrorHandler } from '../http/error-handler.js';
import type { Logger } from '../log.js';
import { defaultGatewayOptions, type GatewayOptions } from './gateway-options.js';
import { gatewayRoutes } from './gateway-routes.js';
import { Gateway } from './gateway.js';
import { RegistryClient } from './remote/registry-client.js';
import { RemoteSource } from './remote/remote-source.js';

export interface StandaloneOptions extends Partial<GatewayOptions> {
  registry: string;
  token?: string;
  host?: string;
  port?: number;
  cacheDir: string;
  /** First reconnect delay after the registry drops (doubles up to 10x). */
  retryMs?: number;
}

export interface StandaloneGateway {
  app: App;
  gateway: Gateway;
  source: RemoteSource;
  url: string;
  close(): Promise<void>;
}

export async function startStandaloneGateway(opts: StandaloneOptions, log: Logger): Promise<StandaloneGateway> {
  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    requestIdHeader: 'stagecraft-request-id',
  }) as unknown as App;
  registerErrorHandler(app);
  // No registry tables here: inference routes are open on this port; put the replica behind your
  // network's access control (the registry's tokens guard changes, not predictions).
  const source = new RemoteSource(new RegistryClient(opts.registry, opts.token), opts.cacheDir, log, opts.retryMs ?? 1000);
  const options = defaultGatewayOptions({ replicaId: `gateway-${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`, ...opts });
  const gateway = new Gateway(source, options, log);
  gatewayRoutes(app, gateway);
  await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  const address = app.server.address();
  const url = typeof address === 'object' && address ? `http://${opts.host ?? '127.0.0.1'}:${address.port}` : String(address);
  if (!opts.url) options.url = url;
  await gateway.start();
  return {
    app,
    gateway,
    source,
    url,
    async close() {
      await app.close();
      await gateway.stop();
    },
  };
}
