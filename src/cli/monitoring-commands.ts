// stagecraft policies set|show|delete, health, drift, reference set|from-traffic, feedback,
// webhooks create|list|delete|deliveries. Through the SDK client's authenticated raw requests.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import YAML from 'yaml';
import { createClient } from '../../sdk/client.js';
import { DEFAULT_URL } from '../config.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT } from './cli-errors.js';
import { osUser } from './cli-io.js';
import { shortTime } from './table.js';

const enc = encodeURIComponent;
const FEEDBACK_CHUNK = 10_000;

async function json<T = any>(ctx: CliContext, method: string, url: string, body?: unknown): Promise<T> {
  const res = await ctx.client().raw(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

async function readLocal(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT.usage);
  }
}

const fmt = (v: unknown) => (v === null || v === undefined ? '-' : typeof v === 'number' ? String(Number(v.toPrecision(4))) : String(v));

function policiesCommands(program: Command, ctx: CliContext): void {
  const policies = program.command('policies').description('health policies the guard enforces (one per model)');
  policies
    .command('set')
    .description('set a model\'s policy from a YAML (or JSON) file')
    .argument('<model>')
    .argument('<file>')
    .action(async (model: string, file: string) => {
      let parsed: unknown;
      try {
        parsed = YAML.parse(await readLocal(file));
      } catch (err) {
        if (err instanceof CliError) throw err;
        throw new CliError(`${file} is not valid YAML: ${(err as Error).message}`, EXIT.usage);
      }
      const policy = await json(ctx, 'PUT', `/api/v1/models/${enc(model)}/policy`, parsed);
      ctx.out().result(policy, () => ctx.out().line(`Policy for ${model} set: ${policy.rules.length} rule(s), evaluated every ${policy.interval_seconds}s`));
    });
  policies
    .command('show')
    .description("print a model's policy as YAML")
    .argument('<model>')
    .action(async (model: string) => {
      const policy = await json(ctx, 'GET', `/api/v1/models/${enc(model)}/policy`);
      ctx.out().result(policy, () => ctx.io.stdout.write(YAML.stringify(policy)));
    });
  policies
    .command('delete')
    .description("remove a model's policy (the guard stops watching it)")
    .argument('<model>')
    .action(async (model: string) => {
      await json(ctx, 'DELETE', `/api/v1/models/${enc(model)}/policy`);
      ctx.out().result({ model, deleted: true }, () => ctx.out().line(`Policy for ${model} removed`));
    });
}

