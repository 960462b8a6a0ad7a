// The guard's last verdicts as Prometheus gauges, so a platform team can alert on them with the
// rules it already has (`stagecraft_guard_rule_verdict{verdict="fail"} == 1`) beside the webhooks.
// Read from the database at scrape time: the guard may run on another registry server (one holds
// the lease), and every server shows the same state.
import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../../db/tables.js';
import type { GuardState } from './guard.js';
import { listGuardStates } from './guard-store.js';

/** Gauges collected at the same moment (prom-client collects them concurrently) share one read. */
function sharedRead(db: Db) {
  let inflight: Promise<Array<{ model: string; state: GuardState }>> | null = null;
  return () =>
    (inflight ??= listGuardStates<GuardState>(db).finally(() => {
      inflight = null;
    }));
}

export function registerGuardGauges(registry: Registry, db: Db): void {
  const read = sharedRead(db);
  const ruleLabels = ['model', 'version', 'rule', 'metric'] as const;
  const value: Gauge<(typeof ruleLabels)[number]> = new Gauge({
    name: 'stagecraft_guard_rule_value',
    help: "The value the guard last measured for each rule of a model's health policy (absent when none could be computed)",
    labelNames: ruleLabels,
    registers: [registry],
    async collect() {
      value.reset();
      for (const { model, state } of await read()) {
        for (const r of state.results ?? []) if (r.value !== null) value.set({ model, version: String(state.version ?? ''), rule: String(r.rule), metric: r.metric }, r.value);
      }
    },
  });
  const verdict: Gauge<(typeof ruleLabels)[number] | 'verdict'> = new Gauge({
    name: 'stagecraft_guard_rule_verdict',
    help: 'The guard\'s last verdict per rule: 1 for the verdict it reached (pass, fail or inconclusive)',
    labelNames: [...ruleLabels, 'verdict'],
    registers: [registry],
    async collect() {
      verdict.reset();
      for (const { model, state } of await read()) {
        for (const r of state.results ?? []) verdict.set({ model, version: String(state.version ?? ''), rule: String(r.rule), metric: r.metric, verdict: r.verdict }, 1);
      }
    },
  });
  const status: Gauge<'model' | 'version' | 'status'> = new Gauge({
    name: 'stagecraft_guard_status',
    help: "The guard's last conclusion per model: 1 for its status (healthy, failing, inconclusive, cooling_down, idle)",
    labelNames: ['model', 'version', 'status'],
    registers: [registry],
    async collect() {
      status.reset();
      for (const { model, state } of await read()) status.set({ model, version: String(state.version ?? ''), status: state.status }, 1);
    },
  });
}
