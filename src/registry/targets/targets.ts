// Serving targets: a stage or an alias of one model, named 'stage:<Stage>' or 'alias:<name>' in
// events, bindings and history. The pure rules; moves live in stages-service and aliases-service.
import type { TargetsTable } from './targets-store.js';

/** A target's revision row as stored (moves claim it conditionally: targets-store.ts). */
export type TargetRow = TargetsTable;

/** 'stage:Production' is { kind: 'stage', name: 'Production' }; 'alias:champion' is { kind: 'alias', name: 'champion' }. */
export function splitTarget(target: string): { kind: 'stage' | 'alias'; name: string } {
  const colon = target.indexOf(':');
  return { kind: target.slice(0, colon) === 'alias' ? 'alias' : 'stage', name: target.slice(colon + 1) };
}
