import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/databases.js';
import { objectCount, openUploads } from '../../test/helpers/s3-cleanup.js';
import { s3Env, useBucket } from '../../test/helpers/s3.js';
import { S3BlobStore } from './s3-blob-store.js';
import type { BlobStore, BlobStoreOptions } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { MemoryBlobStore } from './memory-blob-store.js';
import { HOST_TAG, tempName } from './temp-files.js';
import { statMany } from './stat-many.js';
import { sha256Hex } from './verify.js';

interface Made {
  store: BlobStore;
  corrupt: (sha: string) => unknown;
  lose: (sha: string) => unknown;
  /** Temp files left on disk, temp objects and open multipart uploads on S3 (always 0 in memory). */
  temps: () => number | Promise<number>;
}

const stores: Array<[string, (opts?: BlobStoreOptions) => Made]> = [
  [
    'fs',
    (opts) => {
      const root = tempDir('blobs-');
      const store = new FsBlobStore(root, opts);
      const file = (sha: string) => path.join(root, 'sha256', sha.slice(0, 2), sha);
      return {
        store,
        corrupt: (sha) => fs.writeFileSync(file(sha), 'tampered'),
        lose: (sha) => fs.rmSync(file(sha)),
        temps: () => fs.readdirSync(path.join(root, 'tmp')).length,
      };
    },
  ],
  [
    'memory',
    (opts) => {
      const store = new MemoryBlobStore(opts);
      return {
        store,
        corrupt: (sha) => store.blobs.set(sha, Buffer.from('tampered')),
        lose: (sha) => store.blobs.delete(sha),
        temps: () => 0,
      };
    },
  ],
];

// S3 joins when a server is there (test/helpers/s3.ts says why it skips otherwise): each test gets
// its own prefix in this file's bucket.
const s3 = s3Env();
const bucket = s3 ? useBucket(s3) : null;
if (bucket) {
  stores.push([
    's3',
    (opts) => {
      const prefix = `contract-${randomBytes(4).toString('hex')}`;
      const store = new S3BlobStore(bucket.client, { bucket: bucket.name, prefix }, opts);
      return {
        store,
        corrupt: async (sha) => void (await bucket.client.send(new PutObjectCommand({ Bucket: bucket.name, Key: store.key(sha), Body: 'tampered' }))),
        lose: (sha) => bucket.client.send(new DeleteObjectCommand({ Bucket: bucket.name, Key: store.key(sha) })),
        temps: async () => (await objectCount(bucket.client, bucket.name, store.tmpPrefix)) + (await openUploads(bucket.client, bucket.name, store.tmpPrefix)),
      };
    },
  ]);
}

