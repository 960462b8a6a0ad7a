// stagecraft tokens create|list|revoke|rotate, whoami
import type { Command } from 'commander';
import type { TokenRole } from '../../sdk/client.js';
import type { CliContext } from './cli-context.js';
import { shortTime } from './table.js';
import { addExamples } from './help-examples.js';

// The people's roles in order, then the serving replicas' own (heartbeats, observations, artifact reads; nothing else).
const ROLES = ['viewer', 'editor', 'deployer', 'admin', 'gateway'];

/** --expires-in / --no-expiry as the server reads them: a duration, `never`, or absent (the server's default). */
function expiresIn(o: { expiresIn?: string; expiry?: boolean }): string | undefined {
  return o.expiry === false ? 'never' : o.expiresIn;
}

function printSecret(ctx: CliContext, t: { name: string; role: string; token: string; expires_at: string | null }, what: string): void {
  ctx.out().line(t.token);
  const until = t.expires_at ? `works until ${shortTime(t.expires_at)} UTC` : 'never expires';
  ctx.out().note(`Token "${t.name}" (${t.role}) ${what}; it ${until}. Store it now: it is not shown again.`);
}

function tokensCreate(tokens: Command, ctx: CliContext): void {
  tokens
    .command('create')
    .description('create a token with at most your own role; it is printed once and cannot be shown again')
    .argument('<name>', 'who or what uses it; recorded as the actor in the audit log')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--expires-in <duration>', "how long it works: 30d, 12h, 2w (default: the server's --token-ttl, 90d)")
    .option('--no-expiry', 'a token that never expires (admins only)')
    .action(async (name: string, o: { role: string; expiresIn?: string; expiry?: boolean }) => {
      // Another role is sent as given: the server refuses it, in its words.
      const created = await ctx.client().tokens.create(name, o.role as TokenRole, expiresIn(o));
      ctx.out().result(created, () => printSecret(ctx, created, 'created'));
    });
}

function state(t: { revoked: boolean; expired: boolean }): string {
  return t.revoked ? 'revoked' : t.expired ? 'expired' : 'active';
}

function tokensList(tokens: Command, ctx: CliContext): void {
  tokens
    .command('list')
    .description('list tokens (never their secrets): all of them for an admin, the ones you created otherwise')
    .action(async () => {
      const { tokens: all } = await ctx.client().tokens.list();
      ctx.out().result(all, () =>
        ctx.out().table(all, [
          { header: 'NAME', value: (t) => t.name },
          { header: 'ROLE', value: (t) => t.role },
          { header: 'CREATED', value: (t) => `${shortTime(t.created_at)} by ${t.created_by}` },
          { header: 'EXPIRES', value: (t) => (t.expires_at ? shortTime(t.expires_at) : 'never') },
          { header: 'LAST USED', value: (t) => shortTime(t.last_used_at) },
          { header: 'STATE', value: (t) => state(t) },
        ]),
      );
    });
}

function tokensRevoke(tokens: Command, ctx: CliContext): void {
  tokens
    .command('revoke')
    .description('revoke a token at once')
    .argument('<name>')
    .action(async (name: string) => {
      await ctx.client().tokens.revoke(name);
      ctx.out().result({ name, revoked: true }, () => ctx.out().line(`Revoked token ${name}`));
    });
}

function tokensRotate(tokens: Command, ctx: CliContext): void {
  tokens
    .command('rotate')
    .description('a new secret for a token, same name and role; the old secret stops working at once')
    .argument('<name>')
    .option('--expires-in <duration>', "how long the new secret works: 30d, 12h, 2w (default: the server's --token-ttl from now)")
    .option('--no-expiry', 'the new secret never expires (admins only)')
    .action(async (name: string, o: { expiresIn?: string; expiry?: boolean }) => {
      const rotated = await ctx.client().tokens.rotate(name, expiresIn(o));
      ctx.out().result(rotated, () => printSecret(ctx, rotated, 'rotated: the old secret no longer works'));
    });
}

function whoamiCommand(program: Command, ctx: CliContext): void {
  program
    .command('whoami')
    .description('the name and role the server sees for these credentials')
    .action(async () => {
      const me = await ctx.client().whoami();
      ctx.out().result(me, () => ctx.out().line(`${me.name} (${me.role}${me.open ? ', open local mode: no tokens on this server' : ''})`));
    });

}

export function tokensCommands(program: Command, ctx: CliContext): void {
  const tokens = program.command('tokens').description('API tokens: create (at most your role), list, revoke, rotate');
  tokensCreate(tokens, ctx);
  tokensList(tokens, ctx);
  tokensRevoke(tokens, ctx);
  tokensRotate(tokens, ctx);
  whoamiCommand(program, ctx);
  addExamples(program);
}
