// The gateway as a caller who may not read the model it names sees it (per-model grants): one that
// finds no model, so every answer (not served, not ready, no such version) is exactly the one for a
// model this gateway lacks — in each protocol's own shape, with nothing to tell the two apart.
import type { Gateway } from './gateway.js';

export function withoutModels(gateway: Gateway): Gateway {
  return Object.create(gateway, { find: { value: () => undefined } }) as Gateway;
}
