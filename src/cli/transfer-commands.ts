// stagecraft export MODEL --out FILE / stagecraft import FILE [--as NAME]: one model moved between
// Stagecraft servers as an archive (the server's format: src/registry/transfer/archive-format.ts).
// The export is written to a temporary file and renamed only once the server's stream ended
// cleanly, so a cut download never leaves a file that looks complete. `gto` is DVC's git-tag registry.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT } from './cli-errors.js';
import { gtoCommands } from './gto-commands.js';
import { report } from './import-report.js';
import { importArchive } from './import-archive.js';
import { addExamples } from './help-examples.js';

export function transferCommands(program: Command, ctx: CliContext): void {
  program
    .command('export')
    .description('write one model with its versions, artifacts, stages, aliases, health, settings and audit events to a tar archive (admin)')
    .argument('<model>')
    .requiredOption('--out <file>', 'the archive to write')
    .action(async (model: string, o: { out: string }) => {
      const res = await ctx.client().transfer.export(model, AbortSignal.timeout(24 * 3600_000));
      if (!res.body) throw new CliError('the server sent no archive', EXIT.refused);
      const out = path.resolve(o.out);
      const part = `${out}.part-${process.pid}`;
      try {
        await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), fs.createWriteStream(part));
        fs.renameSync(part, out);
      } catch (err) {
        fs.rmSync(part, { force: true });
        throw new CliError(`export of "${model}" was cut short (nothing written to ${o.out}): ${(err as Error).message}`, EXIT.refused);
      }
      const size = fs.statSync(out).size;
      ctx.out().result({ model, file: out, bytes: size }, () => ctx.out().line(`exported ${model} to ${o.out} (${size} bytes)`));
    });

  program
    .command('import')
    .description('import a model archive made by `stagecraft export` (or `gto import`); importing it again changes nothing (admin)')
    .argument('<file>')
    .option('--as <name>', "import under this name (a model of the archive's name already here is another model: 409)")
    .action(async (file: string, o: { as?: string }) => {
      if (!fs.existsSync(file)) throw new CliError(`cannot read ${file}: no such file`, EXIT.usage);
      report(ctx, await importArchive(ctx, file, o.as));
    });

  gtoCommands(program, ctx);
  addExamples(program);
}
