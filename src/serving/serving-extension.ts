// Serving as an extension of the registry: the routes any registry server answers for gateways
// (bindings, heartbeats and status, the replica observation intake) and the embedded gateway, which
// follows the registry in-process, reports to every extension's observers and runs every
// extension's followers. It starts when the app is ready and stops (draining, releasing runtimes)
// on close.
import os from 'node:os';
import type { Extension } from '../extension.js';
import { bindingsRoutes } from './bindings/bindings-routes.js';
import { defaultGatewayOptions, type GatewayOptions } from './gateway/gateway-options.js';
import { gatewayRoutes } from './gateway/gateway-routes.js';
import type { GrpcEndpoint } from './grpc/grpc-server.js';
import { Gateway } from './gateway/gateway.js';
import { LocalSource } from './gateway/local-source.js';
import { observationsRoutes } from './observations-routes.js';
import { pendingPrepares, servingCoordinator } from './replicas/move-coordinator.js';
import { replicasRoutes } from './replicas/replicas-routes.js';

export interface ServingOptions {
  /** false: answer the gateway-facing routes but run no gateway in this process (replicas serve). */
  embedded?: boolean;
  gateway?: Partial<Omit<GatewayOptions, 'observers' | 'followers'>>;
  /** The embedded gateway's Open Inference Protocol gRPC service (port 0: any free one); null: none. */
  grpc?: { host: string; port: number } | null;
}

export interface ServingExtension extends Extension {
  /** The embedded gateway (once the app is built). */
  gateway(): Gateway;
  /** The port the gRPC service bound once the app is ready; null when it runs none. */
  grpcPort(): number | null;
}

export function servingExtension(opts: ServingOptions = {}): ServingExtension {
  let gateway: Gateway | null = null;
  let grpc: GrpcEndpoint | null = null;
  return {
    name: 'serving',
    // Every move of a served target is prepared on the replicas before it commits, and confirmed after.
    moveCoordinator: servingCoordinator,
    // A replica that (re)connects mid-move answers the prepare it missed (it comes with the snapshot).
    restoreEvents: (deps) => pendingPrepares(deps),
    routes(app, ctx) {
      bindingsRoutes(app, ctx.deps, ctx.restoreEvents);
      replicasRoutes(app, ctx.deps);
      observationsRoutes(app, ctx.observers);
      if (opts.embedded === false) return;
      const options = defaultGatewayOptions({
        // Named by host and port, not process: a restarted server takes over its own row at its
        // first heartbeat, instead of leaving a dead replica that every move waits for.
        replicaId: `embedded-${os.hostname()}-${ctx.deps.config.port}`,
        ...opts.gateway,
        observers: [...ctx.observers],
        followers: [...ctx.followers],
      });
      const gw = new Gateway(new LocalSource(ctx.deps), options, ctx.deps.log);
      gateway = gw;
      gatewayRoutes(app, gw);
      app.addHook('onReady', async () => {
        await gw.start();
        // Canaries and shadows that started before this gateway did: replay their events once.
        for (const e of await ctx.restoreEvents()) for (const follow of options.followers) follow(gw, e);
        // gRPC callers pass the same token checks as the inference routes ('read').
        // Imported only with a gRPC port: @grpc/* costs startup time a server without one never needs.
        if (opts.grpc) grpc = await (await import('./grpc/grpc-server.js')).startGrpcServer(gw, ctx.deps.log, { ...opts.grpc, authorize: (headers, model) => app.authorizeHeaders(headers, 'read', model) });
      });
      app.addHook('onClose', async () => {
        await grpc?.close();
        grpc = null;
        await gw.stop();
      });
    },
    grpcPort: () => grpc?.port ?? null,
    gateway() {
      if (!gateway) throw new Error('the serving extension runs no embedded gateway (not built yet, or embedded: false)');
      return gateway;
    },
  };
}
