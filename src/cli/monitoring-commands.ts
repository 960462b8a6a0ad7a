// stagecraft policies set|show|delete, health, drift (and, from their own files, reference,
// feedback and webhooks), through the SDK's typed api client.
import type { Command } from 'commander';
import YAML from 'yaml';
import { unwrap } from '../../sdk/client.js';
import { serverNumber } from './cli-args.js';
import { MODEL_OR_URI_HELP, VERSION_OR_URI_HELP, versionTarget } from './version-arg.js';
import type { CliContext } from './cli-context.js';
import { readYaml } from './cli-files.js';
import type { Output } from './cli-io.js';
import type { DriftReport, FeatureDrift, VersionHealth } from './monitoring-views.js';
import { referenceCommands } from './reference-commands.js';
import { shortTime } from './table.js';
import { webhooksCommands } from './webhooks-commands.js';
import { addExamples } from './help-examples.js';

const fmt = (v: unknown) => (v === null || v === undefined ? '-' : typeof v === 'number' ? String(Number(v.toPrecision(4))) : String(v));
const QUALITY = ['accuracy', 'precision', 'recall', 'f1', 'mae', 'rmse'];

function policiesCommands(program: Command, ctx: CliContext): void {
  const policies = program.command('policies').description('health policies the guard enforces (one per model)');
  policies
    .command('set')
    .description('set a model\'s policy from a YAML (or JSON) file')
    .argument('<model>')
    .argument('<file>')
    .action(async (name: string, file: string) => {
      const body = await readYaml(file);
      const policy = await unwrap(ctx.client().api.PUT('/api/v1/models/{name}/policy', { params: { path: { name } }, body }));
      ctx.out().result(policy, () => ctx.out().line(`Policy for ${name} set: ${policy.rules.length} rule(s), evaluated every ${policy.interval_seconds}s`));
    });
  policies
    .command('show')
    .description("print a model's policy as YAML")
    .argument('<model>')
    .action(async (name: string) => {
      const policy = await unwrap(ctx.client().api.GET('/api/v1/models/{name}/policy', { params: { path: { name } } }));
      ctx.out().result(policy, () => ctx.io.stdout.write(YAML.stringify(policy)));
    });
  policies
    .command('delete')
    .description("remove a model's policy (the guard stops watching it)")
    .argument('<model>')
    .action(async (name: string) => {
      await unwrap(ctx.client().api.DELETE('/api/v1/models/{name}/policy', { params: { path: { name } } }));
      ctx.out().result({ model: name, deleted: true }, () => ctx.out().line(`Policy for ${name} removed`));
    });
}

function healthCommand(program: Command, ctx: CliContext): void {
  program
    .command('health')
    .description("a version's health: traffic, errors, latency, quality with label coverage, drift, the guard's verdicts")
    .argument('<model>', MODEL_OR_URI_HELP)
    .argument('[version]', VERSION_OR_URI_HELP)
    .option('--window <seconds>', 'window to summarise', '3600')
    .action(async (modelOrUri: string, ref: string | undefined, o: { window: string }) => {
      const { model: name, version } = await versionTarget(ctx.client(), modelOrUri, ref);
      const params = { path: { name, version }, query: { window_seconds: serverNumber(o.window) } };
      // The route's OpenAPI names only model, version and health; the rest is read as VersionHealth.
      const h = (await unwrap(ctx.client().api.GET('/api/v1/models/{name}/versions/{version}/monitoring', { params }))) as VersionHealth;
      ctx.out().result(h, () => printHealth(ctx.out(), h));
    });
}

function printHealth(out: Output, h: VersionHealth): void {
  const actions = h.guard_actions ?? [];
  out.fields([
    ['version', `${h.model} v${h.version} (${h.stage}, health ${h.health}${h.health_reason ? `: ${h.health_reason}` : ''})`],
    ['window', `${h.window_seconds}s`],
    ['requests', `${h.requests} answered or failed by the model (caller errors not counted)`],
    ['error rate', fmt(h.error_rate)],
    ['p99 latency', h.latency_p99_ms === null ? '-' : `${fmt(h.latency_p99_ms)} ms`],
    ['labels', `${h.quality.labeled} labeled predictions (coverage ${fmt(h.quality.label_coverage)})`],
    // A metric the version's task does not have is absent (undefined), not null: shown as '-'.
    ['quality', QUALITY.filter((k) => h.quality[k] !== null).map((k) => `${k} ${fmt(h.quality[k])}`).join(', ') || '-'],
    ['drift', h.drift ? `${h.drift.drifted_features} of ${h.drift.features.length} features drifted (share ${fmt(h.drift.drift_share)})` : 'no reference profile'],
    ['guard', h.guard ? `${h.guard.status} at ${shortTime(h.guard.last_evaluated)}` : actions.length ? 'not watching this version now' : 'no policy or not evaluated yet'],
  ]);
  for (const r of h.guard?.results ?? []) out.line(`  rule ${r.rule + 1} ${r.metric}: ${r.verdict} — ${fmt(r.value)} over ${r.samples} samples (${r.detail})`);
  for (const a of actions) out.line(`  ${shortTime(a.time)} ${a.type === 'guard.alert' ? 'alerted' : 'marked it failed'}: ${a.reason}`);
}

function driftCommand(program: Command, ctx: CliContext): void {
  program
    .command('drift')
    .description("per-feature drift of a version's recent traffic against its reference")
    .argument('<model>', MODEL_OR_URI_HELP)
    .argument('[version]', VERSION_OR_URI_HELP)
    .option('--window <seconds>', 'window of recent traffic', '3600')
    .action(async (modelOrUri: string, ref: string | undefined, o: { window: string }) => {
      const { model: name, version } = await versionTarget(ctx.client(), modelOrUri, ref);
      const params = { path: { name, version }, query: { window_seconds: serverNumber(o.window) } };
      // The route documents no response schema (the typed client says undefined): read as a DriftReport.
      const d = (await unwrap(ctx.client().api.GET('/api/v1/models/{name}/versions/{version}/drift', { params }))) as unknown as DriftReport;
      ctx.out().result(d, () => {
        ctx.out().table<FeatureDrift>([...d.features, ...(d.prediction ? [d.prediction] : [])], [
          { header: 'FEATURE', value: (f) => f.feature },
          { header: 'METHOD', value: (f) => f.method },
          { header: 'SCORE', value: (f) => fmt(f.score), right: true },
          { header: 'THRESHOLD', value: (f) => f.threshold, right: true },
          { header: 'PSI', value: (f) => fmt(f.psi), right: true },
          { header: 'DRIFT', value: (f) => (f.drifted ? 'yes' : 'no') },
        ]);
        ctx.out().line(`dataset drift: ${d.dataset_drift ? 'yes' : 'no'} (share ${fmt(d.drift_share)} over ${d.rows} rows)`);
      });
    });
}

export function monitoringCommands(program: Command, ctx: CliContext): void {
  policiesCommands(program, ctx);
  healthCommand(program, ctx);
  driftCommand(program, ctx);
  referenceCommands(program, ctx);
  webhooksCommands(program, ctx);
  addExamples(program);
}
