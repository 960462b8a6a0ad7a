// `stagecraft export` from one server and `stagecraft import` into another (each its own data dir
// and database): everything the model is arrives — versions with their bytes, stages, aliases,
// health, settings, audit events with original actors and times marked imported; a second import
// changes nothing; a name clash is refused unless --as; a tampered or bad archive writes nothing.
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import tar from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { serverExtensions } from '../src/server.js';
import { runAgainst } from './cli-harness.js';
import { DATABASES, tempDir, uniqueName, useRegistry, type Registry } from './databases.js';
import { call, createModel, promote, registerVersion } from './http.js';
import { setGates } from './promotion-fixtures.js';

// Versions served through an endpoint: the default `servable` gate lets them into a stage.
const http = { runtime: 'http', endpoint_url: 'http://127.0.0.1:9/invocations' };
const extensions = () => serverExtensions().pick('observe', 'gates', 'approvals');

function listening(r: Registry): () => string {
  let url = '';
  beforeAll(async () => {
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
  });
  return () => url;
}

/** Rewrites a tar, changing the bytes of entries `edit` answers for. */
async function rewriteTar(file: string, edit: (name: string, body: Buffer) => Buffer | null): Promise<Buffer> {
  const extract = tar.extract();
  const pack = tar.pack();
  const parts: Buffer[] = [];
  pack.on('data', (c: unknown) => parts.push(c as Buffer));
  const ended = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      const body = edit(header.name, Buffer.concat(chunks)) ?? Buffer.concat(chunks);
      pack.entry({ name: header.name }, body, () => next());
    });
  });
  extract.on('finish', () => pack.finalize());
  fs.createReadStream(file).pipe(extract);
  await ended;
  return Buffer.concat(parts);
}

