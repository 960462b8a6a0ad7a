// Every top-level command module, in help order, each behind a dynamic import(). Importing them
// all up front pulled in the whole server graph (Fastify, Kysely, TypeBox, the AWS SDK, gRPC…) and
// cost about a second of CPU on every command; now a command loads only the module that defines it.
// A new module: add it here, then `npm run cli:index` to refresh the help index (cli-command-index.ts).
import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';

/** A module's registration function, the shape every *-commands.ts file exports. */
export type RegisterCommands = (program: Command, ctx: CliContext) => void;

export const COMMAND_MODULES = {
  server: async () => (await import('./server-command.js')).serverCommand,
  models: async () => (await import('./models-commands.js')).modelsCommands,
  versions: async () => (await import('./versions-commands.js')).versionsCommands,
  targets: async () => (await import('./targets-commands.js')).targetsCommands,
  tags: async () => (await import('./tags-commands.js')).tagsCommands,
  events: async () => (await import('./events-commands.js')).eventsCommands,
  gateway: async () => (await import('./gateway-commands.js')).gatewayCommands,
  tokens: async () => (await import('./tokens-commands.js')).tokensCommands,
  grants: async () => (await import('./grants-commands.js')).grantsCommands,
  blobs: async () => (await import('./blobs-commands.js')).blobsCommands,
  gc: async () => (await import('./gc-commands.js')).gcCommand,
  backup: async () => (await import('./backup-commands.js')).backupCommands,
  promotion: async () => (await import('./promotion-commands.js')).promotionCommands,
  monitoring: async () => (await import('./monitoring-commands.js')).monitoringCommands,
  demo: async () => (await import('./demo-command.js')).demoCommand,
  transfer: async () => (await import('./transfer-commands.js')).transferCommands,
} satisfies Record<string, () => Promise<RegisterCommands>>;

export type CommandModule = keyof typeof COMMAND_MODULES;

/** What `stagecraft --help` shows of a top-level command, and the module that defines it. */
export interface IndexedCommand {
  name: string;
  aliases: string[];
  module: CommandModule;
  /** The help's left column, e.g. "rollback [options] <model>". */
  term: string;
  description: string;
}
