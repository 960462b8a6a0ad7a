// stagecraft grants list|add|remove: per-model roles and denies (admin), through the typed SDK.
import type { Command } from 'commander';
import type { NewGrant } from '../../sdk/client.js';
import type { CliContext } from './cli-context.js';
import { CliError, EXIT } from './cli-errors.js';
import { addExamples } from './help-examples.js';
import { shortTime } from './table.js';

const ROLES = ['viewer', 'editor', 'deployer', 'admin', 'deny'];
const PRINCIPAL_RE = /^(user|group|token):(.+)$/;

/** 'group:fraud' → the principal the server files grants under (refused here with what to type). */
function principalOf(spec: string): Pick<NewGrant, 'principal_type' | 'principal_name'> {
  const m = PRINCIPAL_RE.exec(spec);
  if (!m) throw new CliError(`principal "${spec}": expected user:<email or sub>, group:<name> or token:<name>`, EXIT.usage);
  return { principal_type: m[1] as NewGrant['principal_type'], principal_name: m[2] };
}

function grantsList(grants: Command, ctx: CliContext): void {
  grants
    .command('list')
    .description('list grants, optionally of one principal or scope')
    .option('--principal <principal>', 'user:<email>, group:<name> or token:<name>')
    .option('--scope <scope>', 'a model name, a glob such as "fraud-*", or "*"')
    .action(async (o: { principal?: string; scope?: string }) => {
      const { grants: all } = await ctx.client().grants.list({ ...(o.principal ? principalOf(o.principal) : {}), scope: o.scope });
      ctx.out().result(all, () =>
        ctx.out().table(all, [
          { header: 'ID', value: (g) => String(g.id) },
          { header: 'PRINCIPAL', value: (g) => `${g.principal_type}:${g.principal_name}` },
          { header: 'SCOPE', value: (g) => g.scope },
          { header: 'ROLE', value: (g) => g.role },
          { header: 'CREATED', value: (g) => `${shortTime(g.created_at)} by ${g.created_by}` },
        ]),
      );
    });
}

function grantsAdd(grants: Command, ctx: CliContext): void {
  grants
    .command('add')
    .description('grant a principal a role (or deny) on a model, a glob of models, or "*"')
    .argument('<principal>', 'user:<email or sub>, group:<name> or token:<name>')
    .argument('<scope>', 'a model name, a glob such as "fraud-*", or "*" for every model')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .action(async (principal: string, scope: string, o: { role: string }) => {
      // Another role is sent as given: the server refuses it, in its words.
      const g = await ctx.client().grants.add({ ...principalOf(principal), scope, role: o.role as NewGrant['role'] });
      ctx.out().result(g, () => ctx.out().line(`Granted ${g.principal_type}:${g.principal_name} ${g.role} on ${g.scope} (id ${g.id})`));
    });
}

function grantsRemove(grants: Command, ctx: CliContext): void {
  grants
    .command('remove')
    .description('remove a grant by its id (see grants list); takes effect at once')
    .argument('<id>', 'the grant id')
    .action(async (id: string) => {
      if (!/^\d+$/.test(id)) throw new CliError(`grant id "${id}": expected the number grants list shows`, EXIT.usage);
      const g = await ctx.client().grants.remove(Number(id));
      ctx.out().result(g, () => ctx.out().line(`Removed grant ${g.id}: ${g.principal_type}:${g.principal_name} ${g.role} on ${g.scope}`));
    });
}

export function grantsCommands(program: Command, ctx: CliContext): void {
  const grants = program.command('grants').description('per-model permissions: roles and denies on models, globs or "*" (admin)');
  grantsList(grants, ctx);
  grantsAdd(grants, ctx);
  grantsRemove(grants, ctx);
  addExamples(program);
}
