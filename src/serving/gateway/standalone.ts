// `stagecraft gateway`: a standalone replica — its own port, the three serving protocols, following
// a registry over HTTP, with an on-disk cache to boot from when the registry is down.
import { randomUUID } from 'node:crypto';
import { requestId } from '../../http/request-id.js';
import os from 'node:os';
import Fastify, { LogController } from 'fastify';
import type { App } from '../../http/app-types.js';
import { registerErrorHandler } from '../../http/error-handler.js';
import { registerGracefulClose } from '../../http/graceful-close.js';
import type { Logger } from '../../log.js';
import { defaultGatewayOptions, type GatewayOptions } from './gateway-options.js';
import { gatewayRoutes } from './gateway-routes.js';
import { Gateway } from './gateway.js';
import { RegistryClient } from './remote/registry-client.js';
import { RemoteSource } from './remote/remote-source.js';
import { DEFAULT_SHIPPER, ObservationShipper, type ShipperOptions } from './remote/observation-shipper.js';
import { canaryFollower } from '../../experiments/traffic-split.js';
import { mirrorFollower } from '../../experiments/shadow-mirror.js';
import { ShadowShipper } from '../../experiments/shadow-shipping.js';

export interface StandaloneOptions extends Partial<GatewayOptions> {
  registry: string;
  token?: string;
  host?: string;
  port?: number;
  cacheDir: string;
  /** First reconnect delay after the registry drops (doubles up to 10x). */
  retryMs?: number;
  shipper?: Partial<ShipperOptions>;
}

export interface StandaloneGateway {
  app: App;
  gateway: Gateway;
  source: RemoteSource;
  shipper: ObservationShipper;
  url: string;
  close(): Promise<void>;
}

export async function startStandaloneGateway(opts: StandaloneOptions, log: Logger): Promise<StandaloneGateway> {
  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => requestId(),
    requestIdHeader: 'stagecraft-request-id',
  }) as unknown as App;
  registerErrorHandler(app);
  registerGracefulClose(app);
  // No registry tables here: inference routes are open on this port; put the replica behind your
  // network's access control (the registry's tokens guard changes, not predictions).
  const client = new RegistryClient(opts.registry, opts.token);
  const source = new RemoteSource(client, opts.cacheDir, log, opts.retryMs ?? 1000);
  const replicaId = opts.replicaId ?? `gateway-${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  // What this replica serves reaches the registry's monitoring; canary splits and shadow mirrors
  // follow the same events as the embedded gateway, so every replica obeys one experiment.
  const shipper = new ObservationShipper(client, replicaId, log, { ...DEFAULT_SHIPPER, ...opts.shipper });
  // Shadows mirror here too; each comparison is shipped to the registry's report.
  const shadows = new ShadowShipper((path, body) => client.post(path, body), log, opts.shipper?.flushMs ?? DEFAULT_SHIPPER.flushMs);
  const options = defaultGatewayOptions({
    ...opts,
    replicaId,
    observers: [...(opts.observers ?? []), shipper],
    followers: [...(opts.followers ?? []), canaryFollower, mirrorFollower((id, task) => shadows.sinkFor(id, task))],
  });
  const gateway = new Gateway(source, options, log);
  gatewayRoutes(app, gateway);
  await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  const address = app.server.address();
  const url = typeof address === 'object' && address ? `http://${opts.host ?? '127.0.0.1'}:${address.port}` : String(address);
  if (!opts.url) options.url = url;
  await gateway.start();
  shipper.start();
  shadows.start();
  return {
    app,
    gateway,
    source,
    shipper,
    url,
    async close() {
      await app.close();
      await shipper.stop();
      await shadows.stop();
      await gateway.stop();
    },
  };
}
