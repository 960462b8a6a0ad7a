// A gateway that starts while a canary or shadow runs has missed their events: this module gives
// its followers the equivalent events from the database once the gateway has started (onReady hooks
// run in registration order, so register it after the gateway).
import type { Module } from '../app.js';
import type { Gateway } from '../serving/gateway/gateway.js';
import type { RegistryEvent } from '../registry/events/events.js';
import { runningShadowEvents } from './shadow-service.js';
import { activeRolloutEvents } from './rollouts-service.js';

export function restoreTraffic(gateway: () => Gateway, followers: Array<(gw: Gateway, e: RegistryEvent) => void>): Module {
  return (app, deps) => {
    app.addHook('onReady', async () => {
      const events = [...(await activeRolloutEvents(deps)), ...(await runningShadowEvents(deps))];
      for (const e of events) for (const follow of followers) follow(gateway(), e);
    });
  };
}
