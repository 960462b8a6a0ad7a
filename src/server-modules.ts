// What `stagecraft server` runs beside the registry core. Each feature adds one entry here.
import type { Module } from './app.js';
import type { Deps } from './deps.js';
import { embeddedGateway, servingRegistryModule } from './serving/gateway/gateway-module.js';
import { mlflowModule } from './mlflow/mlflow-module.js';
import { approvalsModule } from './promotion/approvals/approvals-module.js';
import { drillsModule } from './experiments/drills/drills-module.js';
import { promotionSummaryModule } from './promotion/summary/promotion-summary-module.js';
import { gatesModule } from './promotion/gates/gates-module.js';
import { rollouts } from './experiments/rollouts-module.js';
import { restoreTraffic } from './experiments/restore-traffic.js';
import { shadows } from './experiments/shadow-module.js';
import { monitoring } from './observe/monitoring-module.js';
import { observationsModule } from './observe/observations-routes.js';
import { webModule } from './ui/web-module.js';

export interface ServerModule {
  register: Module;
  /** Called on shutdown after the HTTP server stopped accepting and drained. */
  close?: () => Promise<void>;
}

export function serverModules(deps: Deps): ServerModule[] {
  // The gateway's observers (monitoring) go in embeddedGateway({ observers: [...] }).
  const mon = monitoring({ retention: { retentionMs: deps.config.predictionRetentionDays * 24 * 3600_000, maxRows: deps.config.predictionMaxRows } });
  const canary = rollouts();
  const shadow = shadows();
  const observers = [mon.observer, canary.observer];
  const gateway = embeddedGateway({ observers, followers: [canary.follower, shadow.follower] });
  const restore = restoreTraffic(() => gateway.gateway(), [canary.follower, shadow.follower]);
  return [{ register: mlflowModule }, { register: webModule() }, { register: servingRegistryModule }, gateway, { register: mon.register, close: mon.close }, { register: observationsModule(observers) }, { register: gatesModule }, { register: approvalsModule }, canary, { register: shadow.register }, { register: drillsModule }, { register: promotionSummaryModule }, { register: restore }];
}
