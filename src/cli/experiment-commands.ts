// stagecraft rollout start|status|pause|resume|abort|promote, shadow start|stop|report, drill —
// through the SDK's typed api client. Registered by promotionCommands.
import type { Command } from 'commander';
import { unwrap, type ApiClient, type OkBody } from '../../sdk/client.js';
import type { CliContext } from './cli-context.js';
import { stageArg } from './stage-arg.js';
import { resolveVersion, VERSION_HELP } from './version-arg.js';
import { CliError, EXIT } from './cli-errors.js';

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | null | undefined, unit = '') => (v === null || v === undefined ? '-' : `${Number(v.toPrecision(4))}${unit}`);

function positive(v: string, what: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new CliError(`${what} must be a positive number, not "${v}"`, EXIT.usage);
  return n;
}

type Rollout = OkBody<'/api/v1/models/{name}/rollout', 'get'>;
type Shadow = OkBody<'/api/v1/models/{name}/shadow', 'get'>;
type RolloutVerb = 'pause' | 'resume' | 'abort' | 'promote';

function printRollout(ctx: CliContext, r: Rollout): void {
  const out = ctx.out();
  out.fields([
    ['rollout', `${r.model} v${r.version} vs baseline v${r.baseline_version}`],
    ['status', r.status + (r.ended_reason ? ` (${r.ended_reason})` : '')],
    ['traffic', `${r.weight}% on v${r.version}`],
    ['steps', r.steps.map((s, i) => (i === r.step_index ? `[${s}]` : String(s))).join(' ') + ` every ${r.step_minutes} min`],
    ['sticky on', r.key_header ?? 'nothing (random per request)'],
  ]);
  if (r.analyses.length) {
    out.table(r.analyses, [
      { header: 'STEP', value: (a) => `${a.weight}%`, right: true },
      { header: 'OUTCOME', value: (a) => a.outcome },
      { header: 'CAND REQ', value: (a) => a.candidate.requests, right: true },
      { header: 'CAND ERR', value: (a) => pct(a.candidate.error_rate), right: true },
      { header: 'BASE ERR', value: (a) => pct(a.baseline.error_rate), right: true },
      { header: 'CAND P95', value: (a) => num(a.candidate.p95_ms, 'ms'), right: true },
      { header: 'BASE P95', value: (a) => num(a.baseline.p95_ms, 'ms'), right: true },
      { header: 'WHY', value: (a) => a.reasons.join('; ') },
    ]);
  }
}

/** One typed call per verb: each is its own route in the OpenAPI. */
function rolloutAction(api: ApiClient, verb: RolloutVerb, name: string, reason?: string) {
  const init = { params: { path: { name } }, body: { reason } };
  if (verb === 'pause') return api.POST('/api/v1/models/{name}/rollout/pause', init);
  if (verb === 'resume') return api.POST('/api/v1/models/{name}/rollout/resume', init);
  if (verb === 'abort') return api.POST('/api/v1/models/{name}/rollout/abort', init);
  return api.POST('/api/v1/models/{name}/rollout/promote', init);
}

function rolloutStart(rollout: Command, ctx: CliContext): void {
  rollout
    .command('start')
    .description('start a canary: send a growing share of traffic to a candidate version, step by step')
    .argument('<model>', 'the model')
    .requiredOption('--version <version>', `candidate version: ${VERSION_HELP}`)
    .option('--steps <list>', 'traffic share per step, percent', '10,25,50,100')
    .option('--step-minutes <m>', 'minutes per step before its analysis', '5')
    .option('--key-header <header>', 'sticky assignment by this request header (e.g. x-user-id)')
    .action(async (name: string, o: { version: string; steps: string; stepMinutes: string; keyHeader?: string }) => {
      const steps = o.steps.split(',').map((s) => Number(s.trim()));
      const body = { version: await resolveVersion(ctx.client(), name, o.version), steps, step_minutes: positive(o.stepMinutes, '--step-minutes'), key_header: o.keyHeader };
      const r = await unwrap(ctx.client().api.POST('/api/v1/models/{name}/rollout', { params: { path: { name } }, body }));
      ctx.out().result(r, () => printRollout(ctx, r));
    });
}

const ROLLOUT_VERBS = {
  pause: 'hold the rollout at its current step',
  resume: 'continue a paused rollout',
  abort: 'stop the rollout and send all traffic back to the serving version',
  promote: 'promote the candidate now, through the normal stage transition',
} as const;

function rolloutCommands(program: Command, ctx: CliContext): void {
  const rollout = program.command('rollout').description('canary rollouts judged by analysis at every step');
  rolloutStart(rollout, ctx);
  rollout
    .command('status')
    .description("the rollout's step, traffic share and latest analysis")
    .argument('<model>', 'the model')
    .action(async (name: string) => {
      const r = await unwrap(ctx.client().api.GET('/api/v1/models/{name}/rollout', { params: { path: { name } } }));
      ctx.out().result(r, () => printRollout(ctx, r));
    });
  for (const verb of ['pause', 'resume', 'abort', 'promote'] as const) {
    rollout
      .command(verb)
      .description(ROLLOUT_VERBS[verb])
      .argument('<model>', 'the model')
      .option('--reason <reason>', 'recorded in the audit log')
      .action(async (name: string, o: { reason?: string }) => {
        const r = await unwrap(rolloutAction(ctx.client().api, verb, name, o.reason));
        ctx.out().result(r, () => printRollout(ctx, r));
      });
  }
}

