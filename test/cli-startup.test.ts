// The CLI loads only the module of the command it runs (src/cli/cli-lazy.ts). These tests hold it
// to the promise that nothing a user sees changed: every command's help is what the whole tree
// prints, the help index is fresh, and a remote command never loads the server's heavy dependencies.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CommanderError, type Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { CLI_INDEX_FILE, cliIndexSource } from '../scripts/generate-cli-index.js';
import { buildProgram, runCli } from '../src/cli/cli.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

function capture() {
  let out = '';
  let err = '';
  const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: {} };
  return { io, text: () => out + err };
}

/** Help as the whole tree (every module imported) prints it. */
async function fullHelp(args: string[]): Promise<string> {
  const c = capture();
  const { program } = await buildProgram(c.io, 'all');
  await program.parseAsync(args, { from: 'user' }).catch((err: unknown) => {
    if (!(err instanceof CommanderError)) throw err;
  });
  return c.text();
}

/** Help as a user gets it: through runCli, which loads only the command's module. */
async function lazyHelp(args: string[]): Promise<{ code: number; text: string }> {
  const c = capture();
  const code = await runCli(['node', 'stagecraft', ...args], c.io);
  return { code, text: c.text() };
}

function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((sub) => {
    const p = [...prefix, sub.name()];
    return [p, ...commandPaths(sub, p)];
  });
}

describe('CLI startup: lazy command modules', () => {
  it('the committed help index matches the commands', async () => {
    const upToDate = (await cliIndexSource()) === fs.readFileSync(CLI_INDEX_FILE, 'utf8');
    expect(upToDate, 'src/cli/cli-command-index.ts is stale: run npm run cli:index and commit the result').toBe(true);
  });

  it('stagecraft --help and `stagecraft help` list every command as the whole tree does', async () => {
    const full = await fullHelp(['--help']);
    expect(full).toContain('rollback [options] <model>');
    expect((await lazyHelp(['--help'])).text).toBe(full);
    expect((await lazyHelp(['help'])).text).toBe(full);
  });

  it('every command and subcommand prints the same help, options included, as the whole tree', async () => {
    const { program } = await buildProgram(capture().io, 'all');
    const paths = commandPaths(program);
    expect(paths.length).toBeGreaterThan(60);
    for (const p of paths) {
      const full = await fullHelp([...p, '--help']);
      const lazy = await lazyHelp([...p, '--help']);
      expect(lazy.text, p.join(' ')).toBe(full);
      expect(lazy.code, p.join(' ')).toBe(0);
      // The options of the command as commander defines them, each in its help.
      const cmd = p.reduce<Command>((c, name) => c.commands.find((s) => s.name() === name)!, program);
      for (const o of cmd.options) expect(lazy.text, `${p.join(' ')} ${o.flags}`).toContain(o.flags);
    }
    // Global options before the command and `help CMD` find the command too.
    expect((await lazyHelp(['--url', 'http://x:1', '--json', 'rollback', '--help'])).text).toBe(await fullHelp(['rollback', '--help']));
    expect((await lazyHelp(['help', 'models'])).text).toBe(await fullHelp(['models', '--help']));
  }, 120_000);

  it('a mistyped command still gets a suggestion, with exit 2', async () => {
    const r = await lazyHelp(['modls', 'list']);
    expect(r.code).toBe(2);
    expect(r.text).toContain('Did you mean models?');
  });

  it("a remote command loads no ONNX Runtime, Fastify, Kysely, AWS SDK or gRPC", async () => {
    // A resolve hook in the child records every module it loads; the command fails to connect
    // (exit 3) after its module and the SDK have loaded, which is all this is about.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecraft-cli-startup-'));
    try {
      const list = path.join(dir, 'loaded.txt');
      fs.writeFileSync(
        path.join(dir, 'hooks.mjs'),
        `import fs from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); fs.appendFileSync(${JSON.stringify(list)}, r.url + '\\n'); return r; }\n`,
      );
      fs.writeFileSync(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`);
      const args = ['--import', 'tsx', '--import', pathToFileURL(path.join(dir, 'register.mjs')).href, 'src/main.ts', '--url', 'http://127.0.0.1:9', 'rollback', 'm', '--reason', 'r'];
      const code = await run(process.execPath, args, { cwd: root }).then(
        () => 0,
        (err: { code: number }) => err.code,
      );
      expect(code).toBe(3);
      const loaded = fs.readFileSync(list, 'utf8');
      expect(loaded).toContain('targets-commands');
      for (const heavy of ['onnxruntime-node', 'node_modules/fastify/', 'node_modules/kysely/', '@aws-sdk', '@grpc', 'better-sqlite3', 'typebox', 'server-command']) {
        expect(loaded, heavy).not.toContain(heavy);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
