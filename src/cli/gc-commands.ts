// stagecraft gc [--dry-run] [--grace 24h] and stagecraft versions purge: freeing stored bytes
// (admin). The server does the work (POST /api/v1/blobs/gc, …/purge) so it runs against whatever
// blob store the server uses, disk or S3, under the lock that keeps registrations safe.
import type { Command } from 'commander';
import type { GcReport, PurgeReport } from '../../sdk/types.js';
import { versionNumber } from './cli-args.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT } from './cli-errors.js';
import { bytes } from './table.js';
import { addExamples } from './help-examples.js';

export function gcCommand(program: Command, ctx: CliContext): void {
  program
    .command('gc')
    .description('remove stored blobs nothing references (versions, deleted ones until purged, logged models, gates) and nothing wrote within the grace period (admin)')
    .option('--dry-run', 'report what would be removed; remove nothing')
    .option('--grace <duration>', 'spare blobs written within this long (uploads whose version is on its way): 24h, 30m, 7d', '24h')
    .action(async (o: { dryRun?: boolean; grace: string }) => {
      const report = await ctx.client().blobs.gc({ dryRun: !!o.dryRun, grace: o.grace });
      ctx.out().result(report, () => gcLines(ctx, report));
    });
  addExamples(program);
}

function gcLines(ctx: CliContext, r: GcReport): void {
  const out = ctx.out();
  const verb = r.dry_run ? 'would remove' : 'removed';
  out.line(`scanned ${r.scanned} blob(s) (${bytes(r.scanned_bytes)}): ${r.referenced} referenced, ${r.in_grace} skipped in grace, ${verb} ${r.removed} (${bytes(r.bytes_freed)} ${r.dry_run ? 'to free' : 'freed'})`);
  out.note(`references: ${r.owners.map((o) => `${o.owner} ${o.blobs}`).join(', ')}; grace ${r.grace_ms / 1000}s; ${r.duration_ms} ms`);
  if (r.dry_run) out.note('dry run: nothing was removed');
}

export function versionsPurgeCommand(versions: Command, ctx: CliContext): void {
  versions
    .command('purge')
    .description("drop a deleted version's files so gc can free their bytes; the version stays in history, deleted (admin)")
    .argument('[model]')
    .argument('[version]', 'version number', versionNumber)
    .option('--all-deleted', "every deleted version not purged yet (of MODEL if given; else everywhere, deleted models' included)")
    .option('--reason <text>', 'recorded in the audit log')
    .action(async (model: string | undefined, n: number | undefined, o: { allDeleted?: boolean; reason?: string }) => {
      const client = ctx.client();
      let report: PurgeReport;
      if (o.allDeleted) {
        if (n !== undefined) throw new CliError('--all-deleted takes at most a model, not a version', EXIT.usage);
        report = await client.versions.purgeDeleted({ model, reason: o.reason });
      } else {
        if (model === undefined || n === undefined) throw new CliError('give MODEL VERSION, or --all-deleted [MODEL]', EXIT.usage);
        report = await client.versions.purge(model, n, o.reason);
      }
      const out = ctx.out();
      out.result(report, () => {
        for (const p of report.purged) out.line(`Purged ${p.model} version ${p.version}: ${p.files} file(s), ${bytes(p.bytes)}`);
        out.note(report.purged.length ? `${bytes(report.bytes)} can be freed by \`stagecraft gc\` unless other versions share them` : 'no deleted version left to purge');
      });
    });
}
