// GTO interop with real git repositories: `stagecraft gto import` turns annotated GTO tags into a
// model (versions with the tagged commit's files, stage history with tagger, date and message,
// current stages and aliases), again changes nothing, and `stagecraft gto export` writes the
// model back as GTO tags into another repository, which imports to the same stages and history.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAgainst } from './cli-harness.js';
import { DATABASES, tempDir, useRegistry, type Registry } from './databases.js';
import { call } from './http.js';

const T0 = 1_700_000_000;

function repo(): { dir: string; run: (args: string[], env?: Record<string, string>) => string; commit: (files: Record<string, string>, msg: string) => string; tag: (name: string, rev: string, who: string, at: number, msg: string) => void } {
  const dir = tempDir('gto-repo-');
  const base = { GIT_AUTHOR_NAME: 'dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'dev', GIT_COMMITTER_EMAIL: 'dev@example.com', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  const run = (args: string[], env: Record<string, string> = {}) => execFileSync('git', ['-C', dir, ...args], { env: { ...process.env, ...base, ...env } }).toString().trim();
  run(['init', '-q', '-b', 'main']);
  return {
    dir,
    run,
    commit(files, msg) {
      for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
      }
      run(['add', '-A']);
      run(['commit', '-q', '--allow-empty', '-m', msg]);
      return run(['rev-parse', 'HEAD']);
    },
    tag(name, rev, who, at, msg) {
      run(['tag', '-a', name, '-m', msg, rev], { GIT_COMMITTER_NAME: who, GIT_COMMITTER_EMAIL: `${who}@example.com`, GIT_COMMITTER_DATE: `@${at} +0000` });
    },
  };
}

function listening(r: Registry): () => string {
  let url = '';
  beforeAll(async () => {
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
  });
  return () => url;
}

const events = async (r: Registry, model: string) => (await call(r.app, 'GET', `/api/v1/events?model=${model}&limit=1000&order=asc`)).body.events;

