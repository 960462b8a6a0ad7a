// stagecraft reference set|from-traffic and feedback: what drift and quality are measured against.
import path from 'node:path';
import type { Command } from 'commander';
import { unwrap, type OkBody } from '../../sdk/client.js';
import { resolveVersion, VERSION_HELP } from './version-arg.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT } from './cli-errors.js';
import { readLocal } from './cli-files.js';

type Reference = OkBody<'/api/v1/models/{name}/versions/{version}/reference', 'put'>;
type Label = { request_id: string; label: number | string };

const enc = encodeURIComponent;
const FEEDBACK_CHUNK = 10_000;

function referenceSet(reference: Command, ctx: CliContext): void {
  reference
    .command('set')
    .description('register a reference dataset for a version (CSV with a header row, or JSON lines)')
    .argument('<model>', 'the model')
    .argument('<version>', `${VERSION_HELP}, or a models:/ URI`)
    .argument('<file>')
    .action(async (model: string, which: string, file: string) => {
      const version = await resolveVersion(ctx.client(), model, which);
      const text = (await readLocal(file)).toString('utf8');
      const type = /\.csv$/i.test(file) ? 'text/csv' : 'application/x-ndjson';
      // The body is CSV or JSON lines, which the typed client (JSON bodies) does not send: a raw
      // request, its answer typed by the route's OpenAPI.
      const res = await ctx.client().raw(`/api/v1/models/${enc(model)}/versions/${version}/reference`, { method: 'PUT', headers: { 'content-type': type }, body: text });
      const ref = (await res.json()) as Reference;
      ctx.out().result(ref, () => ctx.out().line(`Reference for ${model} v${version}: ${ref.rows} rows from ${path.basename(file)}, ${ref.features.length} features`));
    });
}

function referenceFromTraffic(reference: Command, ctx: CliContext): void {
  reference
    .command('from-traffic')
    .description('build the reference from the first N rows the version served (e.g. in Staging)')
    .argument('<model>', 'the model')
    .argument('<version>', `${VERSION_HELP}, or a models:/ URI`)
    .requiredOption('--requests <n>', 'how many rows')
    .action(async (name: string, which: string, o: { requests: string }) => {
      const version = await resolveVersion(ctx.client(), name, which);
      const ref = await unwrap(
        ctx.client().api.POST('/api/v1/models/{name}/versions/{version}/reference/from-traffic', {
          params: { path: { name, version } },
          body: { requests: Number(o.requests) },
        }),
      );
      ctx.out().result(ref, () => ctx.out().line(`Reference for ${name} v${version}: ${ref.source}, ${ref.features.length} features`));
    });
}

function feedbackCommand(program: Command, ctx: CliContext): void {
  program
    .command('feedback')
    .description('send ground-truth labels: JSON lines {"request_id","label"} or CSV request_id,label')
    .argument('<model>')
    .argument('<file>')
    .action(async (name: string, file: string) => {
      const items = parseFeedback((await readLocal(file)).toString('utf8'), /\.csv$/i.test(file));
      let accepted = 0;
      let unmatched = 0;
      for (let i = 0; i < items.length; i += FEEDBACK_CHUNK) {
        const r = await unwrap(ctx.client().api.POST('/api/v1/models/{name}/feedback', { params: { path: { name } }, body: { items: items.slice(i, i + FEEDBACK_CHUNK) } }));
        accepted += r.accepted;
        unmatched += r.unmatched;
      }
      ctx.out().result({ accepted, unmatched }, () => ctx.out().line(`${accepted} labels accepted, ${unmatched} unmatched (no retained prediction with that request id)`));
    });
}

function parseFeedback(text: string, csv: boolean): Label[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  const value = (s: string) => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s.trim());
  if (csv) {
    const body = /request_id/i.test(lines[0] ?? '') ? lines.slice(1) : lines;
    return body.map((l, i) => {
      const [id, label] = l.split(',');
      if (!id || label === undefined) throw new CliError(`line ${i + 1}: expected request_id,label`, EXIT.usage);
      return { request_id: id.trim(), label: value(label) };
    });
  }
  return lines.map((l, i) => {
    try {
      const o = JSON.parse(l) as Label;
      return { request_id: o.request_id, label: o.label };
    } catch {
      throw new CliError(`line ${i + 1} is not JSON`, EXIT.usage);
    }
  });
}

export function referenceCommands(program: Command, ctx: CliContext): void {
  const reference = program.command('reference').description('reference profiles for drift');
  referenceSet(reference, ctx);
  referenceFromTraffic(reference, ctx);
  feedbackCommand(program, ctx);
}
