// Serving targets: stagecraft aliases set|get|delete, rollback, history, resolve.
import type { Command } from 'commander';
import { StagecraftApiError, unwrap, type History, type StagecraftClient } from '../../sdk/client.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT } from './cli-errors.js';
import type { Output } from './cli-io.js';
import { printPhases, printVersion } from './format.js';
import { warnIfUnservable } from './servable.js';
import { STAGE_HELP, stageArg } from './stage-arg.js';
import { shortTime } from './table.js';
import { resolveVersion, VERSION_HELP } from './version-arg.js';
import { addExamples } from './help-examples.js';

function aliasesCommands(program: Command, ctx: CliContext): void {
  const aliases = program.command('aliases').description('named pointers to versions (champion, canary…)');
  aliases
    .command('set')
    .description('point ALIAS at VERSION (moves it if set)')
    .argument('<model>', 'the model')
    .argument('<alias>', 'letters, digits, "_" and "-", e.g. champion')
    .argument('<version>', `${VERSION_HELP}, or a models:/ URI`)
    .option('--force', 'point it at a version marked failed (admin override; needs --reason, which is audited)')
    .option('--reason <text>', 'recorded in the audit log')
    .action(async (model: string, alias: string, ref: string, o: { reason?: string; force?: boolean }) => {
      if (o.force && !o.reason?.trim()) throw new CliError('--force needs --reason: the override is recorded in the audit log', EXIT.usage);
      const sc = ctx.client();
      const n = await resolveVersion(sc, model, ref);
      // The version we saw the alias point at (null: unset) travels as expected_version: a move by
      // someone else meanwhile makes the server refuse (409) instead of silently overriding it.
      const seen = (await sc.models.get(model)).aliases[alias] ?? null;
      const body = { version: n, reason: o.reason, expected_version: seen, force: o.force };
      const v = await unwrap(sc.api.PUT('/api/v1/models/{name}/aliases/{alias}', { params: { path: { name: model, alias } }, body }));
      ctx.out().result(v, () => {
        ctx.out().line(`${model}@${alias} -> version ${v.version}`);
        printPhases(ctx.out(), v.phases);
      });
      warnIfUnservable(ctx.out(), v, `Gateways bound to @${alias} will report it failed to load.`);
    });
  aliases
    .command('get')
    .description('the version an alias points at')
    .argument('<model>')
    .argument('<alias>')
    .action(async (model: string, alias: string) => {
      const v = await ctx.client().aliases.get(model, alias);
      ctx.out().result(v, () => printVersion(ctx.out(), v));
    });
  aliases
    .command('delete')
    .description('remove an alias')
    .argument('<model>')
    .argument('<alias>')
    .option('--reason <text>', 'recorded in the audit log')
    .action(async (model: string, alias: string, o: { reason?: string }) => {
      await ctx.client().aliases.delete(model, alias, o.reason);
      ctx.out().result({ name: model, alias, deleted: true }, () => ctx.out().line(`Deleted alias ${model}@${alias}`));
    });
}

function rollbackCommand(program: Command, ctx: CliContext): void {
  program
    .command('rollback')
    .description('move a stage (default Production) or alias back to the last known good version')
    .argument('<model>')
    .option('--stage <stage>', 'the stage to roll back: Staging or Production, any case (default Production)', stageArg)
    .option('--alias <alias>', 'roll back an alias instead of a stage')
    .option('--to <version>', `an explicit version instead of the last known good: ${VERSION_HELP}`)
    .option('--force', 'allow --to a version marked failed (an admin override; the reason is audited)')
    .requiredOption('--reason <text>', 'why: recorded in the audit log and on the version rolled back from')
    .action(async (model: string, o: { stage?: string; alias?: string; to?: string; force?: boolean; reason: string }) => {
      if (o.stage && o.alias) throw new CliError('give --stage or --alias, not both', EXIT.usage);
      const sc = ctx.client();
      const to = o.to === undefined ? undefined : await resolveVersion(sc, model, o.to);
      // Send the holder we saw as from_version: if someone moves the target meanwhile, the server
      // refuses (409) instead of rolling back twice or undoing their change.
      const from = await currentHolder(sc, model, o.alias, o.stage);
      const res = await sc.rollback(model, { stage: o.stage, alias: o.alias, to_version: to, from_version: from, reason: o.reason, force: o.force }).catch((err: unknown) => {
        throw pendingApproval(err, model) ?? err;
      });
      ctx.out().result(res, () => {
        ctx.out().line(`Rolled back ${res.name} ${targetName(res.target)}: version ${res.from_version} -> version ${res.to_version} (event ${res.event_id})`);
        const archived = res.archived_versions.includes(res.from_version) ? ' and archived' : '';
        ctx.out().line(`Version ${res.from_version} is marked failed${archived}: ${res.reason}`);
        printPhases(ctx.out(), res.phases);
      });
    });
}

