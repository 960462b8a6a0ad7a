// Validation gates as a server module: routes plus the check every promotion consults.
import type { Module } from '../../app.js';
import { gatesRoutes } from './gates-routes.js';
import { gatesCheck } from './gates-service.js';
import { addPromotionCheck } from './promotion-checks.js';

export const gatesModule: Module = (app, deps) => {
  addPromotionCheck(deps, gatesCheck);
  gatesRoutes(app, deps);
};
