// stagecraft tokens create|list|revoke, whoami
import type { Command } from 'commander';
import type { TokenRole } from '../../sdk/client.js';
import type { CliContext } from './cli-context.js';
import { shortTime } from './table.js';
import { addExamples } from './help-examples.js';

// The people's roles in order, then the serving replicas' own (heartbeats, observations, artifact reads; nothing else).
const ROLES = ['viewer', 'editor', 'deployer', 'admin', 'gateway'];

function tokensCreate(tokens: Command, ctx: CliContext): void {
  tokens
    .command('create')
    .description('create a token; it is printed once and cannot be shown again')
    .argument('<name>', 'who or what uses it; recorded as the actor in the audit log')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .action(async (name: string, o: { role: string }) => {
      // Another role is sent as given: the server refuses it, in its words.
      const created = await ctx.client().tokens.create(name, o.role as TokenRole);
      ctx.out().result(created, () => {
        ctx.out().line(created.token);
        ctx.out().note(`Token "${created.name}" (${created.role}) created. Store it now: it is not shown again.`);
      });
    });
}

function tokensList(tokens: Command, ctx: CliContext): void {
  tokens
    .command('list')
    .description('list tokens (never their secrets)')
    .action(async () => {
      const { tokens: all } = await ctx.client().tokens.list();
      ctx.out().result(all, () =>
        ctx.out().table(all, [
          { header: 'NAME', value: (t) => t.name },
          { header: 'ROLE', value: (t) => t.role },
          { header: 'CREATED', value: (t) => `${shortTime(t.created_at)} by ${t.created_by}` },
          { header: 'STATE', value: (t) => (t.revoked ? 'revoked' : 'active') },
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
  const tokens = program.command('tokens').description('API tokens (admin)');
  tokensCreate(tokens, ctx);
  tokensList(tokens, ctx);
  tokensRevoke(tokens, ctx);
  whoamiCommand(program, ctx);
  addExamples(program);
}
