// stagecraft versions create|list|show|download|delete|mark
import type { Command } from 'commander';
import type { Version } from '../../sdk/client.js';
import { downloadVersion, uploadVersion } from '../../sdk/node.js';
import { collectMetric, collectParam } from './cli-args.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT } from './cli-errors.js';
import { printVersion, versionColumns } from './format.js';
import { versionsPurgeCommand } from './gc-commands.js';
import { MAX_PAGES } from './models-commands.js';
import { progressBar } from './progress-bar.js';
import { warnIfUnservable } from './servable.js';
import { STAGE_HELP, stageArg } from './stage-arg.js';
import { bytes } from './table.js';
import { MODEL_OR_URI_HELP, VERSION_OR_URI_HELP, versionTarget } from './version-arg.js';
import { addExamples } from './help-examples.js';


/** The tag MLflow's door reads as a version's endpoint (mlflow-registry-service.ts): honoured here too. */
const ENDPOINT_TAG = 'stagecraft.endpoint_url';

interface CreateFlags {
  label?: string;
  description?: string;
  source?: string;
  runId?: string;
  param?: Record<string, string | number | boolean>;
  metric?: Record<string, number>;
  tag?: Record<string, string | number | boolean>;
  endpointUrl?: string;
}

/** --endpoint-url, or the tag MLflow clients set; two different URLs are a usage error, not a guess. */
function endpointOf(o: CreateFlags): string | undefined {
  const tagged = o.tag?.[ENDPOINT_TAG] === undefined ? undefined : String(o.tag[ENDPOINT_TAG]);
  if (o.endpointUrl && tagged && tagged !== o.endpointUrl) {
    throw new CliError(`--endpoint-url ${o.endpointUrl} and --tag ${ENDPOINT_TAG}=${tagged} disagree; give one`, EXIT.usage);
  }
  return o.endpointUrl ?? tagged;
}

function versionsCreate(versions: Command, ctx: CliContext): void {
  versions
    .command('create')
    .description('upload a file or a directory as a new version')
    .argument('<model>')
    .argument('<path>', 'a file, or a directory (uploaded whole; symbolic links are refused)')
    .option('--label <label>', 'a name unique within the model, e.g. v1.0')
    .option('--description <text>', 'what changed in this version')
    .option('--source <uri>', 'where the model came from (lineage)')
    .option('--run-id <id>', 'the training run (lineage)')
    .option('--param <key=value>', 'a training parameter (repeatable)', collectParam)
    .option('--metric <key=value>', 'a numeric metric (repeatable)', collectMetric)
    .option('--tag <key=value>', `a tag (repeatable; ${ENDPOINT_TAG}=URL sets the endpoint, as --endpoint-url)`, collectParam)
    .option('--endpoint-url <url>', 'serve this version by forwarding requests to a model server at URL (http runtime), e.g. an `mlflow models serve` address')
    .action(async (model: string, path: string, o: CreateFlags) => {
      const endpoint = endpointOf(o);
      const progress = progressBar(ctx, 'uploading');
      try {
        const { version, skipped } = await uploadVersion(ctx.client(), model, path, {
          label: o.label,
          description: o.description,
          source: o.source,
          run_id: o.runId,
          params: o.param,
          metrics: o.metric,
          tags: o.tag ? Object.fromEntries(Object.entries(o.tag).map(([k, v]) => [k, String(v)])) : undefined,
          endpoint_url: endpoint,
          onProgress: progress?.update,
        });
        progress?.stop();
        ctx.out().result(version, () => {
          const label = version.label ? ` (${version.label})` : '';
          const reused = skipped.length ? `; ${skipped.length} file(s) already stored, not re-sent` : '';
          ctx.out().line(`Registered ${version.name} version ${version.version}${label}: ${bytes(version.size_bytes)}, ${version.digest}${reused}`);
        });
        warnIfUnservable(ctx.out(), version, 'Add a model.onnx, an MLflow model directory, or register it with --endpoint-url URL.');
      } finally {
        progress?.stop();
      }
    });
}

