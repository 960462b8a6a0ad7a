// Wiring for `stagecraft server`: the registry's serving routes (bindings, heartbeats, status,
// snapshot) and the embedded gateway that follows the registry in-process.
import os from 'node:os';
import type { Module } from '../../app.js';
import { bindingsRoutes } from '../bindings/bindings-routes.js';
import { replicasRoutes } from '../replicas/replicas-routes.js';
import type { ServerModule } from '../../server-modules.js';
import { defaultGatewayOptions, type GatewayOptions } from './gateway-options.js';
import { gatewayRoutes } from './gateway-routes.js';
import { Gateway } from './gateway.js';
import { LocalSource } from './local-source.js';

/** Bindings, heartbeats, rollout status and the gateway snapshot: what any registry server answers. */
export const servingRegistryModule: Module = (app, deps) => {
  bindingsRoutes(app, deps);
  replicasRoutes(app, deps);
};

export interface EmbeddedGateway extends ServerModule {
  /** The running gateway (set once the module registered). */
  gateway(): Gateway;
}

/** The in-process gateway: starts when the app is ready, stops (draining, releasing runtimes) on close. */
export function embeddedGateway(options: Partial<GatewayOptions> = {}): EmbeddedGateway {
  let gateway: Gateway | null = null;
  const register: Module = (app, deps) => {
    const gw = new Gateway(new LocalSource(deps), defaultGatewayOptions({ replicaId: `embedded-${os.hostname()}-${process.pid}`, ...options }), deps.log);
    gateway = gw;
    gatewayRoutes(app, gw);
    app.addHook('onReady', async () => gw.start());
    app.addHook('onClose', async () => gw.stop());
  };
  return {
    register,
    gateway() {
      if (!gateway) throw new Error('the gateway module has not been registered');
      return gateway;
    },
  };
}

/** Both, as `stagecraft server` runs them. */
export function servingModules(options: Partial<GatewayOptions> = {}): { modules: Module[]; embedded: EmbeddedGateway } {
  const embedded = embeddedGateway(options);
  return { modules: [servingRegistryModule, embedded.register], embedded };
}
