// Canary rollouts as a server module: the routes, the observer that feeds the analysis, the gateway
// follower that installs the split, and the timer that advances steps.
import type { Module } from '../app.js';
import type { ServerModule } from '../server-modules.js';
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
    // Ticks run one after another, never overlapping, and a caller's tick waits for its own run.
    let chain: Promise<void> = Promise.resolve();
    tick = () => {
      const run = chain.then(async () => {
        await tickRollouts(deps, stats);
      });
      chain = run.catch(() => {});
      return run;
    };
    // A promotion or rollback by hand ends a rollout at once, not at the next timer tick.
    const unsubscribe = deps.feed.subscribe((e) => {
      if ((e.type === 'version.stage_changed' || e.type === 'rollback') && e.actor !== 'rollout' && (e.to === 'Production' || e.from === 'Production')) {
        void tick().catch((err: Error) => deps.log.warn({ err: err.message }, 'rollout tick failed'));
      }
    });
    app.addHook('onClose', async () => unsubscribe());
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
