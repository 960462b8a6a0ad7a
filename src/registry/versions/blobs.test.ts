// Bad bytes heal: a re-upload replaces a corrupted stored copy (audited), a check of every blob
// reports the versions bad bytes affect and marks them failed so rollback never picks them, and
// stale upload temp files go when the server starts.
import fs from 'node:fs';
import path from 'node:path';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { DATABASES, tempDir, uniqueName, useRegistry } from '../../../test/databases.js';
import { call, createModel, promote, putBlob, registerVersion } from '../../../test/http.js';
import { tempName } from '../../blobs/temp-files.js';
import { sha256Hex } from '../../blobs/verify.js';
import { denseModelOnnx } from '../../onnx/onnx-builder.js';
import type { Registry } from '../../../test/databases.js';

const blobFile = (r: Registry, sha: string) => path.join(r.deps.config.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha);
const corrupt = (r: Registry, sha: string) => fs.writeFileSync(blobFile(r, sha), 'bit rot');

async function tarOf(files: Record<string, Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, bytes] of Object.entries(files)) pack.entry({ name }, bytes);
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const c of pack) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function events(r: Registry, type: string) {
  return (await call(r.app, 'GET', `/api/v1/events?type=${type}&limit=1000`)).body.events as Array<{ actor: string; details: Record<string, unknown>; model: string | null; version: number | null; reason: string | null }>;
}

