// stagecraft approvals list|request|approve|reject|policy: stages that need a second deployer.
import type { Command } from 'commander';
import { unwrap, type OkBody, type QueryOf } from '../../sdk/client.js';
import { positiveInteger } from './cli-args.js';
import type { CliContext } from './cli-context.js';
import { STAGE_HELP, stageArg, stageListArg } from './stage-arg.js';
import { MODEL_OR_URI_HELP, VERSION_OR_URI_HELP, versionTarget } from './version-arg.js';
import { shortTime } from './table.js';

type Approval = OkBody<'/api/v1/approvals', 'get'>['approvals'][number];
type ApprovalStatus = QueryOf<'/api/v1/approvals', 'get'>['status'];

function approvalsList(approvals: Command, ctx: CliContext): void {
  approvals
    .command('list')
    .description('approval requests, pending ones by default')
    .option('--model <model>', 'only this model')
    .option('--status <status>', 'pending, approved or rejected (default pending)', 'pending')
    .option('--all', 'every status')
    .action(async (o: { model?: string; status: string; all?: boolean }) => {
      // Another word is sent as given: the server refuses it, in its words.
      const status = o.all ? undefined : (o.status as ApprovalStatus);
      const res = await unwrap(ctx.client().api.GET('/api/v1/approvals', { params: { query: { model: o.model, status } } }));
      ctx.out().result(res, () =>
        ctx.out().table<Approval>(res.approvals, [
          { header: 'ID', value: (a) => a.id, right: true },
          { header: 'MODEL', value: (a) => a.model },
          { header: 'VERSION', value: (a) => a.version, right: true },
          { header: 'STAGE', value: (a) => a.stage },
          { header: 'STATUS', value: (a) => a.status },
          { header: 'BY', value: (a) => a.requested_by },
          { header: 'WHEN', value: (a) => shortTime(a.requested_at) },
          { header: 'DECIDED', value: (a) => (a.decided_by ? `${a.decided_by}: ${a.comment ?? ''}` : a.reason) },
          // A rollback request (a protected model's Production): from which version back to VERSION.
          { header: 'KIND', value: (a) => (a.kind === 'rollback' ? `rollback from v${a.from_version}` : 'transition') },
        ]),
      );
    });
}

function approvalsRequest(approvals: Command, ctx: CliContext): void {
  approvals
    .command('request')
    .description('ask a second deployer to approve moving a version into a stage')
    .argument('<model>', MODEL_OR_URI_HELP)
    .argument('[version]', VERSION_OR_URI_HELP)
    .option('--stage <stage>', `stage to enter: ${STAGE_HELP}`, stageArg, 'Production')
    .option('--reason <reason>', 'why (shown to the approver, kept in the audit log)')
    .option('--archive-existing', 'archive the versions now in that stage once approved')
    .action(async (modelOrUri: string, ref: string | undefined, o: { stage: string; reason?: string; archiveExisting?: boolean }) => {
      const { model: name, version } = await versionTarget(ctx.client(), modelOrUri, ref);
      const body = { version, stage: o.stage, reason: o.reason, archive_existing_versions: !!o.archiveExisting };
      const a = await unwrap(ctx.client().api.POST('/api/v1/models/{name}/approvals', { params: { path: { name } }, body }));
      ctx.out().result(a, () => ctx.out().line(`Approval request ${a.id} is pending: ${name} v${a.version} -> ${a.stage}`));
    });
}

function approvalsApprove(approvals: Command, ctx: CliContext): void {
  approvals
    .command('approve')
    .description('approve a request (by someone other than who asked): the version moves')
    .argument('<id>', 'the approval request id')
    .option('--comment <text>', 'kept with the decision')
    .action(async (id: string, o: { comment?: string }) => {
      const params = { path: { id: positiveInteger(id, 'approval id') } };
      const res = await unwrap(ctx.client().api.POST('/api/v1/approvals/{id}/approve', { params, body: { comment: o.comment } }));
      ctx.out().result(res, () =>
        ctx.out().line(
          res.rollback
            ? `Approved ${res.approval.id}: rolled back ${res.approval.model} ${res.approval.stage}: version ${res.rollback.from_version} -> version ${res.rollback.to_version} (event ${res.rollback.event_id})`
            : `Approved ${res.approval.id}: ${res.approval.model} v${res.version.version} is now in ${res.version.stage}`,
        ),
      );
    });
}

function approvalsReject(approvals: Command, ctx: CliContext): void {
  approvals
    .command('reject')
    .description('reject a request: the version stays where it is')
    .argument('<id>', 'the approval request id')
    .option('--comment <text>', 'kept with the decision')
    .action(async (id: string, o: { comment?: string }) => {
      const params = { path: { id: positiveInteger(id, 'approval id') } };
      const res = await unwrap(ctx.client().api.POST('/api/v1/approvals/{id}/reject', { params, body: { comment: o.comment } }));
      ctx.out().result(res, () =>
        ctx.out().line(res.kind === 'rollback' ? `Rejected ${res.id}: ${res.model} ${res.stage} stays on version ${res.from_version}` : `Rejected ${res.id}: ${res.model} v${res.version} stays out of ${res.stage}`),
      );
    });
}

function approvalsPolicy(approvals: Command, ctx: CliContext): void {
  approvals
    .command('policy')
    .description('show, or with --stages set, which stages need approval for a model')
    .argument('<model>')
    .option('--stages <list>', 'comma-separated stages, any case, e.g. Production; "none" to stop requiring approval', stageListArg)
    .action(async (name: string, o: { stages?: string[] }) => {
      const api = ctx.client().api;
      const params = { path: { name } };
      const p =
        o.stages === undefined
          ? await unwrap(api.GET('/api/v1/models/{name}/approval-policy', { params }))
          : await unwrap(api.PUT('/api/v1/models/{name}/approval-policy', { params, body: { stages: o.stages } }));
      ctx.out().result(p, () => ctx.out().line(p.stages.length ? `${name} needs approval for ${p.stages.join(', ')}` : `${name} needs no approval`));
    });
}

export function approvalsCommands(program: Command, ctx: CliContext): void {
  const approvals = program.command('approvals').description('approval requests for stages that need a second deployer');
  approvalsList(approvals, ctx);
  approvalsRequest(approvals, ctx);
  approvalsApprove(approvals, ctx);
  approvalsReject(approvals, ctx);
  approvalsPolicy(approvals, ctx);
}