function healthCommands(program: Command, ctx: CliContext): void {
  program
    .command('health')
    .description("a version's health: traffic, errors, latency, quality with label coverage, drift, the guard's verdicts")
    .argument('<model>')
    .argument('<version>')
    .option('--window <seconds>', 'window to summarise', '3600')
    .action(async (model: string, version: string, o: { window: string }) => {
      const h = await json(ctx, 'GET', `/api/v1/models/${enc(model)}/versions/${enc(version)}/monitoring?window_seconds=${enc(o.window)}`);
      ctx.out().result(h, () => {
        const out = ctx.out();
        out.fields([
          ['version', `${h.model} v${h.version} (${h.stage}, health ${h.health}${h.health_reason ? `: ${h.health_reason}` : ''})`],
          ['window', `${h.window_seconds}s`],
          ['requests', `${h.requests} answered or failed by the model (caller errors not counted)`],
          ['error rate', fmt(h.error_rate)],
          ['p99 latency', h.latency_p99_ms === null ? '-' : `${fmt(h.latency_p99_ms)} ms`],
          ['labels', `${h.quality.labeled} labeled predictions (coverage ${fmt(h.quality.label_coverage)})`],
          ['quality', ['accuracy', 'precision', 'recall', 'f1', 'mae', 'rmse'].filter((k) => h.quality[k] !== null).map((k) => `${k} ${fmt(h.quality[k])}`).join(', ') || '-'],
          ['drift', h.drift ? `${h.drift.drifted_features} of ${h.drift.features.length} features drifted (share ${fmt(h.drift.drift_share)})` : 'no reference profile'],
          ['guard', h.guard ? `${h.guard.status} at ${shortTime(h.guard.last_evaluated)}` : (h.guard_actions ?? []).length ? 'not watching this version now' : 'no policy or not evaluated yet'],
        ]);
        for (const r of h.guard?.results ?? []) out.line(`  rule ${r.rule + 1} ${r.metric}: ${r.verdict} — ${fmt(r.value)} over ${r.samples} samples (${r.detail})`);
        for (const a of h.guard_actions ?? []) out.line(`  ${shortTime(a.time)} ${a.type === 'guard.alert' ? 'alerted' : 'marked it failed'}: ${a.reason}`);
      });
    });

  program
    .command('drift')
    .description("per-feature drift of a version's recent traffic against its reference")
    .argument('<model>')
    .argument('<version>')
    .option('--window <seconds>', 'window of recent traffic', '3600')
    .action(async (model: string, version: string, o: { window: string }) => {
      const d = await json(ctx, 'GET', `/api/v1/models/${enc(model)}/versions/${enc(version)}/drift?window_seconds=${enc(o.window)}`);
      ctx.out().result(d, () => {
        ctx.out().table([...d.features, ...(d.prediction ? [d.prediction] : [])], [
          { header: 'FEATURE', value: (f: any) => f.feature },
          { header: 'METHOD', value: (f: any) => f.method },
          { header: 'SCORE', value: (f: any) => fmt(f.score), right: true },
          { header: 'THRESHOLD', value: (f: any) => f.threshold, right: true },
          { header: 'PSI', value: (f: any) => fmt(f.psi), right: true },
          { header: 'DRIFT', value: (f: any) => (f.drifted ? 'yes' : 'no') },
        ]);
        ctx.out().line(`dataset drift: ${d.dataset_drift ? 'yes' : 'no'} (share ${fmt(d.drift_share)} over ${d.rows} rows)`);
      });
    });

  const reference = program.command('reference').description('reference profiles for drift');
  reference
    .command('set')
    .description('register a reference dataset for a version (CSV with a header row, or JSON lines)')
    .argument('<model>')
    .argument('<version>')
    .argument('<file>')
    .action(async (model: string, version: string, file: string) => {
      const text = await readLocal(file);
      const type = /\.csv$/i.test(file) ? 'text/csv' : 'application/x-ndjson';
      const res = await ctx.client().raw(`/api/v1/models/${enc(model)}/versions/${enc(version)}/reference`, { method: 'PUT', headers: { 'content-type': type }, body: text });
      const ref = await res.json();
      ctx.out().result(ref, () => ctx.out().line(`Reference for ${model} v${version}: ${ref.rows} rows from ${path.basename(file)}, ${ref.features.length} features`));
    });
  reference
    .command('from-traffic')
    .description('build the reference from the first N rows the version served (e.g. in Staging)')
    .argument('<model>')
    .argument('<version>')
    .requiredOption('--requests <n>', 'how many rows')
    .action(async (model: string, version: string, o: { requests: string }) => {
      const ref = await json(ctx, 'POST', `/api/v1/models/${enc(model)}/versions/${enc(version)}/reference/from-traffic`, { requests: Number(o.requests) });
      ctx.out().result(ref, () => ctx.out().line(`Reference for ${model} v${version}: ${ref.source}, ${ref.features.length} features`));
    });

  program
    .command('feedback')
    .description('send ground-truth labels: JSON lines {"request_id","label"} or CSV request_id,label')
    .argument('<model>')
    .argument('<file>')
    .action(async (model: string, file: string) => {
      const items = parseFeedback(await readLocal(file), /\.csv$/i.test(file));
      let accepted = 0;
      let unmatched = 0;
      for (let i = 0; i < items.length; i += FEEDBACK_CHUNK) {
        const r = await json(ctx, 'POST', `/api/v1/models/${enc(model)}/feedback`, { items: items.slice(i, i + FEEDBACK_CHUNK) });
        accepted += r.accepted;
        unmatched += r.unmatched;
      }
      ctx.out().result({ accepted, unmatched }, () => ctx.out().line(`${accepted} labels accepted, ${unmatched} unmatched (no retained prediction with that request id)`));
    });
}

export function parseFeedback(text: string, csv: boolean): Array<{ request_id: string; label: number | string }> {
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
      const o = JSON.parse(l) as { request_id: string; label: number | string };
      return { request_id: o.request_id, label: o.label };
    } catch {
      throw new CliError(`line ${i + 1} is not JSON`, EXIT.usage);
    }
  });
}

/**
 * `webhooks create --url RECEIVER` reuses the global flag's name (as the issue spells it), and
 * commander gives every --url to the global option. The raw arguments tell them apart: a --url
 * before `webhooks` is the server, one after it the receiver.
 */
