import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import tar from 'tar-stream';
import { DATABASES, uniqueName, useRegistry } from '../../../test/databases.js';
import { call, createModel, putBlob, registerVersion } from '../../../test/http.js';
import { sha256Hex } from '../../blobs/verify.js';

describe.each(DATABASES)('artifacts on %s', (kind) => {
  const r = useRegistry(kind, { config: { maxUploadBytes: 64 * 1024 } });

  it('refuses absolute paths, "..", empty segments and backslashes with messages that say why', async () => {
    const name = uniqueName('paths');
    await createModel(r.app, name);
    const { sha256 } = await putBlob(r.app, 'bytes');
    const cases: Array<[string, string]> = [
      ['/etc/passwd', 'must be relative'],
      ['../../escape', 'must not contain ".."'],
      ['a/../../b', 'must not contain ".."'],
      ['a//b', 'empty'],
      ['', 'must not be empty'],
      ['dir\\file', 'separators'],
      ['C:/win', 'must be relative'],
    ];
    for (const [p, msg] of cases) {
      const res = await call(r.app, 'POST', `/api/v1/models/${name}/versions`, { files: [{ path: p, sha256 }] });
      expect(res.status, p).toBe(400);
      expect(res.body.error.message, p).toContain(msg);
    }
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions`)).body.versions).toHaveLength(0);
  });

  it('refuses bad model names with clear messages', async () => {
    const cases: Array<[string, string]> = [
      ['a/b', 'must not contain "/"'],
      ['x'.repeat(257), 'limit is 256'],
      ['tab\there', 'control characters'],
      ['', 'must not be empty'],
    ];
    for (const [name, msg] of cases) {
      const res = await call(r.app, 'POST', '/api/v1/models', { name });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(msg);
    }
    const name = uniqueName('dup');
    await createModel(r.app, name);
    const dup = await call(r.app, 'POST', '/api/v1/models', { name });
    expect(dup.status).toBe(409);
    expect(dup.body.error.message).toContain('already exists');
  });

  it('refuses a version that lists bytes never uploaded', async () => {
    const name = uniqueName('missing');
    await createModel(r.app, name);
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/versions`, { files: [{ path: 'm.bin', sha256: 'a'.repeat(64) }] });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('upload them');
  });

  it('answers 413 for an upload over the configured maximum and keeps nothing', async () => {
    const big = Buffer.alloc(64 * 1024 + 1, 1);
    const res = await r.app.inject({ method: 'POST', url: '/api/v1/blobs', headers: { 'content-type': 'application/octet-stream' }, payload: big });
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('too_large');
    expect(await r.deps.blobs.stat(sha256Hex(big))).toBeNull();
  });

  it('leaves no blob, no temp file and no version when an upload is killed half-way', async () => {
    const name = uniqueName('killed');
    await createModel(r.app, name);
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = r.app.server.address() as AddressInfo;
    const chunk = Buffer.alloc(16 * 1024, 7);
    await new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/blobs', headers: { 'content-type': 'application/octet-stream', 'content-length': String(chunk.length * 3) } });
      req.on('error', () => resolve());
      req.write(chunk, () => setTimeout(() => { req.destroy(); resolve(); }, 50));
    });
    // Give the server a moment to notice the reset and clean up.
    for (let i = 0; i < 50 && fs.readdirSync(path.join(r.deps.config.dataDir, 'blobs', 'tmp')).length > 0; i++) {
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(fs.readdirSync(path.join(r.deps.config.dataDir, 'blobs', 'tmp'))).toEqual([]);
    expect(await r.deps.blobs.stat(sha256Hex(chunk))).toBeNull();
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions`)).body.versions).toHaveLength(0);
    // No row anywhere points at bytes that are not stored.
    const rows = await r.deps.db.selectFrom('version_files').select('sha256').execute();
    for (const row of rows) expect(await r.deps.blobs.stat(row.sha256)).not.toBeNull();
  });

  it('downloads one file and the whole version as a tar with the same bytes', async () => {
    const name = uniqueName('download');
    await createModel(r.app, name);
    const files = { 'model/weights.bin': Buffer.alloc(3000, 9), 'model/MLmodel': 'flavors: {}\n' };
    await registerVersion(r.app, name, files);
    const one = await r.app.inject({ method: 'GET', url: `/api/v1/models/${name}/versions/1/files/model/MLmodel` });
    expect(one.statusCode).toBe(200);
    expect(one.body).toBe('flavors: {}\n');
    // A part, to resume a large download (unverified on its own; the client checks the whole).
    const part = await r.app.inject({ method: 'GET', url: `/api/v1/models/${name}/versions/1/files/model/MLmodel`, headers: { range: 'bytes=2-6' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 2-6/12');
    expect(part.body).toBe('avors');
    const past = await r.app.inject({ method: 'GET', url: `/api/v1/models/${name}/versions/1/files/model/MLmodel`, headers: { range: 'bytes=50-' } });
    expect(past.statusCode).toBe(416);
    const archive = await r.app.inject({ method: 'GET', url: `/api/v1/models/${name}/versions/1/archive` });
    expect(archive.statusCode).toBe(200);
    const got: Record<string, Buffer> = {};
    const extract = tar.extract();
    await new Promise<void>((resolve, reject) => {
      extract.on('entry', (header, stream, next) => {
        const parts: Buffer[] = [];
        stream.on('data', (c: unknown) => parts.push(c as Buffer));
        stream.on('end', () => {
          got[header.name] = Buffer.concat(parts);
          next();
        });
      });
      extract.on('finish', resolve);
      extract.on('error', reject);
      extract.end(archive.rawPayload);
    });
    expect(got['model/weights.bin']).toEqual(files['model/weights.bin']);
    expect(got['model/MLmodel'].toString()).toBe('flavors: {}\n');
  });

  it('never serves corrupted bytes as good: the download fails instead', async () => {
    const name = uniqueName('corrupt');
    await createModel(r.app, name);
    const v = await registerVersion(r.app, name, { 'm.bin': 'pristine weights' });
    expect(v.status).toBe('READY');
    const sha = sha256Hex('pristine weights');
    fs.writeFileSync(path.join(r.deps.config.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha), 'tampered weights');
    await r.app.listen({ host: '127.0.0.1', port: 0 }).catch(() => {});
    const { port } = r.app.server.address() as AddressInfo;
    const outcome = await new Promise<string>((resolve) => {
      http.get({ host: '127.0.0.1', port, path: `/api/v1/models/${name}/versions/1/files/m.bin` }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve(res.statusCode === 200 ? `complete:${Buffer.concat(parts).toString()}` : `refused:${res.statusCode}`));
        res.on('error', () => resolve('aborted'));
        res.on('aborted', () => resolve('aborted'));
      }).on('error', () => resolve('aborted'));
    });
    // The tampered bytes are never delivered as a complete, successful download.
    expect(['aborted', 'refused:500']).toContain(outcome);
    await expect(r.deps.blobs.read(sha)).rejects.toThrow(/corrupted/);
  });
});

async function tarOf(entries: Array<{ name: string; body?: string; type?: 'file' | 'symlink'; linkname?: string }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname });
    else pack.entry({ name: e.name }, e.body ?? '');
  }
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const c of pack) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe.each(DATABASES)('tar uploads on %s', (kind) => {
  const r = useRegistry(kind);
  const upload = (name: string, payload: Buffer, query = '') =>
    r.app.inject({ method: 'POST', url: `/api/v1/models/${name}/versions/archive${query}`, headers: { 'content-type': 'application/x-tar' }, payload });

  it('registers a directory version from one tar stream', async () => {
    const name = uniqueName('tar');
    await createModel(r.app, name);
    const res = await upload(name, await tarOf([{ name: 'model/MLmodel', body: 'flavors: {}' }, { name: 'model/data.bin', body: 'xyz' }]), '?label=v1.0');
    expect(res.statusCode).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({ version: 1, label: 'v1.0', status: 'READY' });
    const manifest = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/1/files`)).body;
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(['model/MLmodel', 'model/data.bin']);
  });

  it('refuses links and escaping paths inside the archive with 400, registering nothing', async () => {
    const name = uniqueName('tarbad');
    await createModel(r.app, name);
    const link = await upload(name, await tarOf([{ name: 'a.bin', body: 'a' }, { name: 'evil', type: 'symlink', linkname: '/etc/passwd' }]));
    expect(link.statusCode).toBe(400);
    expect(JSON.parse(link.body).error.message).toContain('links are refused');
    const escape = await upload(name, await tarOf([{ name: '../outside.bin', body: 'a' }]));
    expect(escape.statusCode).toBe(400);
    expect(JSON.parse(escape.body).error.message).toContain('..');
    const garbage = await upload(name, Buffer.from('this is not a tar archive at all, just text that goes on and on'.repeat(20)));
    expect(garbage.statusCode).toBe(400);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions`)).body.versions).toHaveLength(0);
  });
});
