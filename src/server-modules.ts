// What `stagecraft server` runs beside the registry core. Each feature adds one entry here.
import type { Module } from './app.js';
import type { Deps } from './deps.js';
import { embeddedGateway, servingRegistryModule } from './gateway/gateway-module.js';
import { mlflowModule } from './modules/mlflow/mlflow-module.js';
import { approvalsModule } from './modules/approvals/approvals-module.js';
import { drillsModule } from './modules/drills/drills-module.js';
import { promotionSummaryModule } from './modules/promotion-summary/promotion-summary-module.js';
import { gatesModule } from './modules/gates/gates-module.js';
import { rollouts } from './modules/rollouts/rollouts-module.js';
import { restoreTraffic } from './modules/rollouts/restore-traffic.js';
import { shadows } from './modules/shadow/shadow-module.js';
import { monitoring } from './modules/monitoring/monitoring-module.js';
import { observationsModule } from './modules/monitoring/observations-routes.js';
import { webModule } from './modules/web/web-module.js';

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
