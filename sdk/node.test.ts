// Uploading a directory as a version and downloading it back, against a real app on a real port.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, tempDir, uniqueName, useRegistry } from '../test/databases.js';
import { createClient, type StagecraftClient } from './client.js';
import { safeTarget } from './node-files.js';
import { downloadVersion, StagecraftLocalError, uploadVersion } from './node.js';

function artifactDir(files: Record<string, string | Buffer>): string {
  const dir = tempDir('sdk-art-');
  for (const [rel, bytes] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), bytes);
  }
  return dir;
}

describe.each(DATABASES)('SDK uploads and downloads (%s)', (kind) => {
  const r = useRegistry(kind);
  let sc: StagecraftClient;
  let url: string;
  beforeAll(async () => {
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
    sc = createClient({ url });
  });

  it('uploads a directory tree, skips bytes the server has, and downloads it back byte for byte', async () => {
    const name = uniqueName('up');
    await sc.models.create({ name });
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const dir = artifactDir({ 'model.bin': big, 'conf/config.json': '{"a":1}', 'conf/deep/x.txt': 'x' });
    const progress: Array<[number, number]> = [];
    const first = await uploadVersion(sc, name, dir, { label: 'v1', params: { depth: 3 }, onProgress: (d, t) => progress.push([d, t]) });
    expect(first.version.version).toBe(1);
    expect(first.skipped).toEqual([]);
    const total = big.length + 7 + 1;
    expect(progress.at(-1)).toEqual([total, total]);
    expect(progress.every(([d], i) => i === 0 || d >= progress[i - 1][0])).toBe(true);

    const second = await uploadVersion(sc, name, dir, {});
    expect(second.skipped).toEqual(['conf/config.json', 'conf/deep/x.txt', 'model.bin']);
    expect(second.uploadedBytes).toBe(0);
    expect(second.version.digest).toBe(first.version.digest);

    const out = path.join(tempDir('sdk-dl-'), 'nested', 'out');
    const got = await downloadVersion(sc, name, 1, out);
    expect(got.files.map((f) => f.path)).toEqual(['conf/config.json', 'conf/deep/x.txt', 'model.bin']);
    expect(fs.readFileSync(path.join(out, 'model.bin')).equals(big)).toBe(true);
    expect(fs.readFileSync(path.join(out, 'conf/config.json'), 'utf8')).toBe('{"a":1}');
    // Nothing but the files: no temp files left beside them.
    expect(fs.readdirSync(out).sort()).toEqual(['conf', 'model.bin']);
  });

  it('uploads a single file under its own name', async () => {
    const name = uniqueName('one');
    await sc.models.create({ name });
    const dir = artifactDir({ 'weights.onnx.bin': 'w' });
    const { version } = await uploadVersion(sc, name, path.join(dir, 'weights.onnx.bin'));
    expect((await sc.versions.manifest(name, version.version)).files.map((f) => f.path)).toEqual(['weights.onnx.bin']);
  });

  it('refuses a directory holding a symbolic link, and registers nothing', async () => {
    const name = uniqueName('link');
    await sc.models.create({ name });
    const dir = artifactDir({ 'model.bin': 'm' });
    fs.symlinkSync('/etc/passwd', path.join(dir, 'secret'));
    const err = await uploadVersion(sc, name, dir).catch((e) => e);
    expect(err).toBeInstanceOf(StagecraftLocalError);
    expect(err.message).toMatch(/symbolic link/);
    expect((await sc.versions.list(name)).versions).toEqual([]);
  });

  it('refuses a missing path and an empty directory with clear messages', async () => {
    await expect(uploadVersion(sc, 'whatever', '/no/such/dir')).rejects.toThrow(/does not exist/);
    await expect(uploadVersion(sc, 'whatever', tempDir('empty-'))).rejects.toThrow(/holds no files/);
  });

  it('refuses a download whose bytes do not match the manifest and leaves no file', async () => {
    const name = uniqueName('tamper');
    await sc.models.create({ name });
    await uploadVersion(sc, name, artifactDir({ 'model.bin': 'genuine bytes' }));
    // A proxy that swaps the bytes in transit: the manifest still names the genuine sha256.
    const tampering = createClient({
      url,
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        const u = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        return u.includes('/files/') ? new Response('forged bytes!', { status: 200 }) : res;
      },
    });
    const out = tempDir('sdk-tamper-');
    await expect(downloadVersion(tampering, name, 1, out)).rejects.toThrow(/corrupted/);
    expect(fs.readdirSync(out)).toEqual([]);
  });
});

describe('manifest path safety', () => {
  it('keeps normal nested paths under the output directory', () => {
    expect(safeTarget('/tmp/out', 'a/b.txt')).toBe(path.resolve('/tmp/out/a/b.txt'));
  });
  it.each(['../evil', 'a/../../evil', '/etc/passwd', 'a//b', './a', 'a\\b', '', 'C:/x'])('refuses "%s"', (p) => {
    expect(() => safeTarget('/tmp/out', p)).toThrow(StagecraftLocalError);
  });
});
