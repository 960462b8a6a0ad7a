// Approvals as a server module: routes plus the check that turns a transition into a request.
import type { Module } from '../../app.js';
import { addPromotionCheck } from '../gates/promotion-checks.js';
import { approvalCheck } from './approvals-service.js';
import { approvalsRoutes } from './approvals-routes.js';

export const approvalsModule: Module = (app, deps) => {
  addPromotionCheck(deps, approvalCheck);
  approvalsRoutes(app, deps);
};
