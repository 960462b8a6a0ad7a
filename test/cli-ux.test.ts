// The CLI a person expects (issue 19): one stage parser in any case, a version named by number,
// label, stage, @alias or models:/ URI on every command, --force with a reason where the server
// offers it, --endpoint-url, a warning for a version nothing can serve, `status --wait` stopping
// as soon as a replica reports a failure, and one line (exit 2) for a port already taken.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAgainst, artifactDir, useCliServer } from './cli-harness.js';
import { DATABASES, tempDir, uniqueName, useRegistry } from './databases.js';
import { registerOnnx, specFor } from './gateway-fixtures.js';
import { call, createModel, promote } from './http.js';
import type { Command } from 'commander';
import { buildProgram } from '../src/cli/cli.js';
import { processIo } from '../src/cli/cli-io.js';
import { serverExtensions } from '../src/server.js';

describe.each(DATABASES)('CLI stage, version and force arguments (%s)', (kind) => {
  const s = useCliServer(kind);

  /** A model whose v1 (label v1.0, ONNX) is in Production and v2 (label v2.0, no servable file) is not. */
  async function promotedModel() {
    const name = uniqueName('fraud');
    await createModel(s.app, name);
    await registerOnnx(s.app, name, specFor(1), { label: 'v1.0' });
    const v2 = await s.run(['versions', 'create', name, artifactDir({ 'model.bin': 'weights' }), '--label', 'v2.0', '--json']);
    expect(v2.code).toBe(0);
    const moved = await s.run(['models', 'transition-version', '--model-name', name, '--version', 'v1.0', '--stage', 'production']);
    expect(moved.code).toBe(0);
    expect(moved.stdout).toContain('is now in Production');
    return { name, v2 };
  }

  it("names the server's suggested commands the way this CLI was started (npx stagecraft under npm)", async () => {
    const name = uniqueName('fraud');
    await createModel(s.app, name);
    await registerOnnx(s.app, name, specFor(1));
    const plain = await s.run(['versions', 'purge', name, '1']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(`delete it first with \`stagecraft versions delete ${name} 1\``);
    const viaNpm = await s.run(['versions', 'purge', name, '1'], { env: { npm_command: 'exec' } });
    expect(viaNpm.stderr).toContain(`delete it first with \`npx stagecraft versions delete ${name} 1\``);
  });

  it('reads a stage in any case (and prod) on every command, the server too, and names the stages on a typo', async () => {
    const { name } = await promotedModel();
    for (const stage of ['production', 'Production', 'PRODUCTION', 'prod']) {
      const list = await s.run(['versions', 'list', name, '--stage', stage, '--json']);
      expect(list.code).toBe(0);
      expect(list.json.map((v: { version: number }) => v.version)).toEqual([1]);
    }
    const typo = await s.run(['versions', 'list', name, '--stage', 'prodution']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('"prodution" is not a stage; use None, Staging, Production or Archived');
    const sameWords = await s.run(['history', name, '--stage', 'prodution']);
    expect(sameWords.code).toBe(2);
    expect(sameWords.stderr).toContain('"prodution" is not a stage; use None, Staging, Production or Archived');
    expect((await s.run(['history', name, '--stage', 'production'])).code).toBe(0);

    // The REST API: a lower-case stage lists the same versions; an unknown one is a 400, never an empty page.
    const lower = await call(s.app, 'GET', `/api/v1/models/${name}/versions?stage=production`);
    expect(lower.status).toBe(200);
    expect(lower.body.versions.map((v: { version: number }) => v.version)).toEqual([1]);
    const bad = await call(s.app, 'GET', `/api/v1/versions?stage=prodution`);
    expect(bad.status).toBe(400);
    expect(bad.body.message ?? bad.body.error?.message ?? JSON.stringify(bad.body)).toContain('invalid stage');
  });

  it('takes a version as a number, label, stage, @alias or models:/ URI on show, download, mark, tags and aliases', async () => {
    const { name } = await promotedModel();
    const forms: string[][] = [
      [name, '1'],
      [name, 'v1.0'],
      [name, 'production'],
      [`models:/${name}/1`],
      [`models:/${name}/v1.0`],
      [`models:/${name}/Production`],
    ];
    for (const form of forms) {
      const shown = await s.run(['versions', 'show', ...form, '--json']);
      expect(shown.code, form.join(' ')).toBe(0);
      expect(shown.json).toMatchObject({ name, version: 1 });
    }
    expect((await s.run(['aliases', 'set', name, 'champion', 'v2.0'])).code).toBe(0);
    expect((await s.run(['versions', 'show', name, '@champion', '--json'])).json.version).toBe(2);
    expect((await s.run(['versions', 'show', `models:/${name}@champion`, '--json'])).json.version).toBe(2);
    const out = tempDir('cli-ux-dl-');
    const dl = await s.run(['versions', 'download', `models:/${name}/v2.0`, '--out', out, '--json']);
    expect(dl.code).toBe(0);
    const tagged = await s.run(['tags', 'set', name, 'note', 'hi', '--version', 'v2.0', '--json']);
    expect(tagged.json).toMatchObject({ version: 2, tags: { note: 'hi' } });

    const other = await s.run(['versions', 'show', name, 'models:/someone-else/1']);
    expect(other.code).toBe(2);
    const both = await s.run(['versions', 'show', `models:/${name}/1`, '2']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('not both');
    const none = await s.run(['versions', 'show', name]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`which version of ${name}?`);
    const missing = await s.run(['versions', 'show', name, 'v9.9']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`models:/${name}/v9.9 does not resolve to any version`);
  });

  it('offers --force with a reason where the server asks for force', async () => {
    const { name } = await promotedModel();
    await registerOnnx(s.app, name, specFor(3), { label: 'v3.0' });
    expect((await s.run(['versions', 'mark', name, 'v3.0', '--failed', '--reason', 'bad recall'])).code).toBe(0);
    const refused = await s.run(['models', 'transition-version', '--model-name', name, '--version', '3', '--stage', 'production']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('needs force');
    const noReason = await s.run(['models', 'transition-version', '--model-name', name, '--version', '3', '--stage', 'production', '--force']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--force needs --reason');
    const forced = await s.run(['models', 'transition-version', '--model-name', name, '--version', '3', '--stage', 'production', '--force', '--reason', 'the failure was a flaky check']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('is now in Production');
    const alias = await s.run(['aliases', 'set', name, 'canary', 'v3.0', '--force', '--reason', 'reproduce the failure']);
    expect(alias.code).toBe(0);
  });

  it('sets endpoint_url from --endpoint-url or the stagecraft.endpoint_url tag, and warns when nothing can serve a version', async () => {
    const name = uniqueName('remote');
    await createModel(s.app, name);
    const dir = artifactDir({ 'model.pkl': 'pickle' });
    const byFlag = await s.run(['versions', 'create', name, dir, '--endpoint-url', 'http://127.0.0.1:9/invocations', '--json']);
    expect(byFlag.code).toBe(0);
    expect(byFlag.json).toMatchObject({ endpoint_url: 'http://127.0.0.1:9/invocations', runtime: 'http' });
    expect(byFlag.stderr).toBe('');
    const byTag = await s.run(['versions', 'create', name, dir, '--tag', 'stagecraft.endpoint_url=http://127.0.0.1:9/v2', '--json']);
    expect(byTag.json).toMatchObject({ endpoint_url: 'http://127.0.0.1:9/v2', runtime: 'http' });
    const disagree = await s.run(['versions', 'create', name, dir, '--endpoint-url', 'http://a/', '--tag', 'stagecraft.endpoint_url=http://b/']);
    expect(disagree.code).toBe(2);
    expect(disagree.stderr).toContain('disagree');

    const bare = await s.run(['versions', 'create', name, dir, '--json']);
    expect(bare.code).toBe(0);
    expect(bare.json.runtime).toBeNull();
    expect(bare.stderr).toContain(`warning: ${name} version 3 cannot be served: it has no .onnx file`);
    expect(bare.stderr).toContain('--endpoint-url');
    const promoted = await s.run(['models', 'transition-version', '--model-name', name, '--version', '3', '--stage', 'staging']);
    expect(promoted.code).toBe(0);
    expect(promoted.stderr).toContain('cannot be served');
    const servable = await s.run(['models', 'transition-version', '--model-name', name, '--version', '1', '--stage', 'staging']);
    expect(servable.stderr).toBe('');
  });
});

describe.each(DATABASES)('status --wait (%s)', (kind) => {
  const r = useRegistry(kind, { extensions: serverExtensions().pick('serving'), config: { prepareDeadlineMs: 300 } });
  let url = '';
  beforeAll(async () => {
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
  });

  it('returns as soon as every replica reported, naming the one that failed to load, instead of waiting the timeout', async () => {
    const m = uniqueName('ranker');
    await createModel(r.app, m);
    await registerOnnx(r.app, m, specFor(1));
    await promote(r.app, m, 1);
    expect((await runAgainst(url, ['status', m, '--wait', '--timeout', '20'])).code).toBe(0);
    const bare = await runAgainst(url, ['versions', 'create', m, artifactDir({ 'model.bin': 'not a model' })]);
    expect(bare.code).toBe(0);
    await call(r.app, 'PUT', `/api/v1/models/${m}/aliases/broken`, { version: 2 });
    expect((await runAgainst(url, ['bindings', 'set', m, '--alias', 'broken'])).code).toBe(0);
    const started = Date.now();
    const waited = await runAgainst(url, ['status', m, '--wait', '--timeout', '30']);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(waited.code).toBe(1);
    expect(waited.stderr).toMatch(/1 of 1 replica\(s\) failed to serve .* v2:/);
    expect(waited.stderr).toContain('not servable');
  });
});

describe('a port already taken', () => {
  let holder: net.Server;
  let port = 0;
  beforeAll(async () => {
    holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  it.each([
    ['server', () => ['server', '--port', String(port), '--data-dir', tempDir('cli-ux-srv-')], 'STAGECRAFT_PORT'],
    // The HTTP port is free (0: any), the gRPC one is taken: the message names the gRPC flag.
    ['server --grpc-port', () => ['server', '--port', '0', '--grpc-port', String(port), '--data-dir', tempDir('cli-ux-grpc-')], '--grpc-port N'],
    ['gateway', () => ['gateway', '--port', String(port), '--cache-dir', tempDir('cli-ux-gw-'), '--registry', 'http://127.0.0.1:9'], '--port N'],
    ['demo', () => ['demo', '--once', '--port', String(port)], '--port N'],
  ])('%s says which port and how to choose another, in one line, exit 2', async (_name, args, fix) => {
    const res = await runAgainst('http://127.0.0.1:9', args());
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(res.stderr).toContain(fix);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('help', () => {
  /** Every command path under the program (groups and leaves), e.g. ['versions', 'create']. */
  async function commandPaths(): Promise<Array<{ path: string[]; leaf: boolean; cmd: Command }>> {
    const out: Array<{ path: string[]; leaf: boolean; cmd: Command }> = [];
    const visit = (c: Command, prefix: string[]) => {
      for (const sub of c.commands) {
        out.push({ path: [...prefix, sub.name()], leaf: sub.commands.length === 0, cmd: sub });
        visit(sub, [...prefix, sub.name()]);
      }
    };
    visit((await buildProgram(processIo(), 'all')).program, []);
    return out;
  }

  it('describes every command and option, and shows examples under every command', async () => {
    const paths = await commandPaths();
    expect(paths.length).toBeGreaterThan(60);
    const undescribed = paths.filter((p) => !p.cmd.description()).map((p) => p.path.join(' '));
    expect(undescribed).toEqual([]);
    const bareOptions = paths.flatMap((p) => p.cmd.options.filter((o) => !o.description).map((o) => `${p.path.join(' ')} ${o.flags}`));
    expect(bareOptions).toEqual([]);
    const noExamples: string[] = [];
    for (const p of paths.filter((x) => x.leaf)) {
      const help = await runAgainst('http://127.0.0.1:9', [...p.path, '--help']);
      expect(help.code).toBe(0);
      if (!help.stdout.includes('Examples:\n  $ stagecraft ')) noExamples.push(p.path.join(' '));
    }
    expect(noExamples).toEqual([]);
  });

  it('shows defaults and environment variables once', async () => {
    const server = (await runAgainst('http://127.0.0.1:9', ['server', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(server).toContain('env STAGECRAFT_PORT; default 5100');
    expect(server).toContain('env STAGECRAFT_DATA_DIR');
    const demo = await runAgainst('http://127.0.0.1:9', ['demo', '--help']);
    expect(demo.stdout.match(/default/g)).toHaveLength(1);
  });
});
