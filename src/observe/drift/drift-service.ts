// Reference profiles and drift of live traffic against them.
import type { Deps } from '../../deps.js';
import { invalid, notFound } from '../../errors.js';
import { commit, requireVersion } from '../../registry/index.js';
import { readFirstRecords, readRecords, type RecordRow } from '../records/records-service.js';
import type { DatasetDrift, FeatureDrift, Profile, Value } from './drift.js';
import { PREDICTION_FEATURE } from './prediction-feature.js';
import { findReference, writeReference } from './reference-store.js';

// The statistics (drift.ts and jstat) load on the first drift measured or reference set: a server
// that only serves never needs them (~2 MB of RSS, issue 18.6).
const statistics = () => import('./drift.js');

/** Columns of an uploaded reference that are not model inputs. */
const PREDICTION_COLUMNS = new Set(['prediction', '__prediction__']);
const LABEL_COLUMNS = new Set(['label', 'target', 'y']);
// Drift reads each row's features from its segment; 5,000 recent rows keep that read short and are plenty for KS, Wasserstein and JS.
export const DRIFT_ROW_CAP = 5000;

export interface ReferenceSummary {
  version: number;
  rows: number;
  source: string;
  created_at: string;
  /** Who set it (a token's name, or 'guard'); null when unknown. */
  created_by: string | null;
  features: Array<{ name: string; kind: string; count: number }>;
}

function summary(version: number, ref: { rows: number; source: string; created_at: number; created_by: string | null; profile: Profile }): ReferenceSummary {
  return {
    version,
    rows: ref.rows,
    source: ref.source,
    created_at: new Date(ref.created_at).toISOString(),
    created_by: ref.created_by,
    features: Object.entries(ref.profile).map(([name, p]) => ({ name, kind: p.kind, count: p.count })),
  };
}

export async function setReference(deps: Deps, actor: string, modelName: string, version: number, rows: Array<Record<string, Value>>, source: string): Promise<ReferenceSummary> {
  if (rows.length === 0) throw invalid('a reference needs at least one row');
  const inputs = rows.map((r) => {
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(r)) {
      if (PREDICTION_COLUMNS.has(k)) out[PREDICTION_FEATURE] = v;
      else if (!LABEL_COLUMNS.has(k)) out[k] = v;
    }
    return out;
  });
  const profile = (await statistics()).buildProfile(inputs);
  if (Object.keys(profile).length === 0) throw invalid('the reference has no feature values');
  const ref = { rows: rows.length, source, profile, created_at: deps.clock.now(), created_by: actor };
  await commit(deps, async (trx, append) => {
    const { model } = await requireVersion(trx, modelName, version);
    await writeReference(trx, modelName, version, ref);
    await append({ actor, type: 'version.reference_set', model, version, details: { rows: rows.length, source, features: Object.keys(profile) } });
  });
  return summary(version, ref);
}

export function recordInputs(rows: RecordRow[]): Array<Record<string, Value>> {
  return rows.map((r) => ({ ...(r.features ?? {}), [PREDICTION_FEATURE]: r.pred }));
}

/** A profile from the first N rows the version served (typically in Staging). */
export async function referenceFromTraffic(deps: Deps, actor: string, modelName: string, version: number, n: number): Promise<ReferenceSummary> {
  await requireVersion(deps.db, modelName, version);
  const rows = await readFirstRecords(deps, modelName, version, n);
  if (rows.length < n) throw invalid(`version ${version} of "${modelName}" has served ${rows.length} rows so far; ${n} are needed to build its reference`);
  return setReference(deps, actor, modelName, version, recordInputs(rows), `first ${n} requests`);
}

/**
 * The guard's automatic profile: a version without a reference gets one once it has served `n`
 * rows. Returns null while there are fewer, or when a reference exists (uploads always win).
 */
export async function ensureReferenceFromTraffic(deps: Deps, modelName: string, version: number, n: number): Promise<ReferenceSummary | null> {
  if (await findReference(deps.db, modelName, version)) return null;
  const rows = await readFirstRecords(deps, modelName, version, n);
  if (rows.length < n) return null;
  return setReference(deps, 'guard', modelName, version, recordInputs(rows), `first ${n} requests in Staging`);
}

export interface ReferenceOrigin {
  source: string;
  created_by: string | null;
  rows: number;
  created_at: string;
}

/** Where the version's reference profile came from and who set it (evidence names it), or null without one. */
export async function referenceOrigin(deps: Deps, modelName: string, version: number): Promise<ReferenceOrigin | null> {
  const ref = await findReference(deps.db, modelName, version);
  return ref && { source: ref.source, created_by: ref.created_by, rows: ref.rows, created_at: new Date(ref.created_at).toISOString() };
}

export async function getReference(deps: Deps, modelName: string, version: number): Promise<ReferenceSummary> {
  await requireVersion(deps.db, modelName, version);
  const ref = await findReference(deps.db, modelName, version);
  if (!ref) throw notFound(`version ${version} of "${modelName}" has no reference profile`);
  return summary(version, ref);
}

export interface VersionDrift extends DatasetDrift {
  version: number;
  rows: number;
  prediction: FeatureDrift | null;
}

/** Drift of a version's traffic in [from, to) against its reference; null without a reference. */
export async function measureDrift(deps: Deps, modelName: string, version: number, from: number, to: number, rows?: RecordRow[]): Promise<VersionDrift | null> {
  const ref = await findReference(deps.db, modelName, version);
  if (!ref) return null;
  const current = rows ?? (await readRecords(deps, { model: modelName, version, from, to, okOnly: true, limit: DRIFT_ROW_CAP }));
  const inputs = recordInputs(current);
  const predRef = ref.profile[PREDICTION_FEATURE];
  const { datasetDrift, featureDrift } = await statistics();
  return {
    version,
    rows: current.length,
    ...datasetDrift(ref.profile, inputs),
    prediction: predRef ? featureDrift('prediction', predRef, inputs.map((r) => r[PREDICTION_FEATURE] ?? null)) : null,
  };
}
