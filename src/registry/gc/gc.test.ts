// Garbage collection frees only what nothing references and nothing wrote within the grace:
// versions' files (deleted versions' until purged), MLflow artifacts (logged models' files), gates'
// holdouts all keep their bytes; a dry run changes nothing; purges are admin-only and audited.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry, type Registry } from '../../../test/databases.js';
import { call, createModel, putBlob, registerVersion } from '../../../test/http.js';
import { holdoutCsv } from '../../../test/promotion-fixtures.js';
import { sha256Hex } from '../../blobs/verify.js';
import { serverExtensions } from '../../server.js';

const DAY = 86_400_000;

const blobFile = (r: Registry, sha: string) => path.join(r.deps.config.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha);
const stored = (r: Registry, sha: string) => fs.existsSync(blobFile(r, sha));
/** As if written `ms` ago: the disk store's modifiedAt is the file's mtime. */
const age = (r: Registry, sha: string, ms = 2 * DAY) => {
  const t = new Date(Date.now() - ms);
  fs.utimesSync(blobFile(r, sha), t, t);
};
const gc = (r: Registry, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) => call(r.app, 'POST', '/api/v1/blobs/gc', body, headers);
const events = async (r: Registry, type: string) => (await call(r.app, 'GET', `/api/v1/events?type=${type}&limit=1000`)).body.events as Array<Record<string, unknown>>;

