// Whose data a guard verdict rests on, for its evidence: the gateway replicas that served the
// window's requests (each observation is tied to the replica that sent it), for a label metric who
// sent the labels and which of them counted, for a drift metric who set the reference profile.
// A person reading a rollback can tell a fleet-wide failure from one replica's reports, and labels
// from a trusted labeler from anyone's.
import type { Deps } from '../../deps.js';
import { referenceOrigin, type ReferenceOrigin } from '../drift/drift-service.js';
import { LABEL_METRICS, type Policy, type Rule } from '../policies/policies.js';
import { windowLabelSources, windowReplicas, type ReplicaShare } from '../records/records-service.js';

export interface EvidenceSources {
  /** Requests each replica served in the window (null replica: kept before sources were recorded). */
  replicas: ReplicaShare[];
  /** Label metrics: labels per sender, and whether the policy counted them. */
  labels?: Array<{ source: string | null; labels: number; counted: boolean }>;
  /** Drift metrics: the reference profile the traffic was compared with, and who set it. */
  reference?: ReferenceOrigin | null;
}

export async function evidenceSources(deps: Deps, policy: Policy, version: number, rule: Rule, end: number): Promise<EvidenceSources> {
  const w = { model: policy.model, version, from: end - rule.window_seconds * 1000, to: end + 1 };
  const out: EvidenceSources = { replicas: await windowReplicas(deps, w) };
  if (LABEL_METRICS.has(rule.metric)) {
    const named = policy.label_sources;
    out.labels = (await windowLabelSources(deps, w)).map((l) => ({ ...l, counted: !named || (l.source !== null && named.includes(l.source)) }));
  }
  if (rule.metric === 'drift_share' || rule.metric.startsWith('psi:')) {
    out.reference = await referenceOrigin(deps, policy.model, version);
  }
  return out;
}
