// The guard: evaluates every model's health policy on its interval and, when a rule fails
// failure_limit times in a row, rolls back through the same rollback service a person uses (actor
// "guard", the reason naming rule, measured value, bound and sample count). Inconclusive results
// (too few samples, too little label coverage) are reported and never acted on. A version that
// stays healthy through its watch window is marked stable. One lease row makes exactly one guard
// act when several servers share a PostgreSQL database. tick(now) is the whole loop body, so
// tests drive it with an injected clock.
import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { ensureReferenceFromTraffic } from '../drift/drift-service.js';
import { commit, getModel, GUARD_CANDIDATES, listEvents, loadVersionView, markHealth, requireModel, rollback } from '../../registry/index.js';
import { previousHolders } from '../../registry/index.js';
import { describeBound, type Policy, type Rule } from '../policies/policies.js';
import { listPolicies } from '../policies/policies-service.js';
import { acquireLease, readGuardState, releaseLease, writeGuardState } from './guard-store.js';
import { evidenceSources } from './evidence-sources.js';
import { baselineValue, judge, measure, type RuleResult } from './measure.js';

export const GUARD_LEASE = 'guard';

export interface GuardState {
  version: number | null;
  failures: number[];
  next_due: number;
  cooldown_until: number;
  last_evaluated: number | null;
  results: RuleResult[];
  /** What the last evaluation concluded: healthy, failing, inconclusive, cooling_down, idle. */
  status: string;
}

export interface GuardOptions {
  /** Identifies this server in the lease. */
  holder: string;
  /** Lease lifetime; another server takes over this long after this one stops renewing. */
  leaseMs?: number;
  /** How often the background timer calls tick() (default 1 s; each model keeps its own interval; 0 = no timer). */
  tickMs?: number;
}

export interface TickReport {
  leader: boolean;
  evaluated: string[];
  rollbacks: Array<{ model: string; from_version: number; to_version: number; reason: string }>;
}

const emptyState = (): GuardState => ({ version: null, failures: [], next_due: 0, cooldown_until: 0, last_evaluated: null, results: [], status: 'idle' });

function reasonFor(rule: Rule, r: RuleResult): string {
  const value = r.value === null ? 'n/a' : Number(r.value.toPrecision(4));
  const bound = rule.max_drop !== null ? `>= ${Number((r.bound.min ?? 0).toPrecision(4))} (max_drop ${rule.max_drop} from v-previous ${r.baseline})` : describeBound(rule);
  const samples = r.label_coverage !== null ? `${r.samples} labeled samples, coverage ${r.label_coverage.toFixed(2)}` : `${r.samples} samples`;
  return `guard rule ${r.rule + 1} (${rule.metric} ${bound}) failed: measured ${value} over ${samples} in the last ${rule.window_seconds}s`;
}

export class Guard {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<TickReport> | null = null;

  constructor(
    private readonly deps: Deps,
    private readonly opts: GuardOptions,
  ) {}

