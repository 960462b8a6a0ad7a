// stagecraft tags set|delete MODEL [--version N] KEY [VALUE]: one spelling for model and version tags.
import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { resolveVersion, VERSION_HELP } from './version-arg.js';
import { addExamples } from './help-examples.js';

export function tagsCommands(program: Command, ctx: CliContext): void {
  const tags = program.command('tags').description('key/value tags on models and versions');

  tags
    .command('set')
    .description('set a tag on a model, or on one version with --version')
    .argument('<model>', 'the model')
    .argument('<key>', 'the tag key, e.g. team or stagecraft.feature_names')
    .argument('<value>', 'the tag value')
    .option('--version <version>', `tag this version instead of the model: ${VERSION_HELP}`)
    .action(async (model: string, key: string, value: string, o: { version?: string }) => {
      const sc = ctx.client();
      const version = o.version === undefined ? undefined : await resolveVersion(sc, model, o.version);
      const tagsNow = version ? (await sc.tags.setVersion(model, version, key, value)).tags : (await sc.tags.setModel(model, key, value)).tags;
      ctx.out().result({ name: model, version: version ?? null, tags: tagsNow }, () => ctx.out().line(`${where(model, version)}: ${key}=${value}`));
    });

  tags
    .command('delete')
    .description('remove a tag from a model, or from one version with --version')
    .argument('<model>', 'the model')
    .argument('<key>', 'the tag key, e.g. team or stagecraft.feature_names')
    .option('--version <version>', `untag this version instead of the model: ${VERSION_HELP}`)
    .action(async (model: string, key: string, o: { version?: string }) => {
      const sc = ctx.client();
      const version = o.version === undefined ? undefined : await resolveVersion(sc, model, o.version);
      const tagsNow = version ? (await sc.tags.deleteVersion(model, version, key)).tags : (await sc.tags.deleteModel(model, key)).tags;
      ctx.out().result({ name: model, version: version ?? null, tags: tagsNow }, () => ctx.out().line(`${where(model, version)}: removed ${key}`));
    });
  addExamples(program);
}

function where(model: string, version?: number): string {
  return version ? `${model} version ${version}` : model;
}
