// For the promotion component tests: a real registry with the serving gateway and the safe-promotion
// modules, listening on 127.0.0.1:0, and the page's change feed around the rendered component.
import type { AddressInfo } from 'node:net';
import type { ReactNode } from 'react';
import { afterAll, beforeAll } from 'vitest';
import { embeddedGateway, servingRegistryModule, type EmbeddedGateway } from '../../../src/serving/gateway/gateway-module';
import { approvalsModule } from '../../../src/promotion/approvals/approvals-module';
import { drillsModule } from '../../../src/experiments/drills/drills-module';
import { gatesModule } from '../../../src/promotion/gates/gates-module';
import { promotionSummaryModule } from '../../../src/promotion/summary/promotion-summary-module';
import { rollouts } from '../../../src/experiments/rollouts-module';
import { shadows } from '../../../src/experiments/shadow-module';
import { useRegistry, type DbKind, type Registry } from '../../../test/databases';
import { LiveProvider, useLiveState } from '../lib/live';
import { useSession } from '../lib/session';
import { renderWithServer } from '../test-support';

export type PromotionRegistry = Registry & {
  url: string;
  gateway: EmbeddedGateway['gateway'];
  /** Run the rollout analysis now (no timer in tests). */
  tick: () => Promise<void>;
  /** Move the registry's clock forward, e.g. past a rollout step. */
  advance: (ms: number) => void;
};

export function usePromotionRegistry(kind: DbKind): PromotionRegistry {
  // tickMs 0: no background analysis, so a rollout stays exactly where the test put it.
  const ro = rollouts({ tickMs: 0 });
  const sh = shadows();
  // Worker-thread runtimes (offThreadBytes 0): onnxruntime-node refuses jsdom's typed arrays (another
  // realm), and a worker is plain Node, as in the server.
  const gw = embeddedGateway({ offThreadBytes: 0, observers: [ro.observer], followers: [ro.follower, sh.follower] });
  let offset = 0;
  const clock = { now: () => Date.now() + offset };
  const r = useRegistry(kind, { overrides: { clock }, build: { modules: [servingRegistryModule, gw.register, gatesModule, approvalsModule, ro.register, sh.register, drillsModule, promotionSummaryModule] } }) as PromotionRegistry;
  r.gateway = gw.gateway;
  r.tick = () => ro.tick();
  r.advance = (ms) => {
    offset += ms;
  };
  // Runs before useRegistry's close (after-hooks run in reverse): an event stream the page had open
  // is an active connection, which a graceful close would wait for.
  afterAll(() => r.app.server.closeAllConnections());
  beforeAll(async () => {
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    r.url = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
  });
  return r;
}

function LiveProbe() {
  return <span data-testid="live-state" hidden>{useLiveState()}</span>;
}

function WithLive({ children }: { children: ReactNode }) {
  const { api } = useSession();
  return (
    <LiveProvider api={api}>
      <LiveProbe />
      {children}
    </LiveProvider>
  );
}

export function renderLive(url: string, ui: ReactNode) {
  return renderWithServer(url, <WithLive>{ui}</WithLive>);
}
