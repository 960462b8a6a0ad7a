// Use cases for bindings: set (audited, through commit so gateways follow it), read, and the serving
// snapshot a gateway boots from before it follows the change feed.
import type { Deps } from '../../deps.js';
import type { Db } from '../../db/tables.js';
import { notFound } from '../../errors.js';
import { commit, currentHolder, lastEventId, requireModel, servingPointers, type RegistryEvent } from '../../registry/index.js';
import { parseBindingInput, splitBinding, type BindingInput } from './bindings.js';
import { allBindings, DEFAULT_BINDING, findBinding, writeBinding } from './bindings-store.js';

export interface BindingView {
  model: string;
  binding: string;
  /** The version the binding resolves to now; null when nothing holds the target. */
  target_version: number | null;
}

/** The version a binding points at now, read from the registry (not the gateway's memory). */
export async function resolveBinding(db: Db, modelId: string, binding: string): Promise<number | null> {
  splitBinding(binding); // refuses a malformed binding
  // A binding names a serving target: it resolves to whatever holds that target now.
  return currentHolder(db, modelId, binding);
}

export async function getBinding(deps: Deps, modelName: string): Promise<BindingView> {
  const model = await requireModel(deps.db, modelName);
  const binding = await findBinding(deps.db, model.id);
  return { model: model.name, binding, target_version: await resolveBinding(deps.db, model.id, binding) };
}

export async function setBinding(deps: Deps, actor: string, modelName: string, input: BindingInput & { reason?: string }): Promise<BindingView> {
  const binding = parseBindingInput(input);
  await commit(deps, async (trx, append) => {
    const model = await requireModel(trx, modelName);
    const { kind, name } = splitBinding(binding);
    // Binding to an alias nobody set would serve nothing: refuse it rather than go dark.
    if (kind === 'alias' && (await currentHolder(trx, model.id, binding)) === null) {
      throw notFound(`model "${modelName}" has no alias "${name}"; set it first (PUT /api/v1/models/${modelName}/aliases/${name})`);
    }
    const before = await findBinding(trx, model.id);
    if (before === binding) return;
    await writeBinding(trx, model.id, binding, deps.clock.now());
    await append({ actor, type: 'binding.changed', model, target: 'binding', from: before, to: binding, reason: input.reason ?? null });
  });
  return getBinding(deps, modelName);
}

export interface ModelPointersDto {
  name: string;
  binding: string;
  /** Live versions per serving stage, highest first. */
  stages: Record<string, number[]>;
  aliases: Record<string, number>;
}

export interface ServingSnapshotDto {
  /** Every event up to this id is reflected; replay events after it (replaying more is harmless). */
  event_id: number;
  models: ModelPointersDto[];
  /** Over HTTP only: events restoring the traffic splits in force (see bindings-routes). */
  traffic?: RegistryEvent[];
}

/** Everything a gateway needs to route: per live model its binding, serving-stage members and aliases. */
export async function servingSnapshot(db: Db): Promise<ServingSnapshotDto> {
  // Read the event position first: anything committed after it is replayed by the follower, and
  // every pointer change is an absolute "set", so seeing it twice is harmless.
  const eventId = await lastEventId(db);
  const pointers = await servingPointers(db);
  const bindings = await allBindings(db);
  const models = pointers.map((p): ModelPointersDto => ({ name: p.name, binding: bindings.get(p.id) ?? DEFAULT_BINDING, stages: p.stages, aliases: p.aliases }));
  return { event_id: eventId, models };
}
