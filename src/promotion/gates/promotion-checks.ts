// Adds a promotion check to deps.beforePromotion (consulted by transitionStage). Idempotent, so
// building two apps on one Deps (tests, the standalone gateway) never runs a check twice.
import type { Deps } from '../../deps.js';
import type { PromotionCheck } from '../../registry/targets/stages-service.js';

export function addPromotionCheck(deps: Deps, check: PromotionCheck): void {
  deps.beforePromotion ??= [];
  if (!deps.beforePromotion.some((c) => c.name === check.name)) deps.beforePromotion.push(check);
}
