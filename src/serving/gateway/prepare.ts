// A replica's share of prepare, commit, confirm (registry/targets/phases.ts): asked by a
// `move.prepare` event, it loads and warms the destination beside what it serves (a warm standby
// is ready at once) and answers — ready, or why not. It does not flip: the pointer moves only when
// the registry commits, and the move's events then find the destination warm.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../log.js';
import type { RegistryEvent } from '../../registry/index.js';
import type { LoadedVersion, ModelSlot } from './model-slot.js';
import type { GatewaySource } from './source.js';

/** What preparing needs of the gateway (gateway.ts calls this; an interface keeps the import one way). */
export interface PreparingGateway {
  readonly options: { replicaId: string };
  readonly source: Pick<GatewaySource, 'prepared'>;
  find(name: string): ModelSlot | undefined;
  ensureLoaded(slot: ModelSlot, version: number): Promise<LoadedVersion>;
}

interface PrepareRequest {
  prepare_id?: string;
  replicas?: string[];
  deadline_ms?: number;
}

/** When a move's event does not say its deadline: the registry's default. */
const DEFAULT_DEADLINE_MS = 10_000;

export async function prepareForMove(gateway: PreparingGateway, e: RegistryEvent, log: Logger): Promise<void> {
  const { prepare_id: prepareId, replicas, deadline_ms: deadlineMs } = e.details as PrepareRequest;
  const replicaId = gateway.options.replicaId;
  // Only the replicas the registry waits for answer: another one prepares at its next move anyway.
  if (!prepareId || !replicas?.includes(replicaId) || e.model === null || e.version === null) return;
  const t0 = performance.now();
  let reason: string | null = null;
  const slot = gateway.find(e.model);
  if (!slot) reason = `does not serve "${e.model}"`;
  else if (slot.pointers.binding !== e.target) reason = `serves ${slot.pointers.binding} of "${e.model}", not ${e.target}`;
  else {
    try {
      const lv = await gateway.ensureLoaded(slot, e.version);
      // Kept until the move's deadline: a short standby window or memory pressure must not release
      // it while the other replicas prepare, before the commit arrives (standby.ts).
      lv.lastActive = Date.now();
      lv.preparedUntil = Math.max(lv.preparedUntil ?? 0, lv.lastActive + (deadlineMs ?? DEFAULT_DEADLINE_MS));
    } catch (err) {
      reason = `version ${e.version} cannot be loaded: ${(err as Error).message}`;
    }
  }
  const ms = Math.round((performance.now() - t0) * 10) / 10;
  log.info({ model: e.model, version: e.version, target: e.target, ready: reason === null, ms }, 'gateway prepared a move');
  try {
    await gateway.source.prepared({ prepare_id: prepareId, replica_id: replicaId, ready: reason === null, reason, ms });
  } catch (err) {
    log.warn({ err: (err as Error).message, prepare: prepareId }, 'gateway could not answer a prepare');
  }
}
