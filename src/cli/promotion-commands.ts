// stagecraft gates show|set|validate|report|override and approvals policy|request|list|approve|reject
// (plus rollout, shadow and drill from experiment-commands.ts), through the SDK's typed api client.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import YAML from 'yaml';
import { unwrap } from '../../sdk/client.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT } from './cli-errors.js';
import { experimentCommands } from './experiment-commands.js';
import { shortTime } from './table.js';

const int = (v: string, what: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${what} must be a positive whole number, not "${v}"`, EXIT.usage);
  return n;
};

async function readLocal(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT.usage);
  }
}

interface Report {
  version: number;
  stage: string;
  passed: boolean;
  checks: Array<{ name: string; passed: boolean; skipped: boolean; message: string }>;
  baseline_version: number | null;
  metrics: { rows: number; candidate: Record<string, number>; baseline: Record<string, number> | null } | null;
  override: { actor: string; reason: string } | null;
  ran_at: string;
}

function printReport(ctx: CliContext, model: string, r: Report): void {
  const out = ctx.out();
  out.line(`${model} v${r.version} -> ${r.stage}: ${r.passed ? 'PASSED' : 'FAILED'}${r.override ? ` (overridden by ${r.override.actor}: ${r.override.reason})` : ''}  ${shortTime(r.ran_at)}`);
  out.table(r.checks, [
    { header: 'CHECK', value: (c) => c.name },
    { header: 'RESULT', value: (c) => (c.skipped ? 'skipped' : c.passed ? 'pass' : 'FAIL') },
    { header: 'DETAIL', value: (c) => c.message },
  ]);
  if (r.metrics) {
    const names = Object.keys(r.metrics.candidate);
    out.line(`metrics on ${r.metrics.rows} holdout rows (candidate vs Production v${r.baseline_version ?? '-'}):`);
    out.table(names, [
      { header: 'METRIC', value: (n) => n },
      { header: 'CANDIDATE', value: (n) => r.metrics!.candidate[n].toFixed(4), right: true },
      { header: 'PRODUCTION', value: (n) => r.metrics!.baseline?.[n]?.toFixed(4), right: true },
    ]);
  }
}

/** A gates YAML may name a local holdout file; it is uploaded and replaced by its sha256. */
async function resolveHoldout(ctx: CliContext, file: string, gates: Record<string, any>) {
  const h = gates.holdout as Record<string, unknown> | undefined;
  if (!h || typeof h.file !== 'string') return gates;
  const local = path.resolve(path.dirname(file), h.file);
  const blob = await ctx.client().blobs.upload(new Uint8Array(await readLocal(local)));
  const { file: _f, ...rest } = h;
  return { ...gates, holdout: { format: local.endsWith('.csv') ? 'csv' : 'jsonl', ...rest, sha256: blob.sha256 } };
}

function gatesCommands(program: Command, ctx: CliContext): void {
  const gates = program.command('gates').description('validation gates a version must pass to enter Staging or Production');
  gates
    .command('show')
    .argument('<model>')
    .action(async (name: string) => {
      const g = await unwrap(ctx.client().api.GET('/api/v1/models/{name}/gates', { params: { path: { name } } }));
      ctx.out().result(g, () => ctx.io.stdout.write(g.gates ? YAML.stringify(g.gates) : `${name} has no validation gates\n`));
    });
  gates
    .command('set')
    .description('set gates from a YAML file (holdout.file: a local CSV/JSON-lines file is uploaded)')
    .argument('<model>')
    .argument('<file>')
    .action(async (name: string, file: string) => {
      let parsed: Record<string, any>;
      try {
        parsed = YAML.parse((await readLocal(file)).toString('utf8')) ?? {};
      } catch (err) {
        if (err instanceof CliError) throw err;
        throw new CliError(`${file} is not valid YAML: ${(err as Error).message}`, EXIT.usage);
      }
      const body = await resolveHoldout(ctx, file, parsed);
      const g = await unwrap(ctx.client().api.PUT('/api/v1/models/{name}/gates', { params: { path: { name } }, body: body as never }));
      ctx.out().result(g, () => ctx.out().line(`Gates for ${name} set: ${g.gates!.thresholds.length} threshold(s) on ${g.gates!.stages.join(', ')}`));
    });
  gates
    .command('validate')
    .description('run the gates on a version now, without moving it')
    .argument('<model>')
    .argument('<version>')
    .option('--stage <stage>', 'stage the version would enter', 'Production')
    .action(async (name: string, v: string, o: { stage: string }) => {
      const r = await unwrap(ctx.client().api.POST('/api/v1/models/{name}/versions/{version}/validate', { params: { path: { name, version: int(v, 'version') } }, body: { stage: o.stage } }));
      ctx.out().result(r, () => printReport(ctx, name, r));
      if (!r.passed) ctx.exitCode = EXIT.refused;
    });
  gates
    .command('report')
    .description("a version's latest validation report")
    .argument('<model>')
    .argument('<version>')
    .action(async (name: string, v: string) => {
      const r = await unwrap(ctx.client().api.GET('/api/v1/models/{name}/versions/{version}/validation', { params: { path: { name, version: int(v, 'version') } } }));
      ctx.out().result(r, () => printReport(ctx, name, r));
    });
  gates
    .command('override')
    .description('admin: move a version into a stage despite failing gates (the reason is audited)')
    .argument('<model>')
    .argument('<version>')
    .requiredOption('--stage <stage>')
    .requiredOption('--reason <reason>')
    .option('--archive-existing', 'archive the versions now in that stage')
    .action(async (name: string, v: string, o: { stage: string; reason: string; archiveExisting?: boolean }) => {
      const res = await unwrap(
        ctx.client().api.POST('/api/v1/models/{name}/versions/{version}/stage/override', {
          params: { path: { name, version: int(v, 'version') } },
          body: { stage: o.stage, reason: o.reason, archive_existing_versions: !!o.archiveExisting },
        }),
      );
      ctx.out().result(res, () => ctx.out().line(`${name} v${res.version.version} is now in ${res.version.stage} (gates overridden: ${o.reason})`));
    });
}

interface Approval {
  id: number;
  model: string;
  version: number;
  stage: string;
  status: string;
  requested_by: string;
  requested_at: string;
  decided_by: string | null;
  comment: string | null;
  reason: string | null;
}

function approvalsCommands(program: Command, ctx: CliContext): void {
  const approvals = program.command('approvals').description('approval requests for stages that need a second deployer');
  approvals
    .command('list')
    .option('--model <model>')
    .option('--status <status>', 'pending, approved or rejected (default pending)', 'pending')
    .option('--all', 'every status')
    .action(async (o: { model?: string; status: string; all?: boolean }) => {
      const status = o.all ? undefined : (o.status as 'pending');
      const res = await unwrap(ctx.client().api.GET('/api/v1/approvals', { params: { query: { model: o.model, status } } }));
      ctx.out().result(res, () =>
        ctx.out().table(res.approvals as Approval[], [
          { header: 'ID', value: (a) => a.id, right: true },
          { header: 'MODEL', value: (a) => a.model },
          { header: 'VERSION', value: (a) => a.version, right: true },
          { header: 'STAGE', value: (a) => a.stage },
          { header: 'STATUS', value: (a) => a.status },
          { header: 'BY', value: (a) => a.requested_by },
          { header: 'WHEN', value: (a) => shortTime(a.requested_at) },
          { header: 'DECIDED', value: (a) => (a.decided_by ? `${a.decided_by}: ${a.comment ?? ''}` : a.reason) },
        ]),
      );
    });
  approvals
    .command('request')
    .argument('<model>')
    .argument('<version>')
    .option('--stage <stage>', 'stage to enter', 'Production')
    .option('--reason <reason>')
    .option('--archive-existing', 'archive the versions now in that stage once approved')
    .action(async (name: string, v: string, o: { stage: string; reason?: string; archiveExisting?: boolean }) => {
      const a = await unwrap(
        ctx.client().api.POST('/api/v1/models/{name}/approvals', { params: { path: { name } }, body: { version: int(v, 'version'), stage: o.stage, reason: o.reason, archive_existing_versions: !!o.archiveExisting } }),
      );
      ctx.out().result(a, () => ctx.out().line(`Approval request ${a.id} is pending: ${name} v${a.version} -> ${a.stage}`));
    });
  for (const verb of ['approve', 'reject'] as const) {
    approvals
      .command(verb)
      .argument('<id>')
      .option('--comment <text>')
      .action(async (id: string, o: { comment?: string }) => {
        const params = { path: { id: int(id, 'approval id') } };
        const body = { comment: o.comment };
        if (verb === 'approve') {
          const res = await unwrap(ctx.client().api.POST('/api/v1/approvals/{id}/approve', { params, body }));
          ctx.out().result(res, () => ctx.out().line(`Approved ${res.approval.id}: ${res.approval.model} v${res.version.version} is now in ${res.version.stage}`));
        } else {
          const res = await unwrap(ctx.client().api.POST('/api/v1/approvals/{id}/reject', { params, body }));
          ctx.out().result(res, () => ctx.out().line(`Rejected ${res.id}: ${res.model} v${res.version} stays out of ${res.stage}`));
        }
      });
  }
  approvals
    .command('policy')
    .description('show, or with --stages set, which stages need approval for a model')
    .argument('<model>')
    .option('--stages <list>', 'comma-separated, e.g. Production; "none" to stop requiring approval')
    .action(async (name: string, o: { stages?: string }) => {
      const api = ctx.client().api;
      const params = { path: { name } };
      const p =
        o.stages === undefined
          ? await unwrap(api.GET('/api/v1/models/{name}/approval-policy', { params }))
          : await unwrap(api.PUT('/api/v1/models/{name}/approval-policy', { params, body: { stages: o.stages === 'none' ? [] : o.stages.split(',').map((s) => s.trim()) } }));
      ctx.out().result(p, () => ctx.out().line(p.stages.length ? `${name} needs approval for ${p.stages.join(', ')}` : `${name} needs no approval`));
    });
}

export function promotionCommands(program: Command, ctx: CliContext): void {
  gatesCommands(program, ctx);
  approvalsCommands(program, ctx);
  experimentCommands(program, ctx);
}
