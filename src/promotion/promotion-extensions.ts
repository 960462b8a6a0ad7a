// Promotion as extensions: validation gates and approvals are promotion checks the kernel runs
// before a version enters a serving stage; the summary is the UI's one-call view of both.
import type { Extension } from '../extension.js';
import { approvalsRoutes } from './approvals/approvals-routes.js';
import { approvalCheck } from './approvals/approval-check.js';
import { holdoutReferences } from './gates/gates-blob-references.js';
import { approvalsTransfer } from './approvals/approvals-transfer.js';
import { gatesRoutes } from './gates/gates-routes.js';
import { gatesTransfer } from './gates/gates-transfer.js';
import { gatesCheck, type GatesOptions } from './gates/gates-service.js';
import { promotionSummaryRoutes } from './summary/promotion-summary-routes.js';

/** `python`: the embedded gateway's interpreter, which the python-env gate checks (default: the config's). */
export function gatesExtension(opts: GatesOptions = {}): Extension {
  return { name: 'gates', promotionChecks: [gatesCheck(opts)], blobReferences: [holdoutReferences], modelTransfer: gatesTransfer, routes: (app, { deps }) => gatesRoutes(app, deps, opts) };
}

export function approvalsExtension(): Extension {
  return { name: 'approvals', promotionChecks: [approvalCheck], modelTransfer: approvalsTransfer, routes: (app, { deps }) => approvalsRoutes(app, deps) };
}

export function promotionSummaryExtension(): Extension {
  return { name: 'promotion-summary', routes: (app, { deps }) => promotionSummaryRoutes(app, deps) };
}
