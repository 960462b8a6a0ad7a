// Shadow runs as a server module: routes plus the gateway follower that installs mirrors. Both share
// one registry of live statistics, so the report reads what this process's gateway measured.
import type { Module } from '../app.js';
import type { Gateway } from '../serving/gateway/gateway.js';
import type { RegistryEvent } from '../registry/events/events.js';
import { shadowFollower, type ShadowRegistry } from './shadow-mirror.js';
import { shadowRoutes } from './shadow-routes.js';

export interface Shadows {
  register: Module;
  /** Give to embeddedGateway({ followers }). */
  follower: (gateway: Gateway, e: RegistryEvent) => void;
}

export function shadows(): Shadows {
  const live: ShadowRegistry = new Map();
  return { register: (app, deps) => shadowRoutes(app, deps, live), follower: shadowFollower(live) };
}
