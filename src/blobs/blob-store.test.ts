import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { MemoryBlobStore } from './memory-blob-store.js';
import { sha256Hex } from './verify.js';

const stores: Array<[string, () => { store: BlobStore; corrupt: (sha: string) => void }]> = [
  [
    'fs',
    () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'blobs-'));
      const store = new FsBlobStore(root);
      return {
        store,
        corrupt: (sha) => fs.writeFileSync(path.join(root, 'sha256', sha.slice(0, 2), sha), 'tampered'),
      };
    },
  ],
  [
    'memory',
    () => {
      const store = new MemoryBlobStore();
      return { store, corrupt: (sha) => store.blobs.set(sha, Buffer.from('tampered')) };
    },
  ],
];

async function drain(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe.each(stores)('%s blob store contract', (_name, make) => {
  it('stores bytes under their sha256 and reads them back', async () => {
    const { store } = make();
    const data = Buffer.from('hello model bytes');
    const put = await store.put(Readable.from([data.subarray(0, 5), data.subarray(5)]));
    expect(put).toEqual({ sha256: sha256Hex(data), size: data.length });
    expect(await store.stat(put.sha256)).toEqual(put);
    expect(await drain(store.open(put.sha256))).toEqual(data);
    expect(await store.read(put.sha256)).toEqual(data);
  });

  it('refuses an upload over the maximum size with too_large and stores nothing', async () => {
    const { store } = make();
    const data = Buffer.alloc(1000, 7);
    await expect(store.put(data, { maxBytes: 999 })).rejects.toMatchObject({ code: 'too_large' });
    expect(await store.stat(sha256Hex(data))).toBeNull();
  });

  it('refuses bytes that do not match the expected digest', async () => {
    const { store } = make();
    const data = Buffer.from('abc');
    await expect(store.put(data, { expectedSha256: 'f'.repeat(64) })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect(await store.stat(sha256Hex(data))).toBeNull();
  });

  it('never hands out corrupted bytes as good', async () => {
    const { store, corrupt } = make();
    const { sha256 } = await store.put(Buffer.from('original'));
    corrupt(sha256);
    await expect(store.read(sha256)).rejects.toThrow(/corrupted/);
    await expect(drain(store.open(sha256))).rejects.toThrow(/corrupted/);
  });

  it('leaves nothing behind when the source stream fails half-way', async () => {
    const { store } = make();
    const source = new Readable({
      read() {
        this.push(Buffer.alloc(100, 1));
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(store.put(source)).rejects.toThrow(/connection reset/);
    expect(await store.stat(sha256Hex(Buffer.alloc(100, 1)))).toBeNull();
  });
});

describe('fs blob store', () => {
  it('stores identical bytes once and cleans its temp files', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'blobs-'));
    const store = new FsBlobStore(root);
    const a = await store.put(Buffer.from('same'));
    const b = await store.put(Buffer.from('same'));
    expect(a).toEqual(b);
    expect(fs.readdirSync(path.join(root, 'sha256', a.sha256.slice(0, 2)))).toEqual([a.sha256]);
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });
});
