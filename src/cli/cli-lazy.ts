// Which command module a command line needs, and stand-ins for the others so `stagecraft --help`
// and commander's "did you mean" still see every command without loading its module.
import { Help, type Command } from 'commander';
import type { CommandModule, IndexedCommand } from './command-modules.js';

/**
 * The top-level command word of `args` (after the program's own options), or of `help WORD`;
 * undefined when there is none (bare `stagecraft`, `stagecraft --help`).
 */
export function commandWord(args: string[], program: Command): string | undefined {
  // Options of the program that take a value: their value is not the command word.
  const valued = new Set(program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short]).filter(Boolean));
  const operands: string[] = [];
  for (let i = 0; i < args.length && operands.length < 2; i++) {
    const a = args[i];
    if (a === '--') {
      operands.push(...args.slice(i + 1, i + 3));
      break;
    }
    if (valued.has(a)) i++;
    else if (!a.startsWith('-') || a === '-') operands.push(a);
    if (operands[0] !== undefined && operands[0] !== 'help') break;
  }
  return operands[0] === 'help' ? operands[1] : operands[0];
}

/** The modules to load for this word: its own, or none (help, unknown words, no command). */
export function modulesFor(word: string | undefined, index: IndexedCommand[]): Set<CommandModule> {
  const hit = index.find((c) => c.name === word || c.aliases.includes(word ?? ''));
  return new Set(hit ? [hit.module] : []);
}

const stubTerms = new WeakMap<Command, string>();

/**
 * Adds a stand-in for a command whose module is not loaded: the same name, aliases, help term and
 * description, so the program's help lists it exactly as the real one. It never runs: the command
 * word decides what loads, so a line that reaches a stand-in is a bug, said as such.
 */
export function addStub(program: Command, entry: IndexedCommand): void {
  const stub = program
    .command(entry.name)
    .aliases(entry.aliases)
    .description(entry.description)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new Error(`internal: the module of "${entry.name}" was not loaded`);
    });
  stubTerms.set(stub, entry.term);
}

/** Help whose command list shows a stand-in's recorded term (its real options and arguments). */
export function stubAwareHelp(): Partial<Help> {
  return {
    subcommandTerm(cmd: Command): string {
      return stubTerms.get(cmd) ?? Help.prototype.subcommandTerm.call(this, cmd);
    },
  };
}