function versionsList(versions: Command, ctx: CliContext): void {
  versions
    .command('list')
    .description("a model's versions, newest first")
    .argument('<model>')
    .option('--stage <stage>', `only versions in this stage: ${STAGE_HELP}`, stageArg)
    .action(async (model: string, o: { stage?: string }) => {
      const all: Version[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const res = await ctx.client().versions.list(model, { stage: o.stage, cursor });
        all.push(...res.versions);
        if (!res.next_cursor) break;
        cursor = res.next_cursor;
      }
      ctx.out().result(all, () => ctx.out().table(all, versionColumns, o.stage ? `No versions of ${model} in ${o.stage}` : `No versions of ${model}`));
    });
}

function versionsShow(versions: Command, ctx: CliContext): void {
  versions
    .command('show')
    .alias('get')
    .description('one version: stage, aliases, health, lineage, signature, Python model (flavors, requirements, interpreter)')
    .argument('<model>', MODEL_OR_URI_HELP)
    .argument('[version]', VERSION_OR_URI_HELP)
    .action(async (modelOrUri: string, ref: string | undefined) => {
      const { model, version: n } = await versionTarget(ctx.client(), modelOrUri, ref);
      const v = await ctx.client().versions.get(model, n);
      ctx.out().result(v, () => printVersion(ctx.out(), v));
    });
}

function versionsDownload(versions: Command, ctx: CliContext): void {
  versions
    .command('download')
    .description("write a version's files to a directory, each verified against its sha256")
    .argument('<model>', MODEL_OR_URI_HELP)
    .argument('[version]', VERSION_OR_URI_HELP)
    .option('--out <dir>', 'target directory (default ./MODEL-vN)')
    .action(async (modelOrUri: string, ref: string | undefined, o: { out?: string }) => {
      const { model, version: n } = await versionTarget(ctx.client(), modelOrUri, ref);
      const progress = progressBar(ctx, 'downloading');
      try {
        const res = await downloadVersion(ctx.client(), model, n, o.out ?? `${model}-v${n}`, { onProgress: progress?.update });
        progress?.stop();
        ctx.out().result(res, () => ctx.out().line(`Downloaded ${model} version ${n} (${res.files.length} file(s), verified) to ${res.dir}`));
      } finally {
        progress?.stop();
      }
    });
}

function versionsDelete(versions: Command, ctx: CliContext): void {
  versions
    .command('delete')
    .description('delete a version (kept in history; its number is never reused)')
    .argument('<model>', MODEL_OR_URI_HELP)
    .argument('[version]', VERSION_OR_URI_HELP)
    .option('--reason <text>', 'recorded in the audit log')
    .action(async (modelOrUri: string, ref: string | undefined, o: { reason?: string }) => {
      const { model, version: n } = await versionTarget(ctx.client(), modelOrUri, ref);
      await ctx.client().versions.delete(model, n, o.reason);
      ctx.out().result({ name: model, version: n, deleted: true }, () => ctx.out().line(`Deleted ${model} version ${n}`));
    });
}

function versionsMark(versions: Command, ctx: CliContext): void {
  versions
    .command('mark')
    .description('record that a version is known stable or failed')
    .argument('<model>', MODEL_OR_URI_HELP)
    .argument('[version]', VERSION_OR_URI_HELP)
    .option('--stable', 'known good: rollback prefers it')
    .option('--failed', 'known bad: rollback never picks it')
    .requiredOption('--reason <text>', 'why (kept with the version and in the audit log)')
    .action(async (modelOrUri: string, ref: string | undefined, o: { stable?: boolean; failed?: boolean; reason: string }) => {
      if (!!o.stable === !!o.failed) throw new CliError('give exactly one of --stable or --failed', EXIT.usage);
      const { model, version: n } = await versionTarget(ctx.client(), modelOrUri, ref);
      const v = await ctx.client().versions.mark(model, n, o.stable ? 'stable' : 'failed', o.reason);
      ctx.out().result(v, () => ctx.out().line(`${model} version ${n} marked ${v.health}: ${o.reason}`));
    });

}

export function versionsCommands(program: Command, ctx: CliContext): void {
  const versions = program.command('versions').description("a model's immutable versions");
  versionsCreate(versions, ctx);
  versionsList(versions, ctx);
  versionsShow(versions, ctx);
  versionsDownload(versions, ctx);
  versionsDelete(versions, ctx);
  versionsMark(versions, ctx);
  versionsPurgeCommand(versions, ctx);
  addExamples(program);
}
