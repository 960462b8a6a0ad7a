// CLI failures and permissions, on SQLite and PostgreSQL: exit 1 with the server's words for a
// refusal, 2 for a usage mistake, 3 when nothing answers; links refused; roles enforced; and the
// real binary wired up once as a subprocess.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/cli.js';
import { VERSION } from '../src/version.js';
import { DATABASES, uniqueName } from './databases.js';
import { artifactDir, deadUrl, runAgainst, useCliServer } from './cli-harness.js';

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');

describe.each(DATABASES)('CLI exit codes and refusals (%s)', (kind) => {
  const s = useCliServer(kind);

  async function modelWithVersion() {
    const name = uniqueName('m');
    await s.run(['models', 'create', name]);
    expect((await s.run(['versions', 'create', name, artifactDir({ 'model.bin': 'x' })])).code).toBe(0);
    return name;
  }

  it('exits 1 with the server message when a rollback has no candidate, and changes nothing', async () => {
    const name = await modelWithVersion();
    await s.run(['models', 'transition-version', '--model-name', name, '--version', '1', '--stage', 'Production']);
    const res = await s.run(['rollback', name, '--reason', 'looks bad']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^stagecraft: no version to roll back/);
    expect(res.stdout).toBe('');
    expect((await s.run(['resolve', `models:/${name}/Production`, '--json'])).json.version).toBe(1);
  });

  it('exits 1 naming the alias when rolling back an alias that was never set', async () => {
    const name = await modelWithVersion();
    const res = await s.run(['rollback', name, '--alias', 'champion', '--reason', 'x']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('champion');
  });

  it('exits 2 for usage mistakes before sending anything', async () => {
    const cases = [
      ['bogus-command'],
      ['models', 'transition-version', '--model-name', 'm', '--version', '0', '--stage', 'Production'],
      ['versions', 'mark', 'm', '1', '--reason', 'neither flag'],
      ['versions', 'mark', 'm', '1', '--stable', '--failed', '--reason', 'both flags'],
      ['rollback', 'm'],
      ['rollback', 'm', '--stage', 'Production', '--alias', 'a', '--reason', 'both'],
      ['versions', 'create', 'm', '/tmp', '--metric', 'auc=high'],
    ];
    for (const args of cases) {
      const res = await s.run(args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr, args.join(' ')).not.toBe('');
    }
  });

  it('prints help and the version with exit 0', async () => {
    const help = await s.run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('rollback');
    let printed = '';
    const code = await runCli(['node', 'stagecraft', '--version'], { stdout: { write: (x: string) => (printed += x) }, stderr: { write: () => {} }, env: {} });
    expect(code).toBe(0);
    expect(printed.trim()).toBe(VERSION);
  });

  it('exits 3 when the server is unreachable, saying where it looked', async () => {
    const url = await deadUrl();
    const res = await runAgainst(url, ['models', 'list']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(url);
    expect(res.stderr).toMatch(/ECONNREFUSED|cannot reach/);
  });

  it('reads the server URL from STAGECRAFT_URL when --url is not given', async () => {
    const out: string[] = [];
    const code = await runCli(['node', 'stagecraft', 'models', 'list', '--json'], {
      stdout: { write: (x: string) => out.push(x) },
      stderr: { write: () => {} },
      env: { STAGECRAFT_URL: s.url },
    });
    expect(code).toBe(0);
    expect(Array.isArray(JSON.parse(out.join('')))).toBe(true);
  });

  it('refuses to upload a directory holding a symbolic link, and registers nothing', async () => {
    const name = uniqueName('link');
    await s.run(['models', 'create', name]);
    const dir = artifactDir({ 'model.bin': 'x' });
    fs.symlinkSync('/etc/hostname', path.join(dir, 'sneaky'));
    const res = await s.run(['versions', 'create', name, dir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/symbolic link .*sneaky/);
    expect((await s.run(['versions', 'list', name, '--json'])).json).toEqual([]);
  });

  it('runs as the real binary in a subprocess', async () => {
    const name = uniqueName('bin');
    await s.run(['models', 'create', name]);
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const { stdout } = await exec(tsx, [path.join(ROOT, 'src/main.ts'), '--url', s.url, 'models', 'list', '--json'], { cwd: ROOT });
    expect(JSON.parse(stdout).map((m: { name: string }) => m.name)).toContain(name);
    const refused = await exec(tsx, [path.join(ROOT, 'src/main.ts'), '--url', s.url, 'models', 'show', 'no-such-model'], { cwd: ROOT }).catch((e) => e);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('no-such-model');
  });
});

describe.each(DATABASES)('CLI with API tokens (%s)', (kind) => {
  const s = useCliServer(kind);

  it('prints a new token once, then enforces roles: a viewer reads but cannot promote', async () => {
    const name = uniqueName('perm');
    await s.run(['models', 'create', name]);
    await s.run(['versions', 'create', name, artifactDir({ 'model.bin': 'x' })]);

    const admin = await s.run(['tokens', 'create', 'boss', '--role', 'admin']);
    expect(admin.code).toBe(0);
    const adminToken = admin.stdout.trim();
    expect(adminToken).toMatch(/^\S{20,}$/);
    expect(admin.stderr).toContain('not shown again');
    const viewer = await s.run(['--token', adminToken, 'tokens', 'create', 'watcher', '--role', 'viewer', '--json']);
    expect(viewer.json).toMatchObject({ name: 'watcher', role: 'viewer' });

    const asViewer = (args: string[]) => s.run(['--token', viewer.json.token, ...args]);
    expect((await asViewer(['whoami', '--json'])).json).toMatchObject({ name: 'watcher', role: 'viewer' });
    expect((await asViewer(['versions', 'list', name])).code).toBe(0);
    const promote = await asViewer(['models', 'transition-version', '--model-name', name, '--version', '1', '--stage', 'Production']);
    expect(promote.code).toBe(1);
    expect(promote.stderr).toMatch(/role viewer; this action needs deployer/);
    expect((await s.run(['--token', adminToken, 'versions', 'show', name, '1', '--json'])).json.stage).toBe('None');

    // The token comes from STAGECRAFT_TOKEN as well; and without one the server now refuses.
    const fromEnv = await s.run(['whoami', '--json'], { env: { STAGECRAFT_TOKEN: adminToken } });
    expect(fromEnv.json.name).toBe('boss');
    const anonymous = await s.run(['models', 'list']);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('requires an API token');

    const list = await s.run(['--token', adminToken, 'tokens', 'list', '--json']);
    expect(list.json.map((t: { name: string }) => t.name).sort()).toEqual(['boss', 'watcher']);
    expect(JSON.stringify(list.json)).not.toContain(viewer.json.token);
    expect((await s.run(['--token', adminToken, 'tokens', 'revoke', 'watcher'])).code).toBe(0);
    const revoked = await asViewer(['models', 'list']);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toContain('revoked');

    // Expiry and rotation (issue 20): the list shows them; a rotated token's old secret stops at once.
    const ci = await s.run(['--token', adminToken, 'tokens', 'create', 'ci', '--role', 'deployer', '--expires-in', '30d', '--json']);
    expect(ci.json.expires_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const forever = await s.run(['--token', ci.json.token, 'tokens', 'create', 'ci-forever', '--role', 'viewer', '--no-expiry']);
    expect([forever.code, forever.stderr]).toEqual([1, expect.stringContaining('a token that never expires needs an admin')]);
    const above = await s.run(['--token', ci.json.token, 'tokens', 'create', 'ci-admin', '--role', 'admin']);
    expect(above.stderr).toContain("a token gets at most its creator's role");
    const table = await s.run(['--token', adminToken, 'tokens', 'list']);
    expect(table.stdout).toMatch(/NAME\s+ROLE\s+CREATED\s+EXPIRES\s+LAST USED\s+STATE/);
    expect(table.stdout).toMatch(/watcher .*revoked/);
    const rotated = await s.run(['--token', adminToken, 'tokens', 'rotate', 'ci']);
    expect(rotated.code).toBe(0);
    expect(rotated.stderr).toContain('the old secret no longer works');
    expect((await s.run(['--token', ci.json.token, 'whoami'])).code).toBe(1);
    expect((await s.run(['--token', rotated.stdout.trim(), 'whoami', '--json'])).json).toMatchObject({ name: 'ci', role: 'deployer' });
  });
});