describe.each(DATABASES)('garbage collection on %s', (kind) => {
  const r = useRegistry(kind, { extensions: serverExtensions().pick('mlflow', 'gates') });

  it('removes old unreferenced blobs only, keeping every owner\'s references and fresh uploads; a dry run removes nothing', async () => {
    const name = uniqueName('gc');
    await createModel(r.app, name);
    const live = Buffer.from(`live file of ${name}`);
    const gone = Buffer.from(`deleted version's file of ${name}`);
    await registerVersion(r.app, name, { 'model.bin': live });
    await registerVersion(r.app, name, { 'model.bin': gone });
    expect((await call(r.app, 'DELETE', `/api/v1/models/${name}/versions/2`)).status).toBe(204);
    const logged = Buffer.from(`logged model file of ${name}`);
    const put = await r.app.inject({ method: 'PUT', url: `/api/2.0/mlflow-artifacts/artifacts/1/models/m-${name}/artifacts/model.pkl`, headers: { 'content-type': 'application/octet-stream' }, payload: logged });
    expect(put.statusCode).toBe(200);
    const holdout = await putBlob(r.app, holdoutCsv());
    expect((await call(r.app, 'PUT', `/api/v1/models/${name}/gates`, { signature: false, holdout: { sha256: holdout.sha256, format: 'csv', label: 'label' } })).status).toBe(200);
    const orphan = await putBlob(r.app, `orphan of ${name}`);
    const fresh = await putBlob(r.app, `fresh orphan of ${name}`);
    const kept = [sha256Hex(live), sha256Hex(gone), sha256Hex(logged), holdout.sha256];
    for (const sha of [...kept, orphan.sha256]) age(r, sha);

    const dry = await gc(r, { dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, grace_ms: DAY, removed: 1, bytes_freed: orphan.size });
    expect(dry.body.in_grace).toBeGreaterThanOrEqual(1);
    expect(dry.body.owners.map((o: { owner: string }) => o.owner)).toEqual(['versions', 'mlflow artifacts', 'gates']);
    expect(stored(r, orphan.sha256)).toBe(true);
    expect(await events(r, 'blobs.collected')).toHaveLength(0);

    const run = await gc(r, { grace: '24h' });
    expect(run.body).toMatchObject({ dry_run: false, removed: 1, bytes_freed: orphan.size });
    expect(run.body.scanned).toBe(run.body.referenced + run.body.in_grace + run.body.removed);
    expect(stored(r, orphan.sha256)).toBe(false);
    for (const sha of [...kept, fresh.sha256]) expect(stored(r, sha)).toBe(true);
    const [audit] = await events(r, 'blobs.collected');
    expect(audit).toMatchObject({ actor: 'local', details: { removed: 1, bytes_freed: orphan.size, dry_run: false } });

    // A re-put of old bytes counts as a fresh write: the grace spares them again.
    const again = await putBlob(r.app, `fresh orphan of ${name}`);
    age(r, again.sha256);
    await putBlob(r.app, `fresh orphan of ${name}`);
    expect((await gc(r, { grace: '1h' })).body.removed).toBe(0);
    expect(stored(r, fresh.sha256)).toBe(true);
    // And with no grace at all, nothing unreferenced survives.
    expect((await gc(r, { grace: '0s' })).body.removed).toBe(1);
    expect(stored(r, fresh.sha256)).toBe(false);

    // Purging the deleted version lets gc free its bytes; the live one still downloads.
    const purged = await call(r.app, 'POST', `/api/v1/models/${name}/versions/2/purge`, { reason: 'free space' });
    expect(purged.status).toBe(200);
    expect(purged.body).toEqual({ purged: [{ model: name, version: 2, files: 1, bytes: gone.length }], files: 1, bytes: gone.length });
    expect((await gc(r)).body.removed).toBe(1);
    expect(stored(r, sha256Hex(gone))).toBe(false);
    const file = await r.app.inject({ method: 'GET', url: `/api/v1/models/${name}/versions/1/files/model.bin` });
    expect(file.rawPayload).toEqual(live);
    const [event] = (await events(r, 'version.purged')).filter((e) => e.model === name);
    expect(event).toMatchObject({ actor: 'local', version: 2, reason: 'free space', details: { files: 1, bytes: gone.length } });

    // Dropping the gates frees the holdout.
    expect((await call(r.app, 'DELETE', `/api/v1/models/${name}/gates`)).status).toBeLessThan(300);
    expect((await gc(r)).body.removed).toBe(1);
    expect(stored(r, holdout.sha256)).toBe(false);
  });

  it('purges only deleted versions, once, and every deleted one with --all-deleted (deleted models\' too)', async () => {
    const name = uniqueName('purge');
    await createModel(r.app, name);
    await registerVersion(r.app, name, { 'a.bin': `a of ${name}` });
    await registerVersion(r.app, name, { 'b.bin': `b of ${name}` });
    const live = await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/purge`, {});
    expect(live.status).toBe(409);
    expect(live.body.error.message).toContain('only a deleted version can be purged');
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/versions/9/purge`, {})).status).toBe(404);
    expect((await call(r.app, 'POST', `/api/v1/models/nope-${name}/versions/1/purge`, {})).status).toBe(404);
    await call(r.app, 'DELETE', `/api/v1/models/${name}/versions/2`);
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/versions/2/purge`, {})).status).toBe(200);
    const twice = await call(r.app, 'POST', `/api/v1/models/${name}/versions/2/purge`, {});
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toContain('already purged');

    const other = uniqueName('purge-model');
    await createModel(r.app, other);
    await registerVersion(r.app, other, { 'c.bin': `c of ${other}` });
    expect((await call(r.app, 'DELETE', `/api/v1/models/${other}?reason=gone`)).status).toBeLessThan(300);
    const all = await call(r.app, 'POST', '/api/v1/versions/purge', {});
    expect(all.status).toBe(200);
    expect(all.body.purged).toContainEqual({ model: other, version: 1, files: 1, bytes: `c of ${other}`.length });
    expect(all.body.purged.some((p: { model: string }) => p.model === name)).toBe(false);
    expect((await call(r.app, 'POST', '/api/v1/versions/purge', {})).body).toEqual({ purged: [], files: 0, bytes: 0 });
  });

  it('refuses to register a version or a holdout from collected bytes, saying so', async () => {
    const name = uniqueName('gc-late');
    await createModel(r.app, name);
    const orphan = await putBlob(r.app, holdoutCsv() + `\n# ${name}`);
    age(r, orphan.sha256);
    expect((await gc(r)).body.removed).toBeGreaterThanOrEqual(1);
    const late = await call(r.app, 'POST', `/api/v1/models/${name}/versions`, { files: [{ path: 'model.bin', sha256: orphan.sha256 }] });
    expect(late.status).toBe(400);
    expect(late.body.error.message).toContain(`no uploaded bytes with sha256 ${orphan.sha256}`);
    const gates = await call(r.app, 'PUT', `/api/v1/models/${name}/gates`, { signature: false, holdout: { sha256: orphan.sha256, format: 'csv', label: 'label' } });
    expect(gates.status).toBe(400);
    expect(gates.body.error.message).toContain('no uploaded bytes');
    // Uploading the bytes again makes them registrable again.
    await putBlob(r.app, holdoutCsv() + `\n# ${name}`);
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/versions`, { files: [{ path: 'model.bin', sha256: orphan.sha256 }] })).status).toBe(201);
  });

  it('refuses a bad grace and unknown fields with a 400', async () => {
    for (const grace of ['soon', '-1h', '24', '2y', '400d']) {
      const res = await gc(r, { grace });
      expect(res.status, grace).toBe(400);
      expect(res.body.error.message).toMatch(/grace/);
    }
    expect((await gc(r, { dry_run: 'yes' })).status).toBe(400);
    expect((await gc(r, { everything: true })).status).toBe(400);
  });
});

describe.each(DATABASES)('garbage collection permissions on %s', (kind) => {
  const r = useRegistry(kind);

  it('is admin only, as is purge', async () => {
    const admin = await call(r.app, 'POST', '/api/v1/tokens', { name: 'root', role: 'admin' });
    const editor = await call(r.app, 'POST', '/api/v1/tokens', { name: 'ed', role: 'editor' }, { authorization: `Bearer ${admin.body.token}` });
    const as = { authorization: `Bearer ${editor.body.token}` };
    expect((await gc(r, { dry_run: true }, as)).status).toBe(403);
    expect((await call(r.app, 'POST', '/api/v1/versions/purge', {}, as)).status).toBe(403);
    expect((await gc(r, { dry_run: true }, { authorization: `Bearer ${admin.body.token}` })).status).toBe(200);
  });
});
