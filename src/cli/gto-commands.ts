// stagecraft gto import --repo PATH [MODEL...] / stagecraft gto export --repo PATH MODEL: GTO
// interop (DVC's git-tag model registry). Import turns each artifact's tags into a model archive and
// sends it to the server's one import endpoint; export reads the model's archive head (no blobs)
// and writes tags. Both run the real `git`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import type { ImportResult } from '../../sdk/types.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT } from './cli-errors.js';
import { archiveHead, writeGtoArchive } from './gto-archive.js';
import { exportToGto } from './gto-export.js';
import { gtoArtifacts, planGtoImport } from './gto-import.js';
import { stageMap } from './gto-tags.js';
import { report } from './import-report.js';
import { importArchive } from './import-archive.js';

const STAGE_MAP_HELP = 'map a GTO stage: dev=Staging, qa=alias:qa (prod/production -> Production and staging/stage -> Staging by default; any other stage becomes an alias of its name)';

function repoDir(repo: string): string {
  const dir = path.resolve(repo);
  if (!fs.existsSync(path.join(dir, '.git')) && !fs.existsSync(path.join(dir, 'HEAD'))) throw new CliError(`${repo} is not a git repository`, EXIT.usage);
  return dir;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function gtoCommands(program: Command, ctx: CliContext): void {
  const gto = program.command('gto').description("GTO interop: DVC's git-tag model registry (admin)");
  gto
    .command('import')
    .description("import GTO artifacts (all, or the named ones) from a git repository's tags: versions with the tagged commit's files, stage history and current stages")
    .argument('[models...]')
    .requiredOption('--repo <path>', 'the git repository')
    .option('--stage-map <pair>', STAGE_MAP_HELP, collect)
    .option('--keep <dir>', 'also keep the archive each artifact became, in this directory')
    .option('--as <name>', 'import the (one) artifact under this model name instead of its GTO name')
    .action(async (models: string[], o: { repo: string; stageMap?: string[]; keep?: string; as?: string }) => {
      const repo = repoDir(o.repo);
      const stages = stageMap(o.stageMap);
      const names = models.length ? models : await gtoArtifacts(repo);
      if (names.length === 0) throw new CliError(`${o.repo} has no GTO tags`, EXIT.refused);
      // One new name cannot stand for several artifacts: say which to import rather than guess.
      if (o.as && names.length > 1) throw new CliError(`--as names one model, but ${names.length} artifacts would be imported (${names.join(', ')}): name the one to import`, EXIT.usage);
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-gto-'));
      const results: ImportResult[] = [];
      try {
        for (const name of names) {
          const plan = await planGtoImport(repo, name, stages, { actor: 'stagecraft gto import', now: Date.now() }).catch((err: Error) => {
            throw new CliError(err.message, EXIT.refused);
          });
          const file = path.join(o.keep ?? tmp, `${name.replace(/[/=]/g, '_')}.tar`);
          await writeGtoArchive(repo, plan, file);
          for (const note of plan.notes) ctx.out().note(`${name}: ${note}`);
          results.push(await importArchive(ctx, file, o.as));
        }
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
      // One JSON document: the import's answer for one artifact, a list of them for several.
      if (results.length === 1) report(ctx, results[0]);
      else ctx.out().result(results, () => results.forEach((r) => report(ctx, r)));
    });

  gto
    .command('export')
    .description("write a model's versions and stage moves as GTO tags (annotated; tagger and date from the audit log) and its artifacts.yaml entry")
    .argument('<model>')
    .requiredOption('--repo <path>', 'the git repository')
    .option('--rev <rev>', 'the commit the version commits build on (default HEAD)')
    .option('--stage-map <pair>', STAGE_MAP_HELP, collect)
    .action(async (model: string, o: { repo: string; rev?: string; stageMap?: string[] }) => {
      const repo = repoDir(o.repo);
      const res = await ctx.client().transfer.export(model, AbortSignal.timeout(600_000));
      if (!res.body) throw new CliError('the server sent no archive', EXIT.refused);
      const archive = await archiveHead(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream));
      const result = await exportToGto(repo, archive, stageMap(o.stageMap), o.rev);
      ctx.out().result({ model, ...result }, () => {
        ctx.out().line(`${model}: ${result.created.length} tag(s) written, ${result.existing.length} already there; artifacts.yaml entry ${result.artifacts_yaml}`);
        for (const t of result.created) ctx.out().line(`  ${t}`);
      });
    });
}
