// Backup while writers run, restore into the other database kind, and the refusals: a tampered
// archive, a non-empty target. The restored registry is checked through a server started on it.
import fs from 'node:fs';
import path from 'node:path';
import tar from 'tar-stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { createDeps } from '../src/deps.js';
import { buildServer, serverExtensions } from '../src/server.js';
import { call, createModel, promote, registerVersion } from './http.js';
import { DATABASES, hasPostgres, tempDir, uniqueName, useRegistry, type DbKind } from './databases.js';
import { emptyTarget, fetchBackup, inconsistencies, listen, restoreInto, targetBlobs } from './backup-fixtures.js';

const other = (kind: DbKind): DbKind => (hasPostgres ? (kind === 'sqlite' ? 'postgres' : 'sqlite') : kind);

describe.each(DATABASES)('backup on %s', (kind) => {
  const r = useRegistry(kind, { extensions: serverExtensions().pick('backup') });
  const model = uniqueName('bk');
  let file = '';

  it('takes a consistent backup while versions are uploaded and stages move', async () => {
    const url = await listen(r.app);
    await createModel(r.app, model);
    for (let v = 1; v <= 3; v++) await registerVersion(r.app, model, { 'model.bin': `bytes of v${v}`, 'conf.json': `{"v":${v}}` });
    await promote(r.app, model, 1);
    expect((await call(r.app, 'PUT', `/api/v1/models/${model}/aliases/champion`, { version: 1 })).status).toBe(200);
    file = path.join(tempDir(), 'backup.tar');
    // Writers race the backup: new versions (blob first, row second) and stage moves, bounded; they stop once it is taken.
    let stop = false;
    const writer = (async () => {
      for (let i = 0; i < 200 && !stop; i++) {
        const v = await registerVersion(r.app, model, { 'model.bin': `racing ${i} ${Math.random()}` });
        await promote(r.app, model, v.version, i % 2 ? 'Production' : 'Staging');
      }
    })();
    await fetchBackup(url, file);
    stop = true;
    await writer;

    const target = await emptyTarget(other(kind));
    const restored = await restoreInto(file, target);
    expect(restored.manifest.db).toBe(kind);
    // The snapshot fell mid-race: some racing versions in it, not all of them.
    const versions = restored.manifest.tables.find((t) => t.name === 'versions')!.rows;
    const final = (await call(r.app, 'GET', `/api/v1/models/${model}/versions`)).body;
    expect(versions).toBeLessThan((final.versions ?? final).length);
    const deps = await createDeps(target);
    try {
      expect(await inconsistencies(deps.db, deps.blobs)).toEqual([]);
      // Counts of a point in time: the manifest's, the restored rows'.
      for (const t of restored.manifest.tables) {
        const n = await deps.db.selectFrom(t.name as 'versions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
        expect([t.name, Number(n.n)]).toEqual([t.name, t.rows]);
      }
      // A server started on it serves the same registry and the same bytes.
      const server = await buildServer(deps, serverExtensions().pick('backup'));
      const was = (await call(r.app, 'GET', `/api/v1/models/${model}/versions/1`)).body;
      const now = (await call(server.app, 'GET', `/api/v1/models/${model}/versions/1`)).body;
      // The racing writers moved stages after the snapshot: what no later write touches must match.
      const fixed = ({ stage: _s, updated_at: _u, aliases: _a, ...v }: Record<string, unknown>) => v;
      expect(fixed(now)).toEqual(fixed(was));
      expect((await call(server.app, 'GET', `/api/v1/models/${model}/aliases/champion`)).body.version).toBe(1);
      const bytes = await server.app.inject({ method: 'GET', url: `/api/v1/models/${model}/versions/2/files/model.bin` });
      expect(bytes.body).toBe('bytes of v2');
      const events = (await call(server.app, 'GET', `/api/v1/events?model=${model}&limit=5&order=asc`)).body.events;
      expect(events).toEqual((await call(r.app, 'GET', `/api/v1/events?model=${model}&limit=5&order=asc`)).body.events);
      // New writes on the restored registry get fresh ids (sequences moved past the copied ones).
      await registerVersion(server.app, model, { 'model.bin': 'after restore' });
      await server.app.close();
    } finally {
      await deps.close();
    }
  });

  it('refuses a target that already holds a registry', async () => {
    const target = await emptyTarget(kind);
    await restoreInto(file, target);
    await expect(restoreInto(file, target)).rejects.toThrow(/not empty/);
  });

  it('refuses a tampered archive and leaves nothing restored', async () => {
    const tampered = path.join(tempDir(), 'tampered.tar');
    await rewrite(file, tampered, (name, body) => (name.startsWith('blobs/') ? Buffer.concat([body.subarray(0, -1), Buffer.from('!')]) : body));
    const target = await emptyTarget(other(kind));
    await expect(restoreInto(tampered, target)).rejects.toThrow(/does not hash to its name/);
    const deps = await createDeps(target);
    try {
      expect((await deps.db.selectFrom('versions').select('id').execute()).length).toBe(0);
      const left = [];
      for await (const b of targetBlobs(target).list()) left.push(b);
      expect(left).toEqual([]);
    } finally {
      await deps.close();
    }
    // After the refusal the target is still empty: the real archive restores into it.
    expect((await restoreInto(file, target)).blobs).toBeGreaterThan(0);
  });

  it('refuses a cut-off archive', async () => {
    const cut = path.join(tempDir(), 'cut.tar');
    await rewrite(file, cut, (name, body) => (name === 'end.json' ? null : body));
    await expect(restoreInto(cut, await emptyTarget(kind))).rejects.toThrow(/cut off/);
  });
});

describe('backup access', () => {
  const r = useRegistry('sqlite', { extensions: serverExtensions().pick('backup') });

  it('is for admins only: a backup holds every token hash and every model', async () => {
    const admin = (await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName('root'), role: 'admin' })).body.token as string;
    const deployer = (await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName('dep'), role: 'deployer' }, { authorization: `Bearer ${admin}` })).body.token as string;
    expect((await r.app.inject({ method: 'GET', url: '/api/v1/backup', headers: { authorization: `Bearer ${deployer}` } })).statusCode).toBe(403);
    const ok = await r.app.inject({ method: 'GET', url: '/api/v1/backup', headers: { authorization: `Bearer ${admin}` } });
    expect([ok.statusCode, ok.headers['content-type']]).toEqual([200, 'application/x-tar']);
  });
});

/** Copies a tar, passing each entry through `change` (null drops it). */
async function rewrite(from: string, to: string, change: (name: string, body: Buffer) => Buffer | null): Promise<void> {
  const extract = tar.extract();
  const pack = tar.pack();
  const done = pipeline(pack, fs.createWriteStream(to));
  const feeding = pipeline(fs.createReadStream(from), extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    const body = change(entry.header.name, Buffer.concat(chunks));
    if (body) await new Promise<void>((res, rej) => pack.entry({ name: entry.header.name, size: body.length }, body, (e) => (e ? rej(e) : res())));
  }
  await feeding;
  pack.finalize();
  await done;
}