  start(): void {
    if (this.opts.tickMs === 0) return; // driven by tick() alone (tests, benchmarks)
    this.timer = setInterval(() => void this.tick(this.deps.clock.now()).catch((err) => this.deps.log.error({ err }, 'guard tick failed')), this.opts.tickMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
    await releaseLease(this.deps.db, GUARD_LEASE, this.opts.holder).catch(() => {});
  }

  /** One pass: take the lease, then evaluate every policy that is due. Overlapping calls share one pass. */
  tick(now: number): Promise<TickReport> {
    if (!this.running) this.running = this.pass(now).finally(() => (this.running = null));
    return this.running;
  }

  private async pass(now: number): Promise<TickReport> {
    const report: TickReport = { leader: false, evaluated: [], rollbacks: [] };
    const { db, caps } = this.deps;
    report.leader = await acquireLease(db, GUARD_LEASE, this.opts.holder, now, this.opts.leaseMs ?? 30_000, caps.isUniqueViolation);
    if (!report.leader) return report;
    for (const policy of await listPolicies(this.deps)) {
      try {
        await this.evaluateModel(policy, now, report);
      } catch (err) {
        this.deps.log.error({ err, model: policy.model }, 'guard: evaluating the policy failed');
      }
    }
    return report;
  }

  private async evaluateModel(policy: Policy, now: number, report: TickReport): Promise<void> {
    const state = (await readGuardState<GuardState>(this.deps.db, policy.model)) ?? emptyState();
    if (now < state.next_due) return;
    state.next_due = now + policy.interval_seconds * 1000;
    report.evaluated.push(policy.model);
    const model = await getModel(this.deps, policy.model).catch(() => null);
    const staging = model?.stages.Staging ?? null;
    const refRows = policy.reference_requests ?? 1000;
    if (staging !== null && refRows > 0) await ensureReferenceFromTraffic(this.deps, policy.model, staging, refRows);
    const version = model?.stages.Production ?? null;
    if (version === null) {
      Object.assign(state, { version: null, status: 'idle', results: [], failures: [] });
      return this.save(policy.model, state, now);
    }
    if (state.version !== version) Object.assign(state, { version, failures: policy.rules.map(() => 0) });
    state.last_evaluated = now;
    const previous = await this.previousProduction(policy.model, version);
    state.results = [];
    for (const [i, rule] of policy.rules.entries()) {
      const m = await measure(this.deps, policy.model, version, rule, now, policy.label_sources);
      const baseline = rule.max_drop !== null && previous !== null ? ((await baselineValue(this.deps, policy.model, previous, rule, policy.label_sources))?.value ?? null) : null;
      const r = judge(rule, i, m, baseline);
      state.results.push(r);
      // Inconclusive neither counts as a failure nor clears earlier ones.
      if (r.verdict === 'fail') state.failures[i] = (state.failures[i] ?? 0) + 1;
      if (r.verdict === 'pass') state.failures[i] = 0;
    }
    const failing = policy.rules.map((rule, i) => ({ rule, r: state.results[i], n: state.failures[i] ?? 0 })).filter((x) => x.r.verdict === 'fail' && x.n >= x.rule.failure_limit);
    state.status = failing.length ? 'failing' : state.results.some((r) => r.verdict === 'inconclusive') ? 'inconclusive' : 'healthy';
    if (now < state.cooldown_until) state.status = failing.length ? 'cooling_down' : state.status;
    else await this.act(policy, version, failing, state, now, report);
    if (state.status === 'healthy') await this.maybeStable(policy, version, now);
    await this.save(policy.model, state, now);
  }

  private async act(policy: Policy, version: number, failing: Array<{ rule: Rule; r: RuleResult; n: number }>, state: GuardState, now: number, report: TickReport): Promise<void> {
    for (const { rule, r, n } of failing) {
      const reason = reasonFor(rule, r);
      // Whose data this is: the replicas that served the window, who sent the labels, who set the reference.
      const sources = await evidenceSources(this.deps, policy, version, rule, now);
      const evidence = { rule: { index: r.rule, ...rule }, measured: r.value, bound: r.bound, baseline: r.baseline, samples: r.samples, label_coverage: r.label_coverage, label_sources: policy.label_sources, window_seconds: rule.window_seconds, consecutive_failures: n, evaluated_at: new Date(now).toISOString(), sources };
      if (rule.dry_run || rule.action === 'alert') {
        if (n === rule.failure_limit) await this.alert(policy.model, version, reason, { ...evidence, dry_run: rule.dry_run });
        continue;
      }
      try {
        const res = await rollback(this.deps, 'guard', policy.model, { stage: 'Production', from_version: version, reason, evidence }, {}, { candidates: GUARD_CANDIDATES, automatic: true });
        report.rollbacks.push({ model: policy.model, from_version: res.from_version, to_version: res.to_version, reason });
        this.deps.log.warn({ model: policy.model, from: res.from_version, to: res.to_version }, reason);
      } catch (err) {
        // No earlier good version, or someone moved Production first: say so, don't retry at once.
        if (!(err instanceof AppError)) throw err;
        await this.alert(policy.model, version, `${reason}; rollback refused: ${err.message}`, evidence);
      }
      state.cooldown_until = now + policy.cooldown_seconds * 1000;
      state.failures = policy.rules.map(() => 0);
      return;
    }
  }

  private async alert(modelName: string, version: number, reason: string, details: Record<string, unknown>): Promise<void> {
    await commit(this.deps, async (trx, append) => {
      const model = await requireModel(trx, modelName);
      await append({ actor: 'guard', type: 'guard.alert', model, version, reason, details });
    });
  }

  private async previousProduction(modelName: string, current: number): Promise<number | null> {
    const model = await requireModel(this.deps.db, modelName);
    return (await previousHolders(this.deps.db, model.id, 'stage:Production', current))[0] ?? null;
  }

  /** Healthy through the whole watch window since its promotion: mark the version stable, once. */
  private async maybeStable(policy: Policy, version: number, now: number): Promise<void> {
    const view = await loadVersionView(this.deps.db, policy.model, version);
    if (view.health !== 'unknown') return;
    const model = await requireModel(this.deps.db, policy.model);
    const promoted = (await listEvents(this.deps, { modelId: model.id, types: ['version.stage_changed'], targets: ['stage:Production'], limit: 1 })).events[0];
    if (!promoted || promoted.version !== version) return;
    if (now - promoted.time_ms < policy.watch_minutes * 60_000) return;
    await markHealth(this.deps, 'guard', policy.model, version, 'stable', `healthy through its ${policy.watch_minutes}-minute watch window`, {});
  }

  private save(model: string, state: GuardState, now: number): Promise<void> {
    return writeGuardState(this.deps.db, model, state, now);
  }
}
