// Promotion as extensions: validation gates and approvals are promotion checks the kernel runs
// before a version enters a serving stage; the summary is the UI's one-call view of both.
import type { Extension } from '../extension.js';
import { approvalsRoutes } from './approvals/approvals-routes.js';
import { approvalCheck } from './approvals/approvals-service.js';
import { gatesRoutes } from './gates/gates-routes.js';
import { gatesCheck } from './gates/gates-service.js';
import { promotionSummaryRoutes } from './summary/promotion-summary-routes.js';

export function gatesExtension(): Extension {
  return { name: 'gates', promotionChecks: [gatesCheck], routes: (app, { deps }) => gatesRoutes(app, deps) };
}

export function approvalsExtension(): Extension {
  return { name: 'approvals', promotionChecks: [approvalCheck], routes: (app, { deps }) => approvalsRoutes(app, deps) };
}

export function promotionSummaryExtension(): Extension {
  return { name: 'promotion-summary', routes: (app, { deps }) => promotionSummaryRoutes(app, deps) };
}
