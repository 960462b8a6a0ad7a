// The command table. Remote commands go through the SDK; the server command runs in-process.
import { Command, CommanderError } from 'commander';
import { DEFAULT_URL, processEnv } from '../config.js';
import { VERSION } from '../version.js';
import { CliError, EXIT } from './cli-errors.js';
import { serverCommand } from './server-command.js';

export interface GlobalOptions {
  url: string;
  token?: string;
  json?: boolean;
}

export function buildProgram(): Command {
  const env = processEnv();
  const program = new Command('stagecraft')
    .description('Model registry and serving gateway with instant, audited rollback')
    .version(VERSION)
    .option('--url <url>', 'Stagecraft server URL (env STAGECRAFT_URL)', env.STAGECRAFT_URL ?? DEFAULT_URL)
    .option('--token <token>', 'API token (env STAGECRAFT_TOKEN)', env.STAGECRAFT_TOKEN)
    .option('--json', 'machine-readable output')
    .exitOverride()
    .showHelpAfterError();
  serverCommand(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof CliError) {
      process.stderr.write(`stagecraft: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`stagecraft: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.refused;
  }
}
