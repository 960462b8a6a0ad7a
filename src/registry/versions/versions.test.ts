import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../../../test/databases.js';
import { call, createModel, promote, putBlob, registerVersion } from '../../../test/http.js';
import { denseModelOnnx } from '../../onnx/onnx-builder.js';

describe.each(DATABASES)('versions on %s', (kind) => {
  const r = useRegistry(kind);

  it('never reuses a version number, even after deletes', async () => {
    const name = uniqueName('churn');
    await createModel(r.app, name);
    for (let i = 0; i < 3; i++) await registerVersion(r.app, name, { 'm.bin': `v${i}` });
    expect((await call(r.app, 'DELETE', `/api/v1/models/${name}/versions/3`)).status).toBe(204);
    expect((await call(r.app, 'DELETE', `/api/v1/models/${name}/versions/2`)).status).toBe(204);
    const next = await registerVersion(r.app, name, { 'm.bin': 'again' });
    expect(next.version).toBe(4);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/3`)).status).toBe(404);
    const list = (await call(r.app, 'GET', `/api/v1/models/${name}/versions`)).body.versions;
    expect(list.map((v: { version: number }) => v.version)).toEqual([4, 1]);
  });

  it('keeps exactly one Production version under 20 concurrent promotions with archive_existing_versions', async () => {
    const name = uniqueName('ranker');
    await createModel(r.app, name);
    for (let i = 0; i < 20; i++) await registerVersion(r.app, name, { 'm.bin': `ranker ${i}` });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => promote(r.app, name, i + 1)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    expect(statuses).toContain(200);
    const prod = (await call(r.app, 'GET', `/api/v1/models/${name}/versions?stage=Production`)).body.versions;
    expect(prod).toHaveLength(1);
    // A loser changed nothing: every version not in Production is either untouched (None) or archived by a winner.
    const all = (await call(r.app, 'GET', `/api/v1/models/${name}/versions?limit=50`)).body.versions;
    const winners = answers.flatMap((a, i) => (a.status === 200 ? [i + 1] : []));
    for (const v of all) {
      if (!winners.includes(v.version)) expect(v.stage).toBe('None');
    }
  });

  it('accepts stage names in any case and stores the canonical spelling', async () => {
    const name = uniqueName('case');
    await createModel(r.app, name);
    await registerVersion(r.app, name, { 'm.bin': 'x' });
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/stage`, { stage: 'sTaGiNg' });
    expect(res.body.version.stage).toBe('Staging');
    const bad = await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/stage`, { stage: 'prod' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('None, Staging, Production, Archived');
  });

  it('stores the same bytes once however many versions hold them, with equal digests', async () => {
    const name = uniqueName('dedupe');
    await createModel(r.app, name);
    const a = await registerVersion(r.app, name, { 'weights.bin': 'identical bytes', 'conf.json': '{}' });
    const b = await registerVersion(r.app, name, { 'weights.bin': 'identical bytes', 'conf.json': '{}' });
    expect(a.digest).toBe(b.digest);
    const ma = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/1/files`)).body;
    const mb = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/2/files`)).body;
    expect(ma.files).toEqual(mb.files);
    const sha256 = ma.files.find((f: { path: string }) => f.path === 'weights.bin').sha256;
    const shard = path.join(r.deps.config.dataDir, 'blobs', 'sha256', sha256.slice(0, 2));
    expect(fs.readdirSync(shard).filter((f) => f === sha256)).toHaveLength(1);
  });

  it('reads the signature from an ONNX file and marks the runtime', async () => {
    const name = uniqueName('onnx');
    await createModel(r.app, name);
    const v = await registerVersion(r.app, name, { 'model.onnx': denseModelOnnx({ weights: [1, 2, 3], bias: 0, activation: 'sigmoid' }) });
    expect(v.runtime).toBe('onnx');
    expect(v.signature).toEqual({
      inputs: [{ name: 'input', type: 'float32', shape: [-1, 3] }],
      outputs: [{ name: 'probability', type: 'float32', shape: [-1, 1] }],
    });
  });

  it('refuses a file that claims to be ONNX but is not, with a 400 that names it', async () => {
    const name = uniqueName('notonnx');
    await createModel(r.app, name);
    const { sha256 } = await putBlob(r.app, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/versions`, { files: [{ path: 'model.onnx', sha256 }] });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('model.onnx is not a valid ONNX model');
  });

  it('keeps labels unique within a model and refuses labels that read as versions or stages', async () => {
    const name = uniqueName('labels');
    await createModel(r.app, name);
    await registerVersion(r.app, name, { 'm.bin': '1' }, { label: 'v1.0' });
    const dup = await call(r.app, 'POST', `/api/v1/models/${name}/versions`, { label: 'v1.0' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.message).toContain('v1.0');
    for (const bad of ['12', 'Production', 'latest', '../x']) {
      const res = await call(r.app, 'POST', `/api/v1/models/${name}/versions`, { label: bad });
      expect(res.status, bad).toBe(400);
    }
  });

  it('removes the aliases of a deleted version and refuses to delete the Production version', async () => {
    const name = uniqueName('aliasdel');
    await createModel(r.app, name);
    await registerVersion(r.app, name, { 'm.bin': '1' });
    await registerVersion(r.app, name, { 'm.bin': '2' });
    await call(r.app, 'PUT', `/api/v1/models/${name}/aliases/champion`, { version: 1 });
    await promote(r.app, name, 2);
    expect((await call(r.app, 'DELETE', `/api/v1/models/${name}/versions/2`)).status).toBe(409);
    expect((await call(r.app, 'DELETE', `/api/v1/models/${name}/versions/1`)).status).toBe(204);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/aliases/champion`)).status).toBe(404);
  });

  it('refuses reserved and malformed aliases', async () => {
    const name = uniqueName('aliasbad');
    await createModel(r.app, name);
    await registerVersion(r.app, name, { 'm.bin': '1' });
    for (const alias of ['latest', 'v3', 'has space', 'a.b']) {
      const res = await call(r.app, 'PUT', `/api/v1/models/${name}/aliases/${encodeURIComponent(alias)}`, { version: 1 });
      expect(res.status, alias).toBe(400);
    }
  });

  it('filters versions across models by stage, tag and name', async () => {
    const name = uniqueName('search');
    await createModel(r.app, name);
    await registerVersion(r.app, name, { 'm.bin': 'a' }, { tags: { team: 'risk' } });
    await registerVersion(r.app, name, { 'm.bin': 'b' }, { tags: { team: 'growth' } });
    await promote(r.app, name, 2);
    const byTag = (await call(r.app, 'GET', `/api/v1/versions?search=${name}&tag=team=risk`)).body.versions;
    expect(byTag.map((v: { version: number }) => v.version)).toEqual([1]);
    const byStage = (await call(r.app, 'GET', `/api/v1/versions?search=${name}&stage=Production`)).body.versions;
    expect(byStage.map((v: { version: number }) => v.version)).toEqual([2]);
  });
});
