// stagecraft models create|list|show|update|delete|protect|unprotect|transition-version
import type { Command } from 'commander';
import type { Model, StagecraftClient } from '../../sdk/client.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT } from './cli-errors.js';
import { modelColumns, printModel, printPhases, versionColumns } from './format.js';
import { selfName } from './self-name.js';
import { warnIfUnservable } from './servable.js';
import { STAGE_HELP, stageArg } from './stage-arg.js';
import { resolveVersion, VERSION_HELP } from './version-arg.js';
import { addExamples } from './help-examples.js';

/** Pages followed at most by list commands (100 per page): a CLI table, not an export tool. */
export const MAX_PAGES = 100;

function modelsCreate(models: Command, ctx: CliContext): void {
  models
    .command('create')
    .description('register a model')
    .argument('<name>')
    .option('--description <text>', 'what the model does')
    .action(async (name: string, o: { description?: string }) => {
      const model = await ctx.client().models.create({ name, description: o.description });
      ctx.out().result(model, () => ctx.out().line(`Created model ${model.name}`));
    });
}

function modelsList(models: Command, ctx: CliContext): void {
  models
    .command('list')
    .description('list registered models')
    .option('--search <text>', 'only names containing this')
    .action(async (o: { search?: string }) => {
      const all: Model[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const res = await ctx.client().models.list({ search: o.search, cursor });
        all.push(...res.models);
        if (!res.next_cursor) break;
        cursor = res.next_cursor;
      }
      ctx.out().result(all, () => ctx.out().table(all, modelColumns, 'No models yet: stagecraft models create NAME'));
    });
}

function modelsShow(models: Command, ctx: CliContext): void {
  models
    .command('show')
    .description("a model and its versions")
    .argument('<name>')
    .action(async (name: string) => {
      const sc = ctx.client();
      const [model, versions] = await Promise.all([sc.models.get(name), sc.versions.list(name)]);
      ctx.out().result({ ...model, versions: versions.versions }, () => {
        printModel(ctx.out(), model);
        ctx.out().line();
        ctx.out().table(versions.versions, versionColumns, 'No versions yet: stagecraft versions create MODEL PATH');
      });
    });
}

function modelsUpdate(models: Command, ctx: CliContext): void {
  models
    .command('update')
    .description("change a model's description or name")
    .argument('<name>')
    .option('--description <text>', 'a new description')
    .option('--rename <new-name>', 'a new name')
    .action(async (name: string, o: { description?: string; rename?: string }) => {
      const model = await ctx.client().models.update(name, { description: o.description, name: o.rename });
      ctx.out().result(model, () => ctx.out().line(`Updated model ${model.name}`));
    });
}

function modelsDelete(models: Command, ctx: CliContext): void {
  models
    .command('delete')
    .description('delete a model (kept in history)')
    .argument('<name>')
    .option('--reason <text>', 'recorded in the audit log')
    .action(async (name: string, o: { reason?: string }) => {
      await ctx.client().models.delete(name, o.reason);
      ctx.out().result({ name, deleted: true }, () => ctx.out().line(`Deleted model ${name}`));
    });
}

function modelsProtect(models: Command, ctx: CliContext): void {
  for (const [cmd, value] of [['protect', true], ['unprotect', false]] as const) {
    models
      .command(cmd)
      .description(
        value
          ? 'refuse deleting or renaming the model (or deleting a serving version) while it serves, through every door (admin)'
          : 'clear the protected setting (admin)',
      )
      .argument('<name>')
      .action(async (name: string) => {
        const model = await ctx.client().models.update(name, { protected: value });
        ctx.out().result(model, () => ctx.out().line(`Model ${model.name} is ${model.protected ? 'protected' : 'not protected'}`));
      });
  }
}

// The spelling people learn with MLflow's client.transition_model_version_stage.
function modelsTransitionVersion(models: Command, ctx: CliContext): void {
  models
    .command('transition-version')
    .description('move a version to None, Staging, Production or Archived (MLflow spelling)')
    .requiredOption('--model-name <name>', 'the model')
    .requiredOption('--version <version>', VERSION_HELP)
    .requiredOption('--stage <stage>', STAGE_HELP, stageArg)
    .option('--archive-existing', 'archive the versions now in that stage')
    .option('--force', 'move a version marked failed into Staging or Production (admin override; needs --reason, which is audited)')
    .option('--reason <text>', 'recorded in the audit log')
    .action(async (o: { modelName: string; version: string; stage: string; archiveExisting?: boolean; force?: boolean; reason?: string }) => {
      if (o.force && !o.reason?.trim()) throw new CliError('--force needs --reason: the override is recorded in the audit log', EXIT.usage);
      const sc = ctx.client();
      const version = await resolveVersion(sc, o.modelName, o.version);
      // Send the holder we saw as expected_version: if someone moves the stage meanwhile, the
      // server refuses (409) instead of replacing a version we never looked at.
      const expected = await stageHolder(sc, o.modelName, version, o.stage);
      const res = await sc.stages.transition(o.modelName, version, {
        stage: o.stage,
        archive_existing_versions: !!o.archiveExisting,
        reason: o.reason,
        expected_version: expected,
        force: o.force,
      });
      ctx.out().result(res, () => {
        const archived = res.archived_versions.length ? `; archived ${res.archived_versions.join(', ')}` : '';
        ctx.out().line(`${res.version.name} version ${res.version.version} is now in ${res.version.stage}${archived}`);
        printPhases(ctx.out(), res.phases);
      });
      if (['Staging', 'Production'].includes(res.version.stage)) {
        warnIfUnservable(ctx.out(), res.version, `Gateways bound to ${res.version.stage} will report it failed to load (see \`${selfName(ctx.io.env)} status ${res.version.name}\`).`);
      }
    });
}

/**
 * The version holding the serving stage this move is about (the stage entered, else the one left),
 * null when it is empty; undefined when the move touches no serving stage (no precondition applies).
 */
async function stageHolder(sc: StagecraftClient, model: string, version: number, stageInput: string): Promise<number | null | undefined> {
  const serving = (s: string) => ['staging', 'production'].includes(s.toLowerCase());
  const current = (await sc.versions.get(model, version)).stage;
  const aimed = serving(stageInput) ? stageInput : serving(current) ? current : null;
  if (!aimed) return undefined;
  const m = await sc.models.get(model);
  return aimed.toLowerCase() === 'production' ? m.stages.Production : m.stages.Staging;
}

export function modelsCommands(program: Command, ctx: CliContext): void {
  const models = program.command('models').description('registered models');
  modelsCreate(models, ctx);
  modelsList(models, ctx);
  modelsShow(models, ctx);
  modelsUpdate(models, ctx);
  modelsDelete(models, ctx);
  modelsProtect(models, ctx);
  modelsTransitionVersion(models, ctx);
  addExamples(program);
}