describe.each(DATABASES)('GTO import and export (%s)', (kind) => {
  const src = useRegistry(kind);
  const dst = useRegistry(kind);
  const srcUrl = listening(src);
  const dstUrl = listening(dst);
  const g = repo();
  const out = repo();
  afterAll(() => {
    fs.rmSync(g.dir, { recursive: true, force: true });
    fs.rmSync(out.dir, { recursive: true, force: true });
  });

  beforeAll(() => {
    const c1 = g.commit({ 'artifacts.yaml': 'fraud:\n  type: model\n  path: models/fraud.bin\nclf:\n  type: model\n  path: models/clf\n', 'models/fraud.bin': 'w1', 'models/clf/a.txt': 'A', 'models/clf/sub/b.txt': 'B' }, 'one');
    g.tag('fraud@v1.0.0', c1, 'alice', T0 + 10, 'first model');
    g.tag('clf@v0.1.0', c1, 'alice', T0 + 11, 'Registering artifact clf version v0.1.0');
    const c2 = g.commit({ 'models/fraud.bin': 'w2' }, 'two');
    g.tag('fraud@v1.1.0', c2, 'bob', T0 + 20, 'retrained');
    g.tag('fraud#staging#1', c2, 'bob', T0 + 30, 'try it');
    g.tag('fraud#prod#2', c1, 'carol', T0 + 40, 'ship v1');
    g.tag('fraud#prod#3', c2, 'carol', T0 + 50, 'ship v1.1');
    g.tag('fraud#dev#4', c1, 'dave', T0 + 60, 'keep the old one around');
    g.tag('clf#production#1', c1, 'erin', T0 + 70, 'go');
    const c3 = g.commit({ 'models/fraud.bin': 'w3' }, 'three');
    g.tag('fraud@v1.2.0', c3, 'bob', T0 + 80, 'oops');
    g.tag('fraud#dev!#5', c1, 'dave', T0 + 85, 'not needed');
    g.tag('fraud@v1.2.0!', c3, 'bob', T0 + 90, 'withdrawn');
    g.run(['tag', 'not-gto-lightweight', c2]);
    out.commit({ 'README.md': 'models' }, 'init');
  });

  it('imports versions with the tagged files, stage history and current stages, once', async () => {
    const res = await runAgainst(srcUrl(), ['gto', 'import', '--repo', g.dir, 'fraud', '--json']);
    expect(res.stderr).toBe('');
    expect(res.json).toMatchObject({ model: 'fraud', created: true, versions_added: [1, 2] });
    const model = (await call(src.app, 'GET', '/api/v1/models/fraud')).body;
    expect(model).toMatchObject({ stages: { Production: 2 }, aliases: {} });
    const versions = (await call(src.app, 'GET', '/api/v1/models/fraud/versions')).body.versions;
    expect(versions.map((v: { version: number; label: string; stage: string }) => [v.version, v.label, v.stage])).toEqual([[2, 'v1.1.0', 'Production'], [1, 'v1.0.0', 'Archived']]);
    expect((await src.app.inject({ method: 'GET', url: '/api/v1/models/fraud/versions/1/files/fraud.bin' })).body).toBe('w1');
    expect((await src.app.inject({ method: 'GET', url: '/api/v1/models/fraud/versions/2/files/fraud.bin' })).body).toBe('w2');
    const history = await events(src, 'fraud');
    const created = history.find((e: { type: string; version: number }) => e.type === 'version.created' && e.version === 1);
    expect(created).toMatchObject({ actor: 'alice <alice@example.com>', time_ms: (T0 + 10) * 1000, reason: 'first model' });
    expect(created.imported_from).toContain('fraud@v1.0.0');
    const shipped = history.find((e: { type: string; reason: string }) => e.type === 'version.stage_changed' && e.reason === 'ship v1.1');
    expect(shipped).toMatchObject({ version: 2, from: 'Staging', to: 'Production', actor: 'carol <carol@example.com>', time_ms: (T0 + 50) * 1000 });
    expect(history.filter((e: { type: string }) => e.type === 'alias.set' || e.type === 'alias.deleted').map((e: { type: string; reason: string }) => [e.type, e.reason])).toEqual([
      ['alias.set', 'keep the old one around'],
      ['alias.deleted', 'not needed'],
    ]);
    expect(history.find((e: { type: string }) => e.type === 'version.deleted')).toMatchObject({ version: 3, reason: 'withdrawn', actor: 'bob <bob@example.com>' });
    expect((await call(src.app, 'GET', '/api/v1/models/fraud/versions/3')).status).toBe(404);

    const again = await runAgainst(srcUrl(), ['gto', 'import', '--repo', g.dir, 'fraud', '--json']);
    expect(again.json).toMatchObject({ changed: false, versions_added: [], events_added: 0 });
    expect(await events(src, 'fraud')).toHaveLength(history.length);

    const clf = await runAgainst(srcUrl(), ['gto', 'import', '--repo', g.dir, 'clf', '--json']);
    expect(clf.json).toMatchObject({ model: 'clf', created: true });
    const manifest = (await call(src.app, 'GET', '/api/v1/models/clf/versions/1/files')).body.files;
    expect(manifest.map((f: { path: string }) => f.path)).toEqual(['a.txt', 'sub/b.txt']);
    expect((await call(src.app, 'GET', '/api/v1/models/clf')).body.stages.Production).toBe(1);

    // --as: one artifact under another model name; refused when it would have to name several.
    const renamed = await runAgainst(srcUrl(), ['gto', 'import', '--repo', g.dir, 'clf', '--as', 'clf-copy', '--json']);
    expect(renamed.json).toMatchObject({ model: 'clf-copy', created: true });
    expect((await call(src.app, 'GET', '/api/v1/models/clf-copy')).body.stages.Production).toBe(1);
    const several = await runAgainst(srcUrl(), ['gto', 'import', '--repo', g.dir, '--as', 'x']);
    expect(several.code).not.toBe(0);
    expect(several.stderr).toContain('--as names one model');
  });

  it('exports the model as GTO tags (idempotent) that import back to the same stages and history', async () => {
    const res = await runAgainst(srcUrl(), ['gto', 'export', '--repo', out.dir, 'fraud', '--json']);
    expect(res.stderr).toBe('');
    expect(res.json.created.sort()).toEqual(['fraud#dev!#5', 'fraud#dev#4', 'fraud#prod#2', 'fraud#prod#3', 'fraud#staging#1', 'fraud@v1.0.0', 'fraud@v1.1.0']);
    expect(res.json.artifacts_yaml).toBe('added');
    expect(fs.readFileSync(path.join(out.dir, 'artifacts.yaml'), 'utf8')).toContain('fraud:');
    const tagger = out.run(['for-each-ref', 'refs/tags/fraud#prod#3', '--format=%(taggername) %(taggeremail) %(taggerdate:unix) %(contents:subject)']);
    expect(tagger).toBe(`carol <carol@example.com> ${T0 + 50} ship v1.1`);
    const again = await runAgainst(srcUrl(), ['gto', 'export', '--repo', out.dir, 'fraud', '--json']);
    expect(again.json.created).toEqual([]);
    expect(again.json.artifacts_yaml).toBe('present');

    const back = await runAgainst(dstUrl(), ['gto', 'import', '--repo', out.dir, '--json']);
    expect(back.json).toMatchObject({ model: 'fraud', created: true, versions_added: [1, 2] });
    expect((await call(dst.app, 'GET', '/api/v1/models/fraud')).body).toMatchObject({ stages: { Production: 2 }, aliases: {} });
    const strip = (es: Array<{ type: string; version: number | null; actor: string; time_ms: number; reason: string | null; from: string | null; to: string | null }>) =>
      es.filter((e) => !['model.imported', 'version.created', 'model.created', 'version.deleted'].includes(e.type)).map((e) => [e.type, e.version, e.actor, e.time_ms, e.reason, e.from, e.to]);
    expect(strip(await events(dst, 'fraud'))).toEqual(strip(await events(src, 'fraud')));
  });

  it('a later import adds only the new tags', async () => {
    const c4 = g.commit({ 'models/fraud.bin': 'w4' }, 'four');
    g.tag('fraud@v1.3.0', c4, 'bob', T0 + 100, 'retrained again');
    g.tag('fraud#prod#6', c4, 'carol', T0 + 110, 'ship v1.3');
    const before = (await events(src, 'fraud')).length;
    const res = await runAgainst(srcUrl(), ['gto', 'import', '--repo', g.dir, 'fraud', '--json']);
    expect(res.json).toMatchObject({ created: false, changed: true, versions_added: [4] });
    // version.created, the move into Production, the version it archived, and model.imported.
    expect(await events(src, 'fraud')).toHaveLength(before + 4);
    expect((await call(src.app, 'GET', '/api/v1/models/fraud')).body.stages).toMatchObject({ Production: 4 });
    expect((await src.app.inject({ method: 'GET', url: '/api/v1/models/fraud/versions/4/files/fraud.bin' })).body).toBe('w4');
  });
});
