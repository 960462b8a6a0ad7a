// stagecraft webhooks create|list|delete|deliveries: signed event deliveries to HTTP receivers.
import type { Command } from 'commander';
import { createClient, unwrap, type OkBody } from '../../sdk/client.js';
import { DEFAULT_URL } from '../config.js';
import { serverNumber } from './cli-args.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT } from './cli-errors.js';
import { osUser } from './cli-io.js';
import { shortTime } from './table.js';

type Webhook = OkBody<'/api/v1/webhooks', 'get'>['webhooks'][number];
type Delivery = OkBody<'/api/v1/webhooks/deliveries', 'get'>['deliveries'][number];

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

function webhooksCreate(hooks: Command, ctx: CliContext): void {
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
      // Not ctx.client(): commander took the receiver's --url for the global one.
      const client = createClient({ url: server, token: g.token || undefined, actor: g.token ? undefined : osUser(ctx.io.env) });
      const hook = await unwrap(client.api.POST('/api/v1/webhooks', { body: { url: receiver, secret: o.secret, events } }));
      ctx.out().result(hook, () => ctx.out().line(`Webhook ${hook.id} -> ${hook.url} (${hook.events.length ? hook.events.join(', ') : 'all events'})`));
    });
}

function webhooksList(hooks: Command, ctx: CliContext): void {
  hooks.command('list').description('registered webhooks').action(async () => {
    const { webhooks } = await unwrap(ctx.client().api.GET('/api/v1/webhooks'));
    ctx.out().result(webhooks, () =>
      ctx.out().table<Webhook>(webhooks, [
        { header: 'ID', value: (w) => w.id },
        { header: 'URL', value: (w) => w.url },
        { header: 'EVENTS', value: (w) => (w.events.length ? w.events.join(',') : '*') },
        // Webhooks made through MLflow's API are delivered in MLflow's format, and can be disabled there.
        { header: 'FORMAT', value: (w) => w.format },
        { header: 'STATUS', value: (w) => w.status },
        { header: 'CREATED', value: (w) => `${shortTime(w.created_at)} by ${w.created_by}` },
      ]),
    );
  });
}

function webhooksDelete(hooks: Command, ctx: CliContext): void {
  hooks
    .command('delete')
    .description('remove a webhook: nothing more is sent to it')
    .argument('<id>', 'the webhook id')
    .action(async (id: string) => {
      await unwrap(ctx.client().api.DELETE('/api/v1/webhooks/{id}', { params: { path: { id } } }));
      ctx.out().result({ id, deleted: true }, () => ctx.out().line(`Webhook ${id} removed`));
    });
}

function webhooksDeliveries(hooks: Command, ctx: CliContext): void {
  hooks
    .command('deliveries')
    .description('the delivery log: every attempt, newest first')
    .option('--webhook <id>', 'only this webhook')
    .option('--limit <n>', 'rows', '50')
    .action(async (o: { webhook?: string; limit: string }) => {
      const query = { limit: serverNumber(o.limit), webhook_id: o.webhook || undefined };
      const { deliveries } = await unwrap(ctx.client().api.GET('/api/v1/webhooks/deliveries', { params: { query } }));
      ctx.out().result(deliveries, () =>
        ctx.out().table<Delivery>(deliveries, [
          { header: 'TIME', value: (d) => shortTime(d.time) },
          { header: 'WEBHOOK', value: (d) => d.webhook_id.slice(0, 8) },
          { header: 'EVENT', value: (d) => `${d.event_id} ${d.event_type}` },
          { header: 'ATTEMPT', value: (d) => d.attempt, right: true },
          { header: 'STATUS', value: (d) => `${d.status}${d.status_code ? ` ${d.status_code}` : ''}` },
          { header: 'ERROR', value: (d) => d.error ?? '' },
        ]),
      );
    });
}

export function webhooksCommands(program: Command, ctx: CliContext): void {
  const hooks = program.command('webhooks').description('signed event deliveries to HTTP receivers (admin)');
  webhooksCreate(hooks, ctx);
  webhooksList(hooks, ctx);
  webhooksDelete(hooks, ctx);
  webhooksDeliveries(hooks, ctx);
}