describe.each(DATABASES)('blob repair on %s', (kind) => {
  // What a server killed with -9 mid-upload leaves: a temp file of a process that is gone.
  const dataDir = tempDir();
  const tmp = path.join(dataDir, 'blobs', 'tmp');
  fs.mkdirSync(tmp, { recursive: true });
  fs.writeFileSync(path.join(tmp, tempName(2 ** 22 + 777)), Buffer.alloc(4096));
  const r = useRegistry(kind, { config: { dataDir } });

  it('removes the temp files of uploads a crash cut short when the server starts', async () => {
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('replaces a corrupted blob when the same verified bytes are uploaded again, and audits it', async () => {
    const name = uniqueName('rot');
    await createModel(r.app, name);
    const model = denseModelOnnx({ weights: [1, 2], bias: 0, activation: 'none', doc: name });
    const sha = sha256Hex(model);
    await registerVersion(r.app, name, { 'model.onnx': model });
    corrupt(r, sha);
    // A client asking first is told to upload: the stored copy is not intact.
    expect((await call(r.app, 'GET', `/api/v1/blobs/${sha}`)).status).toBe(404);
    // Registering a version from the bad copy says how to repair it instead of a 500.
    const refused = await call(r.app, 'POST', `/api/v1/models/${name}/versions`, { files: [{ path: 'model.onnx', sha256: sha }] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('corrupted on disk');
    // The upload that used to answer 500 now repairs the blob.
    const v2 = await registerVersion(r.app, name, { 'model.onnx': model });
    expect(v2.version).toBe(2);
    expect(fs.readFileSync(blobFile(r, sha))).toEqual(model);
    expect((await call(r.app, 'GET', `/api/v1/blobs/${sha}`)).body).toEqual({ sha256: sha, size: model.length });
    const repaired = (await events(r, 'blob.repaired')).filter((e) => e.details.sha256 === sha);
    expect(repaired).toHaveLength(1);
    expect(repaired[0]).toMatchObject({ actor: 'local', details: { was: 'corrupt', versions: [{ model: name, version: 1, path: 'model.onnx' }] } });
    const file = await r.app.inject({ method: 'GET', url: `/api/v1/models/${name}/versions/1/files/model.onnx` });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload).toEqual(model);
  });

  it('repairs through a tar upload of a whole version too', async () => {
    const name = uniqueName('rot-tar');
    await createModel(r.app, name);
    const model = denseModelOnnx({ weights: [3], bias: 1, activation: 'none', doc: name });
    await registerVersion(r.app, name, { 'model.onnx': model });
    corrupt(r, sha256Hex(model));
    const res = await r.app.inject({
      method: 'POST',
      url: `/api/v1/models/${name}/versions/archive`,
      headers: { 'content-type': 'application/x-tar' },
      payload: await tarOf({ 'model.onnx': model }),
    });
    expect(res.statusCode).toBe(201);
    expect(fs.readFileSync(blobFile(r, sha256Hex(model)))).toEqual(model);
  });

  it('verify reports bad blobs with the versions they affect, marks them failed, and rollback passes them by', async () => {
    const name = uniqueName('verify');
    await createModel(r.app, name);
    const bytes = [1, 2, 3].map((i) => Buffer.from(`weights ${name} ${i}`));
    for (const b of bytes) await registerVersion(r.app, name, { 'model.bin': b, 'README.md': `v of ${name}` });
    await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/health`, { health: 'stable', reason: 'a week in production' });
    for (const v of [1, 2, 3]) expect((await promote(r.app, name, v)).status).toBe(200);
    const bad = sha256Hex(bytes[1]);
    corrupt(r, bad);
    const lost = sha256Hex(bytes[0]);
    fs.rmSync(blobFile(r, lost));

    const report = await call(r.app, 'POST', '/api/v1/blobs/verify', {});
    expect(report.status).toBe(200);
    const mine = report.body.bad.filter((b: { sha256: string }) => [bad, lost].includes(b.sha256));
    expect(mine).toEqual(
      expect.arrayContaining([
        { sha256: bad, state: 'corrupt', size: 7, expected_size: bytes[1].length, versions: [{ model: name, version: 2, path: 'model.bin', stage: 'Archived', health: 'unknown' }] },
        { sha256: lost, state: 'missing', size: null, expected_size: bytes[0].length, versions: [{ model: name, version: 1, path: 'model.bin', stage: 'Archived', health: 'stable' }] },
      ]),
    );
    expect(report.body.marked).toEqual(expect.arrayContaining([{ model: name, version: 1 }, { model: name, version: 2 }]));
    const v2 = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/2`)).body;
    expect(v2.health).toBe('failed');
    expect(v2.health_reason).toMatch(/^bytes corrupt: "model.bin"/);
    expect((await events(r, 'blob.corrupted')).filter((e) => e.details.sha256 === bad)).toHaveLength(1);

    // Neither is offered as a rollback destination.
    const rb = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'errors up' });
    expect(rb.status).toBe(409);
    expect(rb.body.error.message).toContain('bytes corrupt');
    // A second check changes nothing more: the versions are already marked.
    const again = await call(r.app, 'POST', '/api/v1/blobs/verify', { sha256: [bad, lost] });
    expect(again.body).toMatchObject({ checked: 2, ok: 0, marked: [], restored: [] });

    // Uploading the verified bytes again repairs each blob and gives each version its health back.
    await putBlob(r.app, bytes[1]);
    await putBlob(r.app, bytes[0]);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/2`)).body).toMatchObject({ health: 'unknown', health_reason: null });
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/1`)).body).toMatchObject({ health: 'stable', health_reason: null });
    const repairs = (await events(r, 'blob.repaired')).filter((e) => [bad, lost].includes(e.details.sha256 as string));
    expect(repairs.map((e) => e.details.was).sort()).toEqual(['corrupt', 'missing']);
    const clean = await call(r.app, 'POST', '/api/v1/blobs/verify', { sha256: [bad, lost] });
    expect(clean.body).toMatchObject({ checked: 2, ok: 2, bad: [] });
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'errors up' })).body).toMatchObject({ from_version: 3, to_version: 1 });
  });

  it('restores a version whose bytes were put back by hand at the next check', async () => {
    const name = uniqueName('by-hand');
    await createModel(r.app, name);
    const b = Buffer.from(`by hand ${name}`);
    await registerVersion(r.app, name, { 'model.bin': b });
    corrupt(r, sha256Hex(b));
    expect((await call(r.app, 'POST', '/api/v1/blobs/verify', { sha256: [sha256Hex(b)] })).body.marked).toEqual([{ model: name, version: 1 }]);
    fs.writeFileSync(blobFile(r, sha256Hex(b)), b);
    const report = await call(r.app, 'POST', '/api/v1/blobs/verify', { sha256: [sha256Hex(b)] });
    expect(report.body).toMatchObject({ ok: 1, restored: [{ model: name, version: 1 }] });
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/1`)).body.health).toBe('unknown');
  });
});

describe('blob verify is an admin action', () => {
  const r = useRegistry('sqlite');

  it('refuses an editor', async () => {
    const admin = await call(r.app, 'POST', '/api/v1/tokens', { name: 'root', role: 'admin' });
    const auth = { authorization: `Bearer ${admin.body.token}` };
    const editor = await call(r.app, 'POST', '/api/v1/tokens', { name: 'ed', role: 'editor' }, auth);
    const refused = await call(r.app, 'POST', '/api/v1/blobs/verify', {}, { authorization: `Bearer ${editor.body.token}` });
    expect(refused.status).toBe(403);
    expect((await call(r.app, 'POST', '/api/v1/blobs/verify', {}, auth)).status).toBe(200);
  });
});
