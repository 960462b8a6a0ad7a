// What every command group gets: the io, the parsed global options, an SDK client built from them.
import type { Command } from 'commander';
import { createClient, type StagecraftClient } from '../../sdk/client.js';
import { Output, osUser, type CliIo } from './cli-io.js';

export interface GlobalOptions {
  url: string;
  token?: string;
  json?: boolean;
}

export class CliContext {
  /** Exit code a command asks for without failing (e.g. 0 after printing help). */
  exitCode = 0;
  private cached: StagecraftClient | null = null;

  constructor(
    readonly io: CliIo,
    readonly program: Command,
  ) {}

  globals(): GlobalOptions {
    return this.program.opts<GlobalOptions>();
  }

  /** Built after parsing, so --url/--token given anywhere on the line count. */
  client(): StagecraftClient {
    if (!this.cached) {
      const g = this.globals();
      // Without a token the server may run open; then it records the actor this header names.
      this.cached = createClient({ url: g.url, token: g.token || undefined, actor: g.token ? undefined : osUser(this.io.env) });
    }
    return this.cached;
  }

  out(): Output {
    return new Output(this.io, !!this.globals().json);
  }
}
