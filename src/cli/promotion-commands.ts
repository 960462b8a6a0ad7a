// stagecraft gates show|set|validate|report|override (plus approvals from approvals-commands.ts,
// rollout, shadow and drill from experiment-commands.ts), through the SDK's typed api client.
import path from 'node:path';
import type { Command } from 'commander';
import YAML from 'yaml';
import { unwrap, type BodyOf, type OkBody } from '../../sdk/client.js';
import { approvalsCommands } from './approvals-commands.js';
import type { CliContext } from './cli-context.js';
import { STAGE_HELP, stageArg } from './stage-arg.js';
import { MODEL_OR_URI_HELP, VERSION_OR_URI_HELP, versionTarget } from './version-arg.js';
import { EXIT } from './cli-errors.js';
import { readLocal, readYaml } from './cli-files.js';
import { experimentCommands } from './experiment-commands.js';
import { shortTime } from './table.js';
import { addExamples } from './help-examples.js';

type GatesBody = BodyOf<'/api/v1/models/{name}/gates', 'put'>;
type ValidationReport = OkBody<'/api/v1/models/{name}/versions/{version}/validation', 'get'>;

function printReport(ctx: CliContext, model: string, r: ValidationReport): void {
  const out = ctx.out();
  out.line(`${model} v${r.version} -> ${r.stage}: ${r.passed ? 'PASSED' : 'FAILED'}${r.override ? ` (overridden by ${r.override.actor}: ${r.override.reason})` : ''}  ${shortTime(r.ran_at)}`);
  out.table(r.checks, [
    { header: 'CHECK', value: (c) => c.name },
    { header: 'RESULT', value: (c) => (c.skipped ? 'skipped' : c.passed ? 'pass' : 'FAIL') },
    { header: 'DETAIL', value: (c) => c.message },
  ]);
  const metrics = r.metrics;
  if (metrics) {
    out.line(`metrics on ${metrics.rows} holdout rows (candidate vs Production v${r.baseline_version ?? '-'}):`);
    out.table(Object.keys(metrics.candidate), [
      { header: 'METRIC', value: (n) => n },
      { header: 'CANDIDATE', value: (n) => metrics.candidate[n].toFixed(4), right: true },
      { header: 'PRODUCTION', value: (n) => metrics.baseline?.[n]?.toFixed(4), right: true },
    ]);
  }
}

/** A gates YAML may name a local holdout file; it is uploaded and replaced by its sha256. */
async function resolveHoldout(ctx: CliContext, file: string, gates: unknown): Promise<unknown> {
  const h = (gates as { holdout?: { file?: unknown } | null }).holdout;
  if (!h || typeof h.file !== 'string') return gates;
  const local = path.resolve(path.dirname(file), h.file);
  const blob = await ctx.client().blobs.upload(new Uint8Array(await readLocal(local)));
  const { file: _f, ...rest } = h;
  return { ...(gates as object), holdout: { format: local.endsWith('.csv') ? 'csv' : 'jsonl', ...rest, sha256: blob.sha256 } };
}

function gatesShow(gates: Command, ctx: CliContext): void {
  gates
    .command('show')
    .description("a model's validation gates, as YAML")
    .argument('<model>', 'the model')
    .action(async (name: string) => {
      const g = await unwrap(ctx.client().api.GET('/api/v1/models/{name}/gates', { params: { path: { name } } }));
      ctx.out().result(g, () => ctx.io.stdout.write(g.gates ? YAML.stringify(g.gates) : `${name} has no validation gates\n`));
    });
}

function gatesSet(gates: Command, ctx: CliContext): void {
  gates
    .command('set')
    .description('set gates from a YAML file (holdout.file: a local CSV/JSON-lines file is uploaded)')
    .argument('<model>')
    .argument('<file>')
    .action(async (name: string, file: string) => {
      // Sent as the file says: the server judges its shape (a wrong one gets its 400, in its words).
      const body = (await resolveHoldout(ctx, file, (await readYaml(file)) ?? {})) as GatesBody;
      const g = await unwrap(ctx.client().api.PUT('/api/v1/models/{name}/gates', { params: { path: { name } }, body }));
      ctx.out().result(g, () => ctx.out().line(`Gates for ${name} set: ${g.gates!.thresholds.length} threshold(s) on ${g.gates!.stages.join(', ')}`));
    });
}

function gatesValidate(gates: Command, ctx: CliContext): void {
  gates
    .command('validate')
    .description('run the gates on a version now, without moving it')
    .argument('<model>', MODEL_OR_URI_HELP)
    .argument('[version]', VERSION_OR_URI_HELP)
    .option('--stage <stage>', `stage the version would enter: ${STAGE_HELP}`, stageArg, 'Production')
    .action(async (modelOrUri: string, ref: string | undefined, o: { stage: string }) => {
      const { model: name, version } = await versionTarget(ctx.client(), modelOrUri, ref);
      const params = { path: { name, version } };
      const r = await unwrap(ctx.client().api.POST('/api/v1/models/{name}/versions/{version}/validate', { params, body: { stage: o.stage } }));
      ctx.out().result(r, () => printReport(ctx, name, r));
      if (!r.passed) ctx.exitCode = EXIT.refused;
    });
}

function gatesReport(gates: Command, ctx: CliContext): void {
  gates
    .command('report')
    .description("a version's latest validation report")
    .argument('<model>', MODEL_OR_URI_HELP)
    .argument('[version]', VERSION_OR_URI_HELP)
    .action(async (modelOrUri: string, ref: string | undefined) => {
      const { model: name, version } = await versionTarget(ctx.client(), modelOrUri, ref);
      const params = { path: { name, version } };
      const r = await unwrap(ctx.client().api.GET('/api/v1/models/{name}/versions/{version}/validation', { params }));
      ctx.out().result(r, () => printReport(ctx, name, r));
    });
}

function gatesOverride(gates: Command, ctx: CliContext): void {
  gates
    .command('override')
    .description('admin: move a version into a stage despite failing gates (the reason is audited)')
    .argument('<model>', MODEL_OR_URI_HELP)
    .argument('[version]', VERSION_OR_URI_HELP)
    .requiredOption('--stage <stage>', `the stage to enter: ${STAGE_HELP}`, stageArg)
    .requiredOption('--reason <reason>', 'why the gates are overridden (audited)')
    .option('--archive-existing', 'archive the versions now in that stage')
    .option('--force', 'also move a version marked failed (admin override; the reason is audited)')
    .action(async (modelOrUri: string, ref: string | undefined, o: { stage: string; reason: string; archiveExisting?: boolean; force?: boolean }) => {
      const { model: name, version } = await versionTarget(ctx.client(), modelOrUri, ref);
      const res = await unwrap(
        ctx.client().api.POST('/api/v1/models/{name}/versions/{version}/stage/override', {
          params: { path: { name, version } },
          body: { stage: o.stage, reason: o.reason, archive_existing_versions: !!o.archiveExisting, force: o.force },
        }),
      );
      ctx.out().result(res, () => ctx.out().line(`${name} v${res.version.version} is now in ${res.version.stage} (gates overridden: ${o.reason})`));
    });
}

export function promotionCommands(program: Command, ctx: CliContext): void {
  const gates = program.command('gates').description('validation gates a version must pass to enter Staging or Production');
  gatesShow(gates, ctx);
  gatesSet(gates, ctx);
  gatesValidate(gates, ctx);
  gatesReport(gates, ctx);
  gatesOverride(gates, ctx);
  approvalsCommands(program, ctx);
  experimentCommands(program, ctx);
  addExamples(program);
}
