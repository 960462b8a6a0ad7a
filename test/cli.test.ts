// The CLI end to end against a started server, on SQLite and PostgreSQL: the walkthrough a person
// follows (register, promote, roll back, read the history) and the --json contract tools rely on.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASES, tempDir, uniqueName } from './databases.js';
import { artifactDir, useCliServer } from './cli-harness.js';

const VERSION_FIELDS = ['name', 'version', 'label', 'stage', 'aliases', 'tags', 'health', 'status', 'digest'];

describe.each(DATABASES)('CLI against a running server (%s)', (kind) => {
  const s = useCliServer(kind);

  /** A model with versions 1 and 2 (labels v1.0, v2.0), registered through the CLI. */
  async function modelWithTwoVersions() {
    const name = uniqueName('fraud');
    expect((await s.run(['models', 'create', name, '--description', 'fraud scores'])).code).toBe(0);
    const dir = artifactDir({ 'model.bin': 'weights one', 'conf/config.json': '{"threshold":0.5}' });
    const v1 = await s.run(['versions', 'create', name, dir, '--label', 'v1.0', '--param', 'lr=0.1', '--param', 'opt=adam', '--metric', 'auc=0.91', '--run-id', 'run-1', '--json']);
    expect(v1.code).toBe(0);
    fs.writeFileSync(path.join(dir, 'model.bin'), 'weights two');
    const v2 = await s.run(['versions', 'create', name, dir, '--label', 'v2.0', '--json']);
    expect(v2.code).toBe(0);
    return { name, dir, v1: v1.json, v2: v2.json };
  }

  it('registers two versions from a directory, and --json prints the version contract', async () => {
    const { name, v1, v2 } = await modelWithTwoVersions();
    for (const field of VERSION_FIELDS) expect(v1).toHaveProperty(field);
    expect(v1).toMatchObject({ name, version: 1, label: 'v1.0', stage: 'None', status: 'READY', health: 'unknown', run_id: 'run-1' });
    expect(v1.params).toEqual({ lr: '0.1', opt: 'adam' });
    expect(v1.metrics).toEqual({ auc: 0.91 });
    expect(v2.version).toBe(2);
    expect(v2.digest).not.toBe(v1.digest);

    const list = await s.run(['versions', 'list', name, '--json']);
    expect(list.json.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const human = await s.run(['versions', 'list', name]);
    expect(human.stdout.split('\n')[0]).toMatch(/^VERSION\s+LABEL\s+STAGE\s+ALIASES\s+HEALTH\s+STATUS/);
    expect(human.stdout).toContain('v2.0');
  });

  it('draws an upload progress bar on a terminal, and never in --json output', async () => {
    const name = uniqueName('bar');
    await s.run(['models', 'create', name]);
    const dir = artifactDir({ 'model.bin': Buffer.alloc(256 * 1024, 1) });
    const onTerminal = await s.run(['versions', 'create', name, dir], { tty: true });
    expect(onTerminal.code).toBe(0);
    expect(onTerminal.stderr).toContain('uploading');
    fs.writeFileSync(path.join(dir, 'model.bin'), Buffer.alloc(256 * 1024, 2));
    const json = await s.run(['versions', 'create', name, dir, '--json'], { tty: true });
    // stderr carries only the warning that a model.bin alone cannot be served (see cli-ux.test.ts).
    expect(json.stderr).not.toContain('uploading');
    expect(json.json.version).toBe(2);
    const piped = await s.run(['versions', 'create', name, dir]);
    expect(piped.stderr).not.toContain('uploading');
  });

  it('promotes with the MLflow spelling, rolls back with --json, and tells the history', async () => {
    const { name } = await modelWithTwoVersions();
    for (const n of ['1', '2']) {
      const moved = await s.run(['models', 'transition-version', '--model-name', name, '--version', n, '--stage', 'production', '--archive-existing']);
      expect(moved.code).toBe(0);
      expect(moved.stdout).toContain(`version ${n} is now in Production`);
    }
    const rb = await s.run(['rollback', name, '--reason', 'recall collapsed', '--json']);
    expect(rb.code).toBe(0);
    expect(rb.json).toMatchObject({ name, target: expect.stringContaining('Production'), from_version: 2, to_version: 1, reason: 'recall collapsed' });
    expect(rb.json.event_id).toEqual(expect.any(Number));

    const v2 = (await s.run(['versions', 'show', name, '2', '--json'])).json;
    expect(v2).toMatchObject({ health: 'failed', stage: 'Archived' });

    const history = await s.run(['history', name, '--json']);
    expect(history.code).toBe(0);
    expect(history.json.entries.map((e: { version: number }) => e.version)).toEqual([1, 2, 1]);
    expect(history.json.entries[0]).toMatchObject({ actor: expect.any(String), reason: 'recall collapsed', cause: 'rollback' });
    const table = await s.run(['history', name]);
    expect(table.stdout).toMatch(/VERSION\s+FROM\s+UNTIL\s+ACTOR\s+CAUSE/);
    expect(table.stdout).toContain('recall collapsed');

    const at = await s.run(['history', name, '--at', new Date(Date.now() + 60_000).toISOString(), '--json']);
    expect(at.json.at.version).toBe(1);
  });

  it('names the OS user as the actor when the server runs open', async () => {
    const { name } = await modelWithTwoVersions();
    const events = await s.run(['events', '--model', name, '--json']);
    expect(events.json.map((e: { type: string }) => e.type)).toEqual(['model.created', 'version.created', 'version.created']);
    expect(events.json[0].actor).toBe(os.userInfo().username);
    const human = await s.run(['events', '--model', name]);
    expect(human.stdout.split('\n')[0]).toMatch(new RegExp(`^#\\d+ \\S+ \\S+ ${os.userInfo().username} model.created ${name}$`));
  });

  it('resolves every models:/ form, with --json printing uri, name and version', async () => {
    const { name } = await modelWithTwoVersions();
    await s.run(['models', 'transition-version', '--model-name', name, '--version', '1', '--stage', 'Staging']);
    await s.run(['models', 'transition-version', '--model-name', name, '--version', '2', '--stage', 'Production']);
    expect((await s.run(['aliases', 'set', name, 'champion', '1'])).code).toBe(0);
    const cases: Array<[string, number]> = [
      [`models:/${name}/1`, 1],
      [`models:/${name}/2`, 2],
      [`models:/${name}/Production`, 2],
      [`models:/${name}/staging`, 1],
      [`models:/${name}/latest`, 2],
      [`models:/${name}@champion`, 1],
      [`models:/${name}/v1.0`, 1],
    ];
    for (const [uri, version] of cases) {
      const r = await s.run(['resolve', uri, '--json']);
      expect(r.code, `${uri}: ${r.stderr}`).toBe(0);
      expect(r.json).toMatchObject({ name, version });
      expect(r.json.uri).toEqual(expect.any(String));
    }
    const human = await s.run(['resolve', `models:/${name}@champion`]);
    expect(human.stdout).toContain(`${name} version 1`);
    const missing = await s.run(['resolve', `models:/${name}@nobody`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nobody/);
  });

  it('downloads a version to a directory with the same bytes', async () => {
    const { name, dir } = await modelWithTwoVersions();
    const out = path.join(tempDir('cli-dl-'), 'v1');
    const got = await s.run(['versions', 'download', name, '1', '--out', out]);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toContain('verified');
    expect(fs.readFileSync(path.join(out, 'model.bin'), 'utf8')).toBe('weights one');
    expect(fs.readFileSync(path.join(out, 'conf/config.json'))).toEqual(fs.readFileSync(path.join(dir, 'conf/config.json')));
  });

  it('sets and deletes tags and aliases, marks health, deletes a version and a model', async () => {
    const { name } = await modelWithTwoVersions();
    expect((await s.run(['tags', 'set', name, 'team', 'risk', '--json'])).json.tags).toEqual({ team: 'risk' });
    expect((await s.run(['tags', 'set', name, '--version', '2', 'reviewed', 'yes'])).code).toBe(0);
    expect((await s.run(['versions', 'show', name, '2', '--json'])).json.tags).toEqual({ reviewed: 'yes' });
    expect((await s.run(['tags', 'delete', name, '--version', '2', 'reviewed', '--json'])).json.tags).toEqual({});
    expect((await s.run(['tags', 'delete', name, 'team', '--json'])).json.tags).toEqual({});

    await s.run(['aliases', 'set', name, 'canary', '2']);
    expect((await s.run(['aliases', 'get', name, 'canary', '--json'])).json.version).toBe(2);
    expect((await s.run(['aliases', 'delete', name, 'canary'])).code).toBe(0);
    expect((await s.run(['aliases', 'get', name, 'canary'])).code).toBe(1);

    const marked = await s.run(['versions', 'mark', name, '1', '--stable', '--reason', 'a week of clean traffic', '--json']);
    expect(marked.json).toMatchObject({ health: 'stable', health_reason: 'a week of clean traffic' });
    expect((await s.run(['versions', 'delete', name, '2'])).code).toBe(0);
    expect((await s.run(['versions', 'list', name, '--json'])).json.map((v: { version: number }) => v.version)).toEqual([1]);
    const protectedModel = await s.run(['models', 'protect', name]);
    expect(protectedModel.stdout).toContain(`Model ${name} is protected`);
    expect((await s.run(['models', 'show', name])).stdout).toContain('deleting or renaming it while it serves is refused');
    expect((await s.run(['models', 'unprotect', name, '--json'])).json.protected).toBe(false);
    expect((await s.run(['models', 'delete', name])).code).toBe(0);
    const gone = await s.run(['models', 'show', name]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(name);
  });

  it('filters events by domain, following too, and refuses a type that does not exist', async () => {
    const { name } = await modelWithTwoVersions();
    const listed = await s.run(['events', '--model', name, '--type', 'version.*', '--json']);
    expect(listed.json.map((e: { type: string }) => e.type)).toEqual(['version.created', 'version.created']);
    const typo = await s.run(['events', '--model', name, '--type', 'version.create', '--follow']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('"version.create" is not an event type');
    const controller = new AbortController();
    const following = s.run(['events', '--follow', '--model', name, '--after', '0', '--type', 'model.*', '--json'], {
      signal: controller.signal,
      onStdout: (all) => all.includes('model.tag_set') && controller.abort(),
    });
    await s.run(['tags', 'set', name, 'k', 'v']);
    const res = await following;
    expect(res.stdout.trim().split('\n').map((l) => JSON.parse(l).type)).toEqual(['model.created', 'model.tag_set']);
  });

  it('follows events as they happen until stopped', async () => {
    const name = uniqueName('follow');
    await s.run(['models', 'create', name]);
    const controller = new AbortController();
    const following = s.run(['events', '--follow', '--model', name, '--after', '0', '--json'], {
      signal: controller.signal,
      // --after 0 replays history first, so the tag event arrives whether the stream opened before it or not.
      onStdout: (all) => all.includes('model.tag_set') && controller.abort(),
    });
    await s.run(['tags', 'set', name, 'k', 'v']);
    const res = await following;
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((e: { type: string }) => e.type)).toEqual(['model.created', 'model.tag_set']);
  });
});