/** A protected model's rollback waits for a second deployer: say so, and how to approve, instead of a bare 409. */
function pendingApproval(err: unknown, model: string): CliError | undefined {
  const details = err instanceof StagecraftApiError ? (err.details as { reason?: string; approval_id?: number } | undefined) : undefined;
  if (details?.reason !== 'approval_required' || details.approval_id === undefined) return undefined;
  const id = details.approval_id;
  return new CliError(
    `${(err as Error).message}\n` +
      `Nothing was rolled back yet: the rollback is pending approval ${id}. Another deployer approves it with \`stagecraft approvals approve ${id}\` ` +
      `(or rejects it: \`stagecraft approvals reject ${id}\`); pending requests: \`stagecraft approvals list --model ${model}\``,
    EXIT.refused,
  );
}

function historyCommand(program: Command, ctx: CliContext): void {
  program
    .command('history')
    .description('which versions held a stage or alias, when and why')
    .argument('<model>')
    .option('--stage <stage>', `${STAGE_HELP} (default Production)`, stageArg)
    .option('--alias <alias>', "an alias's history instead of a stage's")
    .option('--at <time>', 'which version held it at this time (ISO 8601 or epoch ms)')
    .action(async (model: string, o: { stage?: string; alias?: string; at?: string }) => {
      if (o.stage && o.alias) throw new CliError('give --stage or --alias, not both', EXIT.usage);
      const h = await ctx.client().history(model, { stage: o.stage, alias: o.alias, at: o.at });
      ctx.out().result(h, () => printHistory(ctx.out(), h));
    });
}

function printHistory(out: Output, h: History): void {
  if (h.at) {
    out.line(`At ${h.at.time}, ${h.name} ${targetName(h.target)} was ${h.at.version === null ? 'held by no version' : `version ${h.at.version}`}`);
    out.line();
  }
  out.table(
    h.entries,
    [
      { header: 'VERSION', value: (e) => e.version ?? '(none)', right: true },
      { header: 'FROM', value: (e) => shortTime(e.from) },
      { header: 'UNTIL', value: (e) => (e.until ? shortTime(e.until) : 'now') },
      { header: 'ACTOR', value: (e) => e.actor },
      { header: 'CAUSE', value: (e) => (e.automatic ? `${e.cause} (automatic)` : e.cause) },
      { header: 'EVENT', value: (e) => e.event_id, right: true },
      { header: 'REASON', value: (e) => e.reason },
    ],
    `${targetName(h.target)} of ${h.name} has never been held`,
  );
}

function resolveCommand(program: Command, ctx: CliContext): void {
  program
    .command('resolve')
    .description('the version a models:/ URI points at now (models:/NAME/N, /Stage, /latest, /label, @alias)')
    .argument('<uri>')
    .action(async (uri: string) => {
      const r = await ctx.client().resolve(uri);
      ctx.out().result(r, () => {
        const v = r.model_version;
        ctx.out().line(`${r.uri} -> ${r.name} version ${r.version} (stage ${v.stage}, health ${v.health}, ${v.digest ?? 'no files'})`);
      });
    });
}

export function targetsCommands(program: Command, ctx: CliContext): void {
  aliasesCommands(program, ctx);
  rollbackCommand(program, ctx);
  historyCommand(program, ctx);
  resolveCommand(program, ctx);
  addExamples(program);
}

/** The version holding the target now, or undefined when nothing does (the server then explains). */
async function currentHolder(sc: StagecraftClient, model: string, alias?: string, stage?: string): Promise<number | undefined> {
  try {
    if (alias) return (await sc.aliases.get(model, alias)).version;
    return (await sc.resolve(`models:/${model}/${stage ?? 'Production'}`)).version;
  } catch (err) {
    if (err instanceof StagecraftApiError && (err.status === 404 || err.status === 400)) return undefined;
    throw err;
  }
}

/** "stage:Production" -> "Production", "alias:champion" -> "@champion" (the server's target keys). */
function targetName(target: string): string {
  return target.replace(/^stage:/, '').replace(/^alias:/, '@');
}