function printShadow(ctx: CliContext, s: Shadow): void {
  const r = s.report;
  ctx.out().fields([
    ['shadow', `${s.model} v${s.version} vs serving v${s.serving_version ?? '-'} at ${s.percent}% (${s.status})`],
    ['mirrored', r ? `${r.mirrored_requests} requests, ${r.compared_rows} rows compared, ${r.dropped_requests} dropped` : 'nothing yet'],
    ['candidate errors', r ? `${r.candidate_errors} (${pct(r.candidate_error_rate)})` : '-'],
    ['candidate latency', r ? `p50 ${num(r.candidate_latency_p50_ms, 'ms')}, p95 ${num(r.candidate_latency_p95_ms, 'ms')}` : '-'],
    ['agreement', r ? pct(r.agreement_rate) : '-'],
    ['mean abs diff', r ? num(r.mean_abs_diff) : '-'],
    ['KS distance', r ? num(r.ks_distance) : '-'],
  ]);
}

function shadowStart(shadow: Command, ctx: CliContext): void {
  shadow
    .command('start')
    .description("mirror a share of the model's requests to a candidate version, off the response path")
    .argument('<model>', 'the model')
    .requiredOption('--version <version>', `the candidate version: ${VERSION_HELP}`)
    .requiredOption('--percent <p>', 'share of requests mirrored')
    .option('--regression', 'compare as regression (default classification)')
    .action(async (name: string, o: { version: string; percent: string; regression?: boolean }) => {
      const body = { version: await resolveVersion(ctx.client(), name, o.version), percent: positive(o.percent, '--percent'), task: o.regression ? ('regression' as const) : ('classification' as const) };
      const s = await unwrap(ctx.client().api.POST('/api/v1/models/{name}/shadow', { params: { path: { name } }, body }));
      ctx.out().result(s, () => ctx.out().line(`Shadowing ${s.percent}% of ${name}'s requests to v${s.version} (serving v${s.serving_version ?? '-'})`));
    });
}

function shadowCommands(program: Command, ctx: CliContext): void {
  const shadow = program.command('shadow').description('mirror requests to a candidate off the response path and compare');
  shadowStart(shadow, ctx);
  shadow
    .command('report')
    .description("how the candidate's answers compare with the serving version's so far")
    .argument('<model>', 'the model')
    .action(async (name: string) => {
      const s = await unwrap(ctx.client().api.GET('/api/v1/models/{name}/shadow', { params: { path: { name } } }));
      ctx.out().result(s, () => printShadow(ctx, s));
    });
  shadow
    .command('stop')
    .description('stop mirroring')
    .argument('<model>', 'the model')
    .option('--reason <reason>', 'recorded in the audit log')
    .action(async (name: string, o: { reason?: string }) => {
      const s = await unwrap(ctx.client().api.POST('/api/v1/models/{name}/shadow/stop', { params: { path: { name } }, body: { reason: o.reason } }));
      ctx.out().result(s, () => printShadow(ctx, s));
    });
}

function drillCommand(program: Command, ctx: CliContext): void {
  program
    .command('drill')
    .description('rehearse a rollback in Staging: promote a candidate, roll back, measure both switches')
    .argument('<model>')
    .option('--stage <stage>', 'the stage to drill: only Staging', stageArg, 'Staging')
    .option('--version <version>', `candidate: ${VERSION_HELP} (default: newest READY version in no stage)`)
    .action(async (name: string, o: { stage: string; version?: string }) => {
      const body = { stage: o.stage, version: o.version ? await resolveVersion(ctx.client(), name, o.version) : undefined };
      const d = await unwrap(ctx.client().api.POST('/api/v1/models/{name}/drills', { params: { path: { name } }, body }));
      ctx.out().result(d, () => {
        ctx.out().fields([
          ['drill', `${d.model} ${d.stage}: v${d.previous_version} -> v${d.candidate_version} -> v${d.previous_version}`],
          ['result', d.passed ? 'PASSED' : `FAILED: ${d.problems.join('; ')}`],
          ['to candidate', `${num(d.to_candidate.ms, 'ms')}, ${d.to_candidate.failed_probes}/${d.to_candidate.probes} probes failed`],
          ['rollback', `${num(d.back_to_previous.ms, 'ms')}, ${d.back_to_previous.failed_probes}/${d.back_to_previous.probes} probes failed`],
          ['replicas', d.to_candidate.replicas ? `${d.to_candidate.replicas.length} checked` : 'not bound to this stage (probed the in-process gateway)'],
        ]);
      });
      if (!d.passed) ctx.exitCode = EXIT.refused;
    });
}

export function experimentCommands(program: Command, ctx: CliContext): void {
  rolloutCommands(program, ctx);
  shadowCommands(program, ctx);
  drillCommand(program, ctx);
}
