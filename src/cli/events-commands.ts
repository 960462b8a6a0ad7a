// stagecraft events [--model M] [--type T] [--since TIME] [--limit N] [--follow [--after ID]]
import { InvalidArgumentError, type Command } from 'commander';
import type { RegistryEvent } from '../../sdk/client.js';
import type { CliContext } from './cli-context.js';
import type { Output } from './cli-io.js';
import { cell, shortTime } from './table.js';
import { addExamples } from './help-examples.js';

interface EventsFlags {
  model?: string;
  type?: string;
  since?: string;
  limit: number;
  follow?: boolean;
  after?: number;
}

export function eventsCommands(program: Command, ctx: CliContext): void {
  program
    .command('events')
    .description('the audit log: who changed what, when and why (--follow streams new events)')
    .option('--model <name>', 'only this model')
    .option('--type <types>', 'comma-separated event types or domains, e.g. rollback,version.*')
    .option('--since <time>', 'ISO 8601 or epoch ms')
    .option('--limit <n>', 'how many recent events (max 1000)', positiveInt, 50)
    .option('--follow', 'keep printing events as they happen (Ctrl-C to stop)')
    .option('--after <id>', 'with --follow: replay from after this event id', positiveInt)
    .action(async (o: EventsFlags) => (o.follow ? follow(ctx, o) : list(ctx, o)));
  addExamples(program);
}

async function list(ctx: CliContext, o: EventsFlags): Promise<void> {
  const res = await ctx.client().events.list({ model: o.model, type: o.type, since: o.since, limit: o.limit });
  // The server pages newest first; people read a log oldest first.
  const events = [...res.events].reverse();
  ctx.out().result(events, () => {
    if (events.length === 0) ctx.out().line('(no events)');
    for (const e of events) printEvent(ctx.out(), e);
  });
}

async function follow(ctx: CliContext, o: EventsFlags): Promise<void> {
  const signal = ctx.io.signal ?? interruptSignal();
  const out = ctx.out();
  if (!out.json) out.note(`following events${o.model ? ` of ${o.model}` : ''} (Ctrl-C to stop)`);
  // The server filters by type (and refuses a type that does not exist before streaming anything).
  for await (const e of ctx.client().events.follow({ model: o.model, type: o.type, after: o.after, signal })) {
    // One JSON object per line, so `| jq` and line readers work on an endless stream.
    if (out.json) out.line(JSON.stringify(e));
    else printEvent(out, e);
  }
}

export function printEvent(out: Output, e: RegistryEvent): void {
  const parts = [`#${e.id}`, shortTime(e.time), e.actor, e.type];
  if (e.model) parts.push(e.version !== null ? `${e.model} v${e.version}` : e.model);
  if (e.from !== null || e.to !== null) parts.push(`${e.target ? `${e.target.replace(/^stage:/, '')}: ` : ''}${cell(e.from)} -> ${cell(e.to)}`);
  if (e.reason) parts.push(`"${cell(e.reason)}"`);
  out.line(parts.join(' '));
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${value}" is not a whole number`);
  return n;
}

/** Aborts on Ctrl-C so the stream closes cleanly and the command exits 0. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  return controller.signal;
}
