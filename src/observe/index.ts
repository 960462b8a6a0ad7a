// observe's public surface: all another extension may import from it (the dependency rules allow
// nothing else). A canary's policy analysis holds the candidate to the model's health policy with
// the guard's own measure and judge.
export { getPolicy } from './policies/policies-service.js';
export { judge, measure } from './guard/measure.js';
