// The model's health-policy rules (error rate, latency, accuracy/recall from feedback, drift)
// measured for candidate and baseline over the same step window, with the guard's own measure and
// judge — so a canary is held to the same rules that would roll it back once in Production.
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { getPolicy, judge, measure } from '../observe/index.js';

export interface PolicyCheck {
  metric: string;
  verdict: 'pass' | 'fail' | 'inconclusive';
  candidate: number | null;
  baseline: number | null;
  samples: number;
  detail: string;
}

export async function policyAnalysis(deps: Deps, model: string, candidate: number, baseline: number, windowFromWall: number): Promise<PolicyCheck[]> {
  let policy;
  try {
    policy = await getPolicy(deps, model);
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return [];
    throw err;
  }
  // Records are timed by the gateways' wall clocks; the window is this step's.
  const end = Date.now();
  const windowSeconds = Math.max(1, (end - windowFromWall) / 1000);
  const out: PolicyCheck[] = [];
  for (const [i, rule] of policy.rules.entries()) {
    if (rule.dry_run) continue;
    const r = { ...rule, window_seconds: windowSeconds };
    const b = await measure(deps, model, baseline, r, end);
    const c = await measure(deps, model, candidate, r, end);
    // The comparison point is the baseline serving the same window, not the previous Production.
    const v = judge(r, i, c, b.value);
    out.push({ metric: rule.metric, verdict: v.verdict, candidate: c.value, baseline: b.value, samples: c.samples, detail: v.detail });
  }
  return out;
}
