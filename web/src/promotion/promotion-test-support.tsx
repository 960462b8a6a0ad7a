// For the promotion component tests: a real registry with the serving gateway and the safe-promotion
// modules, listening on 127.0.0.1:0, and the page's change feed around the rendered component.
import type { AddressInfo } from 'node:net';
import type { ReactNode } from 'react';
import { afterAll, beforeAll } from 'vitest';
import { useRegistry, type DbKind, type Registry } from '../../../test/databases';
import { LiveProvider, useLiveState } from '../lib/live';
import { useSession } from '../lib/session';
import { renderWithServer } from '../test-support';
import { serverExtensions } from '../../../src/server';
import type { ServingExtension } from '../../../src/serving/serving-extension';

export type PromotionRegistry = Registry & {
  url: string;
  gateway: ServingExtension['gateway'];
  /** Run the rollout analysis now (no timer in tests). */
  tick: () => Promise<void>;
  /** Move the registry's clock forward, e.g. past a rollout step. */
  advance: (ms: number) => void;
};

export function usePromotionRegistry(kind: DbKind): PromotionRegistry {
  // tickMs 0: no background analysis, so a rollout stays exactly where the test put it.
  let offset = 0;
  const clock = { now: () => Date.now() + offset };
  // Worker-thread runtimes (offThreadBytes 0): onnxruntime-node refuses jsdom's typed arrays (another
  // realm), and a worker is plain Node, as in the server.
  const ext = serverExtensions({ serving: { gateway: { offThreadBytes: 0 } }, experiments: { tickMs: 0 } });
  const r = useRegistry(kind, { overrides: { clock }, extensions: ext.pick('serving', 'gates', 'approvals', 'experiments', 'drills', 'summary') }) as PromotionRegistry;
  r.gateway = () => ext.serving.gateway();
  r.tick = () => ext.experiments.tick();
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
