// Canary rollouts as a server module: the routes, the observer that feeds the analysis, the gateway
// follower that installs the split, and the timer that advances steps.
import type { Module } from '../../app.js';
import type { ServerModule } from '../../server-modules.js';
import { rolloutsRoutes } from './rollouts-routes.js';
import { tickRollouts } from './rollouts-service.js';
import { canaryFollower } from './traffic-split.js';
import { VersionStats } from './version-stats.js';

export interface Rollouts extends ServerModule {
  /** Give to embeddedGateway({ observers }): per-version outcomes for the analysis. */
  observer: VersionStats;
  /** Give to embeddedGateway({ followers }): installs and removes canary splits. */
  follower: typeof canaryFollower;
  /** Advance running rollouts now (tests call it with an injected clock). */
  tick(): Promise<void>;
}

/** tickMs 0 turns the timer off (tests tick by hand). */
export function rollouts(opts: { tickMs?: number } = {}): Rollouts {
  const stats = new VersionStats();
  let timer: NodeJS.Timeout | null = null;
  let tick: () => Promise<void> = async () => {};
  const register: Module = (app, deps) => {
    rolloutsRoutes(app, deps);
    let busy = false;
    tick = async () => {
      if (busy) return;
      busy = true;
      try {
        await tickRollouts(deps, stats);
      } finally {
        busy = false;
      }
    };
    const every = opts.tickMs ?? 1000;
    if (every > 0) {
      timer = setInterval(() => void tick().catch((err: Error) => deps.log.warn({ err: err.message }, 'rollout tick failed')), every);
      timer.unref();
    }
  };
  return {
    register,
    observer: stats,
    follower: canaryFollower,
    tick: () => tick(),
    async close() {
      if (timer) clearInterval(timer);
    },
  };
}
