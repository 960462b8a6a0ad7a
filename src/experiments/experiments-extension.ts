// Experiments as an extension: canary rollouts and shadow runs. Their routes; the observer that
// feeds the canary analysis; the gateway followers that install canary splits and shadow mirrors
// (embedded, and on standalone replicas, which ship their shadow comparisons back); the events a
// gateway that starts late replays; and the timer that advances canary steps.
import type { Extension } from '../extension.js';
import type { GatewayFollower } from '../serving/gateway/follower.js';
import { rolloutsRoutes } from './rollouts-routes.js';
import { activeRolloutEvents, tickRollouts } from './rollouts-service.js';
import { mirrorFollower, shadowFollower, type ShadowRegistry } from './shadow-mirror.js';
import { shadowRoutes } from './shadow-routes.js';
import { runningShadowEvents } from './shadow-service.js';
import { ShadowShipper } from './shadow-shipping.js';
import { canaryFollower } from './traffic-split.js';
import { VersionStats } from './version-stats.js';

export interface ExperimentsExtension extends Extension {
  /** Per-version outcomes for the canary analysis (also in `observers`). */
  stats: VersionStats;
  /** Advance running rollouts now (tests call it with an injected clock). */
  tick(): Promise<void>;
}

/** tickMs 0 turns the canary timer off (tests tick by hand). */
export function experimentsExtension(opts: { tickMs?: number } = {}): ExperimentsExtension {
  const stats = new VersionStats();
  // One registry of live shadow statistics: the report reads what this process's gateway measured.
  const live: ShadowRegistry = new Map();
  let timer: NodeJS.Timeout | null = null;
  let tick: () => Promise<void> = async () => {};
  const followers: GatewayFollower[] = [canaryFollower, shadowFollower(live)];
  return {
    name: 'experiments',
    stats,
    observers: [stats],
    gatewayFollowers: followers,
    async restoreEvents(deps) {
      return [...(await activeRolloutEvents(deps)), ...(await runningShadowEvents(deps))];
    },
    replica(link) {
      const shipper = new ShadowShipper(link.post, link.log, link.flushMs);
      return {
        followers: [canaryFollower, mirrorFollower((id, task) => shipper.sinkFor(id, task))],
        start: () => shipper.start(),
        stop: () => shipper.stop(),
      };
    },
    routes(app, { deps }) {
      rolloutsRoutes(app, deps);
      shadowRoutes(app, deps, live);
      // Ticks run one after another, never overlapping, and a caller's tick waits for its own run.
      let chain: Promise<void> = Promise.resolve();
      tick = () => {
        const run = chain.then(async () => {
          await tickRollouts(deps, stats);
        });
        chain = run.catch(() => {});
        return run;
      };
      const warn = (err: Error) => deps.log.warn({ err: err.message }, 'rollout tick failed');
      // A promotion or rollback by hand ends a rollout at once, not at the next timer tick.
      const unsubscribe = deps.feed.subscribe((e) => {
        if ((e.type === 'version.stage_changed' || e.type === 'rollback') && e.actor !== 'rollout' && (e.to === 'Production' || e.from === 'Production')) {
          void tick().catch(warn);
        }
      });
      app.addHook('onClose', async () => unsubscribe());
      const every = opts.tickMs ?? 1000;
      if (every > 0) {
        timer = setInterval(() => void tick().catch(warn), every);
        timer.unref();
      }
    },
    tick: () => tick(),
    async close() {
      if (timer) clearInterval(timer);
    },
  };
}
