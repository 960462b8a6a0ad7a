// observe's public surface: all another extension may import from it (the dependency rules allow
// nothing else). A canary's policy analysis holds the candidate to the model's health policy with
// the guard's own measure and judge.
//
// Inside observe, one direction: metrics/ (the formulas, pure) <- records/ (segments, labels, codec,
// window counts) <- drift/, policies/ <- guard/ <- the routes, summaries and extension in this
// folder. A folder below never imports one above, and each calls the others' services, not their
// stores.
export { getPolicy } from './policies/policies-service.js';
export { judge, measure } from './guard/measure.js';
export { quantile } from './metrics/metrics.js';