/** A source that sends `first`, then waits for `release()` to send `rest` and end. */
function heldSource(first: Buffer, rest: Buffer) {
  let release = () => {};
  const released = new Promise<void>((r) => (release = r));
  let step = 0;
  const source = new Readable({
    read() {
      if (step === 0) {
        step = 1;
        this.push(first);
      } else if (step === 1) {
        step = 2;
        void released.then(() => {
          this.push(rest);
          this.push(null);
        });
      }
    },
  });
  return { source, release };
}

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
    expect(put).toEqual({ sha256: sha256Hex(data), size: data.length, created: true, repaired: false });
    expect(await store.stat(put.sha256)).toMatchObject({ sha256: put.sha256, size: put.size });
    expect(await drain(store.open(put.sha256))).toEqual(data);
    expect(await store.read(put.sha256)).toEqual(data);
  });

  it('answers stat() of many blobs at once (statMany), through head() where the store has it', async () => {
    const { store } = make();
    const puts = await Promise.all(['a', 'bb', 'ccc'].map((s) => store.put(Buffer.from(s))));
    const absent = sha256Hex('never stored');
    const stats = await statMany(store, [...puts.map((p) => p.sha256), absent, puts[0].sha256], 2);
    expect(stats.size).toBe(4);
    for (const p of puts) expect(stats.get(p.sha256)).toMatchObject({ sha256: p.sha256, size: p.size });
    expect(stats.get(absent)).toBeNull();
    if (store.head) {
      expect(await store.head(puts[2].sha256)).toEqual({ sha256: puts[2].sha256, size: 3 });
      expect(await store.head(absent)).toBeNull();
    }
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
    await corrupt(sha256);
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

  it('replaces a corrupted stored copy with verified re-uploaded bytes, and says so', async () => {
    const { store, corrupt } = make();
    const data = Buffer.from('model bytes that rot on disk');
    const { sha256 } = await store.put(data);
    await corrupt(sha256);
    expect(await store.check(sha256)).toMatchObject({ state: 'corrupt', actual: sha256Hex('tampered') });
    expect(await store.put(data)).toEqual({ sha256, size: data.length, created: true, repaired: true });
    expect(await store.read(sha256)).toEqual(data);
    expect(await store.check(sha256)).toEqual({ sha256, state: 'ok', size: data.length });
    // Intact now: the next identical upload changes nothing.
    expect(await store.put(data)).toMatchObject({ created: false, repaired: false });
  });

  it('never lets bytes that do not match their address replace a corrupted copy', async () => {
    const { store, corrupt } = make();
    const { sha256 } = await store.put(Buffer.from('good'));
    await corrupt(sha256);
    await expect(store.put(Buffer.from('other'), { expectedSha256: sha256 })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect((await store.check(sha256)).state).toBe('corrupt');
  });

  it('stores again bytes whose copy vanished', async () => {
    const { store, lose } = make();
    const data = Buffer.from('lost and found');
    const { sha256 } = await store.put(data);
    await lose(sha256);
    expect(await store.check(sha256)).toEqual({ sha256, state: 'missing' });
    expect(await store.put(data)).toMatchObject({ created: true, repaired: false });
    expect(await store.read(sha256)).toEqual(data);
  });

  it('lists every stored blob', async () => {
    const { store } = make();
    const a = await store.put(Buffer.from('a'));
    const b = await store.put(Buffer.from('bb'));
    const listed = [];
    for await (const blob of store.list()) listed.push(blob);
    expect(listed.sort((x, y) => x.size - y.size)).toMatchObject([
      { sha256: a.sha256, size: 1 },
      { sha256: b.sha256, size: 2 },
    ]);
  });

  it('reads a byte range: inclusive ends, open-ended to the last byte', async () => {
    const { store } = make();
    const { sha256 } = await store.put(Buffer.from('0123456789abcdef'));
    expect(store.openRange).toBeDefined();
    expect((await drain(store.openRange!(sha256, { start: 4, end: 9 }))).toString()).toBe('456789');
    expect((await drain(store.openRange!(sha256, { start: 12 }))).toString()).toBe('cdef');
    expect((await drain(store.openRange!(sha256, { start: 0, end: 0 }))).toString()).toBe('0');
  });

  it('deletes one blob, and says when there was nothing to delete', async () => {
    const { store } = make();
    const a = await store.put(Buffer.from('keep me'));
    const b = await store.put(Buffer.from('drop me'));
    expect(await store.delete(b.sha256)).toBe(true);
    expect(await store.delete(b.sha256)).toBe(false);
    expect(await store.stat(b.sha256)).toBeNull();
    expect((await store.check(a.sha256)).state).toBe('ok');
  });

  it('refreshes modifiedAt when stored bytes are put again (the grace period of garbage collection)', async () => {
    const { store } = make();
    const first = await store.put(Buffer.from('deduped'));
    const before = (await store.stat(first.sha256))?.modifiedAt ?? 0;
    expect(before).toBeGreaterThan(Date.now() - 60_000);
    await new Promise((r) => setTimeout(r, 25));
    await store.put(Buffer.from('deduped'));
    const after = (await store.stat(first.sha256))?.modifiedAt ?? 0;
    expect(after).toBeGreaterThan(before);
    const listed = [];
    for await (const b of store.list()) listed.push(b);
    expect(listed.find((b) => b.sha256 === first.sha256)?.modifiedAt).toBe(after);
  });

  it('fails an upload that outlives the longest allowed upload, with code timeout, and keeps nothing', async () => {
    const { store, temps } = make({ maxUploadMs: 100 });
    const { source } = heldSource(Buffer.alloc(10, 1), Buffer.alloc(10, 2));
    await expect(store.put(source)).rejects.toMatchObject({ code: 'timeout' });
    expect(await temps()).toBe(0);
    let count = 0;
    for await (const _ of store.list()) count += 1;
    expect(count).toBe(0);
  });

  it('never sweeps an upload in progress, however old the sweep is told to consider debris', async () => {
    const { store, temps } = make();
    const first = Buffer.alloc(1000, 1);
    const rest = Buffer.alloc(1000, 2);
    const { source, release } = heldSource(first, rest);
    const put = store.put(source);
    await new Promise((r) => setTimeout(r, 50));
    expect(await store.sweepTemp({ olderThanMs: 0 })).toEqual({ removed: 0, bytes: 0 });
    release();
    const stored = await put;
    expect(await store.read(stored.sha256)).toEqual(Buffer.concat([first, rest]));
    expect(await temps()).toBe(0);
  });
});

describe('fs blob store', () => {
  it('stores identical bytes once and cleans its temp files', async () => {
    const root = tempDir('blobs-');
    const store = new FsBlobStore(root);
    const a = await store.put(Buffer.from('same'));
    const b = await store.put(Buffer.from('same'));
    expect(b).toEqual({ ...a, created: false });
    expect(fs.readdirSync(path.join(root, 'sha256', a.sha256.slice(0, 2)))).toEqual([a.sha256]);
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });
});

describe('fs blob store temp sweep', () => {
  function leftovers() {
    const root = tempDir('blobs-');
    const store = new FsBlobStore(root, { maxUploadMs: 60_000 });
    const tmp = path.join(root, 'tmp');
    const write = (name: string, ageMs = 0) => {
      fs.writeFileSync(path.join(tmp, name), Buffer.alloc(100));
      const t = new Date(Date.now() - ageMs);
      fs.utimesSync(path.join(tmp, name), t, t);
      return name;
    };
    return { store, tmp, write, left: () => fs.readdirSync(tmp).sort() };
  }

  it('removes what a crashed process on this host left, at once', async () => {
    const { store, write, left } = leftovers();
    // A pid that no process holds: a server killed with -9.
    const dead = write(tempName(2 ** 22 + 12345));
    const mine = write(tempName(process.pid));
    expect(await store.sweepTemp()).toEqual({ removed: 2, bytes: 200 });
    expect(left()).not.toContain(dead);
    expect(left()).not.toContain(mine);
  });

  it("keeps another live process's fresh upload and another host's, until they outlive the longest upload", async () => {
    const { store, write, left } = leftovers();
    const live = write(tempName(process.ppid));
    const otherHost = write(tempName(4242, HOST_TAG === 'ffffffff' ? '00000000' : 'ffffffff'));
    const stale = write(tempName(process.ppid), 61_000);
    const staleOther = write(tempName(4242, HOST_TAG === 'ffffffff' ? '00000000' : 'ffffffff'), 61_000);
    const unknown = write('something-else');
    expect(await store.sweepTemp()).toEqual({ removed: 2, bytes: 200 });
    expect(left()).toEqual([live, otherHost, unknown].sort());
    expect(left()).not.toContain(stale);
    expect(left()).not.toContain(staleOther);
  });
});
