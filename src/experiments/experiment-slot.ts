// One experiment per model, defined once: a canary split and a shadow mirror are both the slot's
// one traffic policy on every gateway, so a model runs at most one of them at a time. Starting
// either calls this inside the transaction that inserts it.
import type { Db } from '../db/tables.js';
import { conflict } from '../errors.js';
import { activeRollout } from './rollouts-store.js';
import { runningShadow } from './shadow-store.js';

/** Refuses to start a `kind` experiment while the model runs one (its own kind named first). */
export async function requireFreeExperimentSlot(db: Db, model: { id: string; name: string }, kind: 'canary' | 'shadow'): Promise<void> {
  const rollout = async () => !!(await activeRollout(db, model.id));
  const shadow = async () => !!(await runningShadow(db, model.id));
  if (kind === 'canary') {
    if (await rollout()) throw conflict(`"${model.name}" already has a rollout in progress; abort or finish it first`);
    if (await shadow()) throw conflict(`"${model.name}" has a shadow running; stop it before a canary (one experiment at a time)`);
  } else {
    if (await shadow()) throw conflict(`"${model.name}" already has a shadow running; stop it first`);
    if (await rollout()) throw conflict(`"${model.name}" has a canary rollout in progress; one experiment at a time`);
  }
}
