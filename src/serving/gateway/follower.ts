// A seam serving defines and extensions implement: followers see every change-feed event a gateway
// applies (embedded or standalone) and may install a TrafficPolicy on a model's slot. They get
// this much of the gateway, not the Gateway class, so the contract does not depend on the engine.
import type { RegistryEvent } from '../../registry/index.js';
import type { LoadedVersion, ModelSlot } from './model-slot.js';

/** What a follower may use: a model's slot (to set its `traffic`), and loading a version warm. */
export interface FollowedGateway {
  readonly slots: ReadonlyMap<string, ModelSlot>;
  /** The loaded version, loading it once however many callers ask (off the request path). */
  ensureLoaded(slot: ModelSlot, version: number): Promise<LoadedVersion>;
}

/** Sees every change-feed event after the gateway applied it (e.g. canary splits installing a TrafficPolicy). */
export type GatewayFollower = (gateway: FollowedGateway, event: RegistryEvent) => void;
