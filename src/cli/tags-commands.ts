// stagecraft tags set|delete MODEL [--version N] KEY [VALUE]: one spelling for model and version tags.
import type { Command } from 'commander';
import { versionNumber } from './cli-args.js';
import type { CliContext } from './cli-context.js';

export function tagsCommands(program: Command, ctx: CliContext): void {
  const tags = program.command('tags').description('key/value tags on models and versions');

  tags
    .command('set')
    .description('set a tag on a model, or on one version with --version')
    .argument('<model>')
    .argument('<key>')
    .argument('<value>')
    .option('--version <n>', 'tag this version instead of the model', versionNumber)
    .action(async (model: string, key: string, value: string, o: { version?: number }) => {
      const sc = ctx.client();
      const tagsNow = o.version ? (await sc.tags.setVersion(model, o.version, key, value)).tags : (await sc.tags.setModel(model, key, value)).tags;
      ctx.out().result({ name: model, version: o.version ?? null, tags: tagsNow }, () => ctx.out().line(`${where(model, o.version)}: ${key}=${value}`));
    });

  tags
    .command('delete')
    .description('remove a tag from a model, or from one version with --version')
    .argument('<model>')
    .argument('<key>')
    .option('--version <n>', 'untag this version instead of the model', versionNumber)
    .action(async (model: string, key: string, o: { version?: number }) => {
      const sc = ctx.client();
      const tagsNow = o.version ? (await sc.tags.deleteVersion(model, o.version, key)).tags : (await sc.tags.deleteModel(model, key)).tags;
      ctx.out().result({ name: model, version: o.version ?? null, tags: tagsNow }, () => ctx.out().line(`${where(model, o.version)}: removed ${key}`));
    });
}

function where(model: string, version?: number): string {
  return version ? `${model} version ${version}` : model;
}
