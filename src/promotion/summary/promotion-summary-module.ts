// The models list's promotion badges: GET /api/v1/promotions.
import type { Module } from '../../app.js';
import { promotionSummaryRoutes } from './promotion-summary-routes.js';

export const promotionSummaryModule: Module = (app, deps) => promotionSummaryRoutes(app, deps);
