// The experiments module's public surface: what other extensions may import (promotion's drill gate
// and models-list summary). Everything else in src/experiments/ is internal. Promotion depends on
// experiments, never the other way round: a canary's promotion goes through the kernel's transition,
// which runs promotion's checks without experiments knowing them.
export { lastPassedDrills, passedDrill } from './drills/drills-service.js';
export { activeRolloutSummaries } from './rollouts-service.js';
export { runningShadowSummaries } from './shadow-service.js';
