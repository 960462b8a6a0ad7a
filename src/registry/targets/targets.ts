// Serving targets: a stage or an alias of one model, named 'stage:<Stage>' or 'alias:<name>' in
// events, bindings and history. The pure rules; moves live in stages-service and aliases-service.
// The targets table's types (declared beside its store, where moves claim revisions conditionally)
// come with this module wherever it is used.
import type {} from './targets-store.js';

/** 'stage:Production' is { kind: 'stage', name: 'Production' }; 'alias:champion' is { kind: 'alias', name: 'champion' }. */
export function splitTarget(target: string): { kind: 'stage' | 'alias'; name: string } {
  const colon = target.indexOf(':');
  return { kind: target.slice(0, colon) === 'alias' ? 'alias' : 'stage', name: target.slice(colon + 1) };
}