function splitUrls(ctx: CliContext): { server: string; receiver: string | undefined } {
  const raw = (ctx.program as unknown as { rawArgs?: string[] }).rawArgs ?? [];
  const at = raw.indexOf('webhooks');
  let server: string | undefined;
  let receiver: string | undefined;
  raw.forEach((a, i) => {
    const v = a === '--url' ? raw[i + 1] : a.startsWith('--url=') ? a.slice('--url='.length) : undefined;
    if (v === undefined) return;
    if (i < at) server = v;
    else receiver = v;
  });
  return { server: server ?? (ctx.io.env.STAGECRAFT_URL || DEFAULT_URL), receiver };
}

function webhooksCommands(program: Command, ctx: CliContext): void {
  const hooks = program.command('webhooks').description('signed event deliveries to HTTP receivers (admin)');
  hooks
    .command('create')
    .description('POST matching events to URL, signed stagecraft-signature: sha256=HMAC(body, secret)')
    .option('--url <url>', 'the receiver (after `webhooks create`; a --url before `webhooks` is the server)')
    .requiredOption('--secret <secret>', 'at least 8 characters; never shown again')
    .option('--events <types>', 'comma-separated event types or domains (default: all), e.g. rollback,version.health_changed,guard.*')
    .action(async (o: { secret: string; events?: string }) => {
      const { server, receiver } = splitUrls(ctx);
      if (!receiver) throw new CliError('give the receiver with --url URL after `webhooks create`', EXIT.usage);
      const events = o.events ? o.events.split(',').map((s) => s.trim()).filter(Boolean) : [];
      const g = ctx.globals();
      const client = createClient({ url: server, token: g.token || undefined, actor: g.token ? undefined : osUser(ctx.io.env) });
      const res = await client.raw('/api/v1/webhooks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: receiver, secret: o.secret, events }) });
      const hook = await res.json();
      ctx.out().result(hook, () => ctx.out().line(`Webhook ${hook.id} -> ${hook.url} (${hook.events.length ? hook.events.join(', ') : 'all events'})`));
    });
  hooks
    .command('list')
    .action(async () => {
      const { webhooks } = await json(ctx, 'GET', '/api/v1/webhooks');
      ctx.out().result(webhooks, () =>
        ctx.out().table(webhooks, [
          { header: 'ID', value: (w: any) => w.id },
          { header: 'URL', value: (w: any) => w.url },
          { header: 'EVENTS', value: (w: any) => (w.events.length ? w.events.join(',') : '*') },
          { header: 'CREATED', value: (w: any) => `${shortTime(w.created_at)} by ${w.created_by}` },
        ]),
      );
    });
  hooks
    .command('delete')
    .argument('<id>')
    .action(async (id: string) => {
      await json(ctx, 'DELETE', `/api/v1/webhooks/${enc(id)}`);
      ctx.out().result({ id, deleted: true }, () => ctx.out().line(`Webhook ${id} removed`));
    });
  hooks
    .command('deliveries')
    .description('the delivery log: every attempt, newest first')
    .option('--webhook <id>')
    .option('--limit <n>', 'rows', '50')
    .action(async (o: { webhook?: string; limit: string }) => {
      const q = new URLSearchParams({ limit: o.limit, ...(o.webhook ? { webhook_id: o.webhook } : {}) });
      const { deliveries } = await json(ctx, 'GET', `/api/v1/webhooks/deliveries?${q}`);
      ctx.out().result(deliveries, () =>
        ctx.out().table(deliveries, [
          { header: 'TIME', value: (d: any) => shortTime(d.time) },
          { header: 'WEBHOOK', value: (d: any) => d.webhook_id.slice(0, 8) },
          { header: 'EVENT', value: (d: any) => `${d.event_id} ${d.event_type}` },
          { header: 'ATTEMPT', value: (d: any) => d.attempt, right: true },
          { header: 'STATUS', value: (d: any) => `${d.status}${d.status_code ? ` ${d.status_code}` : ''}` },
          { header: 'ERROR', value: (d: any) => d.error ?? '' },
        ]),
      );
    });
}

export function monitoringCommands(program: Command, ctx: CliContext): void {
  policiesCommands(program, ctx);
  healthCommands(program, ctx);
  webhooksCommands(program, ctx);
}
