// What the rest of observe reads of the guard: its last state for a model (the health summary shows
// its verdicts). The guard itself (guard.ts) writes it on every evaluation.
import type { Deps } from '../../deps.js';
import type { GuardState } from './guard.js';
import { readGuardState } from './guard-store.js';

export function findGuardState(deps: Deps, model: string): Promise<GuardState | null> {
  return readGuardState<GuardState>(deps.db, model);
}
