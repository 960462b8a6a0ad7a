// The command table. Remote commands go through the SDK; the server command runs in-process.
// runCli takes its io (stdout, stderr, env) so tests run it in-process; main passes process's.
import { Command, CommanderError } from 'commander';
import { StagecraftApiError, StagecraftUnreachableError } from '../../sdk/errors.js';
import { StagecraftLocalError } from '../../sdk/node-files.js';
import { ConfigError, DEFAULT_URL } from '../config.js';
import { VERSION } from '../version.js';
import { CliContext } from './cli-context.js';
import { CliError, EXIT } from './cli-errors.js';
import { processIo, type CliIo } from './cli-io.js';
import { COMMAND_INDEX } from './cli-command-index.js';
import { addStub, commandWord, modulesFor, stubAwareHelp } from './cli-lazy.js';
import { COMMAND_MODULES, type CommandModule } from './command-modules.js';
import { selfName } from './self-name.js';

/**
 * The program for the command line `args`: the module of its command registered for real, the
 * others as stand-ins (see cli-lazy.ts). 'all' builds the whole tree (the help index and its tests).
 */
export async function buildProgram(io: CliIo, args: string[] | 'all'): Promise<{ program: Command; ctx: CliContext }> {
  const program = new Command('stagecraft')
    .description('Model registry and serving gateway with instant, audited rollback')
    .option('--url <url>', 'Stagecraft server URL (env STAGECRAFT_URL)', io.env.STAGECRAFT_URL || DEFAULT_URL)
    .option('--token <token>', 'API token (env STAGECRAFT_TOKEN)', io.env.STAGECRAFT_TOKEN)
    .option('--json', 'machine-readable output')
    .addHelpText('after', `\nstagecraft --version prints the version (${VERSION}).`)
    // Inherited by every command added below: errors come back here instead of exiting the process.
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .configureHelp(stubAwareHelp())
    .showHelpAfterError('(add --help for usage)');
  const ctx = new CliContext(io, program);
  const load = args === 'all' ? 'all' : modulesFor(commandWord(args, program), COMMAND_INDEX);
  for (const [name, loadModule] of Object.entries(COMMAND_MODULES) as Array<[CommandModule, (typeof COMMAND_MODULES)[CommandModule]]>) {
    if (load === 'all' || load.has(name)) (await loadModule())(program, ctx);
    else for (const entry of COMMAND_INDEX.filter((c) => c.module === name)) addStub(program, entry);
  }
  return { program, ctx };
}

export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const args = argv.slice(2);
  // Handled here, not with program.version(): commander would otherwise take the `--version N` of
  // `models transition-version` (MLflow's spelling) as the program's own flag.
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const { program, ctx } = await buildProgram(io, args);
  const exitCodeBefore = process.exitCode;
  try {
    await program.parseAsync(args, { from: 'user' });
    // `server` reports its exit status through process.exitCode.
    if (process.exitCode !== exitCodeBefore && typeof process.exitCode === 'number') return process.exitCode;
    return ctx.exitCode;
  } catch (err) {
    return reportError(err, io, program.opts().url as string);
  }
}

/** A server message's `stagecraft …` suggestions, named the way this CLI was started (`npx stagecraft …`). */
function asInvoked(message: string, env: CliIo['env']): string {
  const self = selfName(env);
  return self === 'stagecraft' ? message : message.replaceAll('`stagecraft ', `\`${self} `);
}

function reportError(err: unknown, io: CliIo, url: string): number {
  const say = (text: string) => io.stderr.write(`stagecraft: ${text}\n`);
  if (err instanceof CommanderError) {
    // --help exits through here with code 0; commander already printed what was wrong.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof StagecraftApiError) {
    // The server's own words: they name what was refused and why. The server cannot know how this
    // CLI was started, so a command it suggests is renamed to the one that works here.
    const message = asInvoked(err.message, io.env);
    say(err.status >= 500 ? `${message} (server error, request id ${err.id})` : message);
    return EXIT.refused;
  }
  if (err instanceof StagecraftUnreachableError) {
    say(`${err.message}. Is the server running? Start it with \`${selfName(io.env)} server\`, or point --url / STAGECRAFT_URL at it (now ${url}).`);
    return EXIT.unreachable;
  }
  if (err instanceof ConfigError) {
    say(err.message);
    return EXIT.usage;
  }
  if (err instanceof StagecraftLocalError || err instanceof CliError) {
    say(err.message);
    return err instanceof CliError ? err.exitCode : EXIT.refused;
  }
  say((err as Error).stack ?? String(err));
  return EXIT.refused;
}
