// What the rest of observe reads of the retained predictions: rows, per-step counts and the bounded
// window counts the guard and the health summary compute their metrics from (../metrics/metrics.ts).
// The stores beside this file stay private to records/: how rows are kept (segments, the labels
// table, the side index) can change without its readers knowing.
import type { Deps } from '../../deps.js';
import type { ClassificationOptions, Confusion, RegressionSums } from '../metrics/metrics.js';
import { EVAL_ROW_CAP, labelShape, labelSources, regressionSums, requestCounts, requestLatencies, requestSources, windowConfusion, type LabelShape, type ReplicaShare, type Window } from './records-aggregates.js';
import { countRows, countsPerStep, firstRecords, lastRecordTime, queryRecords, type RecordQuery, type RecordRow, type StepCounts } from './records-store.js';

export type { RecordRow, ReplicaShare, StepCounts, Window };
export { EVAL_ROW_CAP };

/** Most recent first, capped (records-store.ts queryRecords). */
export const readRecords = (deps: Deps, q: RecordQuery): Promise<RecordRow[]> => queryRecords(deps.db, q);

/** The first rows a version served, oldest first: a reference profile built from early traffic. */
export const readFirstRecords = (deps: Deps, model: string, version: number, limit: number): Promise<RecordRow[]> => firstRecords(deps.db, model, version, limit);

/** When the version last served a request, or null if it never has. */
export const lastServedAt = (deps: Deps, model: string, version: number): Promise<number | null> => lastRecordTime(deps.db, model, version);

/** Exact request counts per version and step of [from, to). */
export const requestsPerStep = (deps: Deps, model: string, from: number, to: number, stepMs: number): Promise<StepCounts[]> => countsPerStep(deps.db, model, from, to, stepMs);

/** Rows (all outcomes) retained for the model in [from, to). */
export const rowCount = (deps: Deps, model: string, from: number, to: number): Promise<number> => countRows(deps.db, model, from, to);

/** Requests the model served in the window and how many of them failed in the model (newest EVAL_ROW_CAP). */
export const windowRequests = (deps: Deps, w: Window): Promise<{ requests: number; served: number; modelErrors: number; sheds: number }> => requestCounts(deps.db, w);

/** Latencies of the same requests. */
export const windowLatencies = (deps: Deps, w: Window): Promise<number[]> => requestLatencies(deps.db, w);

/** How many of the window's predictions are labeled, and how many distinct labels they have. */
export const windowLabels = (deps: Deps, w: Window): Promise<LabelShape> => labelShape(deps.db, w);

/** Binary confusion counts of the window's labeled predictions (metrics.ts's binary rule, in SQL). */
export const windowBinaryConfusion = (deps: Deps, w: Window, opts: ClassificationOptions): Promise<Confusion> => windowConfusion(deps.db, w, opts);

/** Error sums of the window's numeric labeled predictions. */
export const windowRegression = (deps: Deps, w: Window): Promise<RegressionSums> => regressionSums(deps.db, w);

/** Which gateway replicas served the window's requests, and how many each. */
export const windowReplicas = (deps: Deps, w: Window): Promise<ReplicaShare[]> => requestSources(deps.db, w);

/** Who sent the window's labels, and how many each. */
export const windowLabelSources = (deps: Deps, w: Window): Promise<Array<{ source: string | null; labels: number }>> => labelSources(deps.db, w);
