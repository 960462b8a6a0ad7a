// Where the CLI writes and what it reads from its surroundings. Passed in (main passes process's)
// so tests run commands in-process and read exactly what a user would see.
import os from 'node:os';
import { formatTable, type Column } from './table.js';

export interface Writer {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: Writer;
  stderr: Writer;
  env: Record<string, string | undefined>;
  /** Ends endless commands (events --follow); without it they stop on Ctrl-C. */
  signal?: AbortSignal;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Prints either JSON (the --json contract) or compact human text. */
export class Output {
  constructor(
    readonly io: CliIo,
    readonly json: boolean,
  ) {}

  /** In --json mode print `data`; otherwise call `human`. */
  result(data: unknown, human: () => void): void {
    if (this.json) this.line(JSON.stringify(data, null, 2));
    else human();
  }

  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  table<R>(rows: R[], columns: Column<R>[], empty = '(none)'): void {
    if (rows.length === 0) this.line(empty);
    else this.line(formatTable(rows, columns));
  }

  /** Aligned "key: value" lines, skipping empty values. */
  fields(pairs: Array<[string, unknown]>): void {
    const shown = pairs.filter(([, v]) => v !== null && v !== undefined && v !== '');
    const width = Math.max(...shown.map(([k]) => k.length));
    for (const [k, v] of shown) this.line(`${`${k}:`.padEnd(width + 1)} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }

  /** Notes for people (never part of --json stdout). */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }
}

/** The OS user, named in the audit log when the server runs open (no tokens). */
export function osUser(env: Record<string, string | undefined>): string | undefined {
  let name: string | undefined;
  try {
    name = os.userInfo().username;
  } catch {
    name = env.USER ?? env.USERNAME;
  }
  // The server accepts [\w.@+-]{1,128}; anything else would be recorded as "local" anyway.
  return name && /^[\w.@+-]{1,128}$/.test(name) ? name : undefined;
}