describe.each(DATABASES)('model export/import between servers (%s)', (kind) => {
  const src = useRegistry(kind, { extensions });
  const dst = useRegistry(kind, { extensions });
  const srcUrl = listening(src);
  const dstUrl = listening(dst);
  const dir = tempDir('transfer-');
  const name = uniqueName('fraud');
  const archive = path.join(dir, 'model.tar');

  beforeAll(async () => {
    const headers = { 'stagecraft-actor': 'alice' };
    await call(src.app, 'POST', '/api/v1/models', { name, description: 'fraud scorer', tags: { team: 'risk' } }, headers);
    await registerVersion(src.app, name, { 'model.bin': 'weights one', 'data/vocab.txt': 'a b c' }, { label: 'v1.0.0', ...http }, headers);
    await registerVersion(src.app, name, { 'model.bin': 'weights two', 'data/vocab.txt': 'a b c' }, { label: 'v2.0.0', tags: { owner: 'bob' }, ...http }, headers);
    await registerVersion(src.app, name, { 'model.bin': 'weights three' }, http, headers);
    expect((await promote(src.app, name, 1, 'Production', true, { 'stagecraft-actor': 'carol' })).status).toBe(200);
    expect((await promote(src.app, name, 2, 'Production', true, { 'stagecraft-actor': 'carol' })).status).toBe(200);
    expect((await call(src.app, 'POST', `/api/v1/models/${name}/versions/2/health`, { health: 'failed', reason: 'drift on segment B' }, headers)).status).toBe(200);
    expect((await promote(src.app, name, 3, 'Staging', false)).status).toBe(200);
    expect((await call(src.app, 'PUT', `/api/v1/models/${name}/aliases/champion`, { version: 1 }, headers)).status).toBe(200);
    expect((await call(src.app, 'PUT', `/api/v1/models/${name}/approval-policy`, { stages: ['Production'] })).status).toBeLessThan(300);
    expect((await call(src.app, 'PATCH', `/api/v1/models/${name}`, { protected: true })).status).toBe(200);
    expect((await call(src.app, 'PUT', `/api/v1/models/${name}/policy`, { interval_seconds: 10, rules: [{ metric: 'error_rate', max: 0.5, min_samples: 10, window_seconds: 600 }] })).status).toBe(200);
    // With a holdout dataset: a blob only the gates reference, which the archive must carry.
    expect((await setGates(src.app, name, { signature: false, digest: true, stages: ['Production'] })).status).toBe(200);
  });

  it('exports with the CLI and imports into another server with everything the model is', async () => {
    const out = await runAgainst(srcUrl(), ['export', name, '--out', archive]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const imported = await runAgainst(dstUrl(), ['import', archive, '--json']);
    expect(imported.code).toBe(0);
    expect(imported.json).toMatchObject({ model: name, created: true, changed: true, versions_added: [1, 2, 3], settings: ['approvals', 'gates', 'observe'] });

    const model = (await call(dst.app, 'GET', `/api/v1/models/${name}`)).body;
    expect(model).toMatchObject({ name, description: 'fraud scorer', tags: { team: 'risk' }, aliases: { champion: 1 }, protected: true });
    const versions = (await call(dst.app, 'GET', `/api/v1/models/${name}/versions`)).body.versions;
    const byNumber = (v: number) => versions.find((x: { version: number }) => x.version === v);
    expect(byNumber(1)).toMatchObject({ label: 'v1.0.0', stage: 'Archived', created_by: 'alice' });
    expect(byNumber(2)).toMatchObject({ label: 'v2.0.0', stage: 'Production', health: 'failed', health_reason: 'drift on segment B', tags: { owner: 'bob' } });
    expect(byNumber(3)).toMatchObject({ stage: 'Staging' });
    expect((await call(dst.app, 'GET', `/api/v1/models/${name}/policy`)).body).toMatchObject({ model: name, interval_seconds: 10, rules: [{ metric: 'error_rate', max: 0.5 }] });
    const gates = (await call(dst.app, 'GET', `/api/v1/models/${name}/gates`)).body;
    expect(gates).toMatchObject({ gates: { digest: true, stages: ['Production'], holdout: { format: 'csv', label: 'label' } } });
    const holdout = await dst.app.inject({ method: 'GET', url: `/api/v1/blobs/${gates.gates.holdout.sha256}` });
    expect(holdout.statusCode).toBe(200);
    expect(holdout.json()).toMatchObject({ sha256: gates.gates.holdout.sha256 });
    expect((await call(dst.app, 'GET', `/api/v1/models/${name}/approval-policy`)).body).toMatchObject({ stages: ['Production'] });
    const file = await dst.app.inject({ method: 'GET', url: `/api/v1/models/${name}/versions/2/files/model.bin` });
    expect(file.body).toBe('weights two');

    const srcEvents = (await call(src.app, 'GET', `/api/v1/events?model=${name}&limit=1000&order=asc`)).body.events;
    const dstEvents = (await call(dst.app, 'GET', `/api/v1/events?model=${name}&limit=1000&order=asc`)).body.events;
    expect(dstEvents).toHaveLength(srcEvents.length + 1);
    for (const [i, e] of srcEvents.entries()) {
      expect(dstEvents[i]).toMatchObject({ type: e.type, actor: e.actor, time_ms: e.time_ms, version: e.version, reason: e.reason });
      expect(dstEvents[i].imported_from).toBeTruthy();
    }
    expect(dstEvents.at(-1)).toMatchObject({ type: 'model.imported' });
    expect(dstEvents.at(-1).imported_from).toBeUndefined();
    // The imported history counts for the last-known-good rule: rolling back Production lands on v1.
    // The model is protected (that travelled too): a person's rollback waits for a second deployer.
    const rb = await call(dst.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'imported history works' });
    expect([rb.status, rb.body.error.details.reason]).toEqual([409, 'approval_required']);
    const approved = await call(dst.app, 'POST', `/api/v1/approvals/${rb.body.error.details.approval_id}/approve`, {}, { 'stagecraft-actor': 'second-deployer' });
    expect(approved.body.rollback).toMatchObject({ from_version: 2, to_version: 1 });
    expect((await call(dst.app, 'GET', `/api/v1/models/${name}`)).body.stages.Production).toBe(1);
  });

  it('a second import of the same archive changes nothing', async () => {
    const before = (await call(dst.app, 'GET', `/api/v1/events?model=${name}&limit=1000`)).body.events.length;
    const again = await runAgainst(dstUrl(), ['import', archive, '--json']);
    expect(again.code).toBe(0);
    expect(again.json).toMatchObject({ created: false, changed: false, versions_added: [], events_added: 0 });
    expect((await call(dst.app, 'GET', `/api/v1/events?model=${name}&limit=1000`)).body.events.length).toBe(before);
  });

  it('refuses a name clash with 409 and imports under --as', async () => {
    const other = uniqueName('clash');
    await createModel(src.app, other);
    await registerVersion(src.app, other, { 'm.bin': 'clash bytes' });
    const file = path.join(dir, 'other.tar');
    expect((await runAgainst(srcUrl(), ['export', other, '--out', file])).code).toBe(0);
    await createModel(dst.app, other);
    const clash = await runAgainst(dstUrl(), ['import', file]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('--as');
    const as = await runAgainst(dstUrl(), ['import', file, '--as', `${other}-copy`, '--json']);
    expect(as.code).toBe(0);
    expect(as.json).toMatchObject({ model: `${other}-copy`, created: true, versions_added: [1] });
    expect((await call(dst.app, 'GET', `/api/v1/models/${other}/versions`)).body.versions).toHaveLength(0);
  });

  it('refuses a tampered or bad archive with 400 and writes nothing', async () => {
    const tampered = await rewriteTar(archive, (entry, body) => (entry.startsWith('blobs/') && body.toString() === 'weights two' ? Buffer.from('weights 2wo') : null));
    const res = await dst.app.inject({ method: 'POST', url: '/api/v1/model-archives?as=tampered', headers: { 'content-type': 'application/x-tar' }, payload: tampered });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('tampered');
    const lied = await rewriteTar(archive, (entry, body) => (entry === 'stagecraft-model.json' ? Buffer.from(body.toString().replace(/"sha256": ?"[0-9a-f]{64}"/, `"sha256":"${'f'.repeat(64)}"`)) : null));
    const bad = await dst.app.inject({ method: 'POST', url: '/api/v1/model-archives?as=tampered', headers: { 'content-type': 'application/x-tar' }, payload: Buffer.from('not a tar at all'.repeat(64)) });
    expect(bad.statusCode).toBe(400);
    const json = await dst.app.inject({ method: 'POST', url: '/api/v1/model-archives?as=tampered', headers: { 'content-type': 'application/x-tar' }, payload: lied });
    expect(json.statusCode).toBe(400);
    expect(json.body).toContain('not in the archive');
    expect((await call(dst.app, 'GET', '/api/v1/models/tampered')).status).toBe(404);
  });

  it('an export that meets a corrupted blob is cut short, and leaves no file', async () => {
    const rotten = uniqueName('rotten');
    await createModel(src.app, rotten);
    const v = await registerVersion(src.app, rotten, { 'm.bin': Buffer.alloc(256 * 1024, 7) });
    const sha = (await call(src.app, 'GET', `/api/v1/models/${rotten}/versions/${v.version}/files`)).body.files[0].sha256;
    fs.writeFileSync(path.join(src.deps.config.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha), Buffer.alloc(256 * 1024, 8));
    const file = path.join(dir, 'rotten.tar');
    const res = await runAgainst(srcUrl(), ['export', rotten, '--out', file]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('cut short');
    expect(fs.existsSync(file)).toBe(false);
  });
});
