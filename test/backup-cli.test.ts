// stagecraft backup --out FILE against a running server, then stagecraft restore FILE into an
// empty data directory (or PostgreSQL database) of the other kind; a second restore is refused.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDeps } from '../src/deps.js';
import { buildServer, serverExtensions } from '../src/server.js';
import { runAgainst } from './cli-harness.js';
import { call, createModel, promote, registerVersion } from './http.js';
import { DATABASES, hasPostgres, tempDir, uniqueName, useRegistry } from './databases.js';
import { emptyTarget, listen } from './backup-fixtures.js';

describe.each(DATABASES)('stagecraft backup and restore on %s', (kind) => {
  const r = useRegistry(kind, { extensions: serverExtensions().pick('backup') });
  let url = '';
  beforeAll(async () => {
    url = await listen(r.app);
  });

  it('round-trips a registry through a file into the other database kind', async () => {
    const model = uniqueName('cli-bk');
    await createModel(r.app, model);
    await registerVersion(r.app, model, { 'model.bin': 'weights one' });
    await registerVersion(r.app, model, { 'model.bin': 'weights two' });
    await promote(r.app, model, 2);
    const file = path.join(tempDir(), 'registry.tar');

    const backup = await runAgainst(url, ['backup', '--out', file]);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/backup written to .*registry\.tar: \d+ tables, \d+ rows, 2 blobs/);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['registry.tar']);

    const target = await emptyTarget(hasPostgres && kind === 'sqlite' ? 'postgres' : 'sqlite');
    const args = ['restore', file, '--data-dir', target.dataDir, ...(target.databaseUrl ? ['--database-url', target.databaseUrl] : [])];
    const restored = await runAgainst(url, args);
    expect(restored.stderr).toBe('');
    expect(restored.stdout).toMatch(/restored \d+ rows and 2 blobs .*every sha256 verified/);

    const again = await runAgainst(url, args);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/restore refused: the target database is not empty/);

    const deps = await createDeps(target);
    const server = await buildServer(deps, []);
    try {
      expect((await call(server.app, 'GET', `/api/v1/models/${model}`)).body.stages.Production).toBe(2);
      const bytes = await server.app.inject({ method: 'GET', url: `/api/v1/models/${model}/versions/1/files/model.bin` });
      expect(bytes.body).toBe('weights one');
    } finally {
      await server.app.close();
      await deps.close();
    }
  });

  it('fails a backup whose blob rotted on disk and writes no file', async () => {
    const model = uniqueName('rot');
    await createModel(r.app, model);
    const v = await registerVersion(r.app, model, { 'model.bin': 'bytes that will rot' });
    const sha = (await call(r.app, 'GET', `/api/v1/models/${model}/versions/${v.version}/files`)).body.files[0].sha256 as string;
    const blob = path.join(r.deps.config.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha);
    const good = fs.readFileSync(blob);
    fs.writeFileSync(blob, Buffer.from('bytes that did rot!'));
    try {
      const file = path.join(tempDir(), 'rotten.tar');
      const run = await runAgainst(url, ['backup', '--out', file]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/the backup was cut off/);
      expect(fs.readdirSync(path.dirname(file))).toEqual([]);
    } finally {
      fs.writeFileSync(blob, good);
    }
  });

  it('refuses a file that is not a backup, leaving the target as it was', async () => {
    const file = path.join(tempDir(), 'not-a-backup.tar');
    fs.writeFileSync(file, Buffer.alloc(1024));
    const target = await emptyTarget('sqlite');
    const run = await runAgainst(url, ['restore', file, '--data-dir', target.dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/restore refused: not a Stagecraft backup/);
    expect(fs.readdirSync(target.dataDir)).toEqual([]);
  });
});
