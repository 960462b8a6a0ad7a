// Garbage collection raced against real uploads and version registrations over HTTP: whatever the
// interleaving, no version (live or deleted) ever references bytes gc removed. Clients register
// versions from fresh uploads, from old unreferenced blobs named by digest (no upload), and from
// re-uploads of old unreferenced bytes (a dedupe that refreshes them), while gc runs back to back.
// With a grace longer than an upload-to-register gap, fresh uploads are never refused; with no
// grace at all, a registration may be refused (a clean 4xx) but never left without its bytes.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../src/blobs/blob-store.js';
import { FsBlobStore } from '../src/blobs/fs-blob-store.js';
import { sha256Hex } from '../src/blobs/verify.js';
import { DATABASES, tempDir, uniqueName, useRegistry, type Registry } from './databases.js';
import { createModel } from './http.js';

/** Bounds per phase: whichever comes first. */
const MAX_OPS = 240;
const MAX_MS = 5_000;
const WORKERS = 4;
const OLD = new Date(Date.now() - 3 * 86_400_000);

/**
 * The disk store answering stat and delete after a few milliseconds, as an object store does: it
 * widens every window between a check and the act that relies on it, so a missing lock shows.
 */
function latent(store: BlobStore): BlobStore {
  const pause = () => new Promise((res) => setTimeout(res, Math.random() * 4));
  return {
    put: (source, opts) => store.put(source, opts),
    stat: async (sha) => {
      await pause();
      const st = await store.stat(sha);
      await pause();
      return st;
    },
    open: (sha) => store.open(sha),
    read: (sha) => store.read(sha),
    check: (sha) => store.check(sha),
    list: () => store.list(),
    sweepTemp: (opts) => store.sweepTemp(opts),
    delete: async (sha) => {
      await pause();
      return store.delete(sha);
    },
  };
}

interface Tally {
  created: number;
  refused: number;
  freshRefused: number;
  gcRuns: number;
  removed: number;
}

function racer(r: Registry, base: string, model: string) {
  const orphans: Buffer[] = [];
  const auth = { 'content-type': 'application/octet-stream' };

  /** An old blob nothing references: stored and backdated straight through the blob store. */
  async function seedOrphan() {
    const bytes = randomBytes(64);
    const { sha256 } = await r.deps.blobs.put(bytes);
    const file = path.join(r.deps.config.dataDir, 'blobs', 'sha256', sha256.slice(0, 2), sha256);
    fs.utimesSync(file, OLD, OLD);
    orphans.push(bytes);
    if (orphans.length > 32) orphans.shift();
  }

  async function upload(bytes: Buffer): Promise<Response> {
    let res = await fetch(`${base}/api/v1/blobs`, { method: 'POST', headers: auth, body: new Uint8Array(bytes) });
    // 503: the bytes were collected between the dedupe check and its refresh; clients send again.
    if (res.status === 503) res = await fetch(`${base}/api/v1/blobs`, { method: 'POST', headers: auth, body: new Uint8Array(bytes) });
    return res;
  }

  async function register(sha256: string): Promise<Response> {
    return fetch(`${base}/api/v1/models/${model}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ files: [{ path: 'model.bin', sha256 }] }),
    });
  }

  /** One client operation; true when it made a version. */
  async function op(t: Tally, i: number): Promise<void> {
    const kind = i % 3;
    const old = orphans[Math.floor(Math.random() * orphans.length)];
    let sha: string;
    if (kind === 0 || !old) {
      const up = await upload(randomBytes(48));
      expect(up.status).toBe(201);
      sha = ((await up.json()) as { sha256: string }).sha256;
    } else if (kind === 1) {
      sha = sha256Hex(old);
    } else {
      const up = await upload(old);
      expect([200, 201]).toContain(up.status);
      sha = sha256Hex(old);
    }
    const res = await register(sha);
    if (res.status === 201) t.created++;
    else {
      // The only acceptable refusal: the bytes were collected first, and the answer says so.
      expect(res.status, await res.clone().text()).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain('no uploaded bytes');
      t.refused++;
      if (kind !== 1) t.freshRefused++;
    }
  }

  async function phase(grace: string): Promise<Tally> {
    const t: Tally = { created: 0, refused: 0, freshRefused: 0, gcRuns: 0, removed: 0 };
    for (let i = 0; i < 8; i++) await seedOrphan();
    const start = Date.now();
    let ops = 0;
    let done = false;
    const more = () => !done && ops < MAX_OPS && Date.now() - start < MAX_MS;
    const clients = Array.from({ length: WORKERS }, async () => {
      while (more()) {
        const i = ops++;
        if (i % 4 === 0) await seedOrphan();
        await op(t, i);
      }
    });
    const collector = (async () => {
      while (more()) {
        const res = await fetch(`${base}/api/v1/blobs/gc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grace }) });
        expect(res.status).toBe(200);
        t.removed += ((await res.json()) as { removed: number }).removed;
        t.gcRuns++;
      }
    })();
    try {
      await Promise.all([...clients, collector]);
    } finally {
      done = true;
    }
    return t;
  }

  return { phase };
}

/** Every version's every file, deleted versions' included, is stored and intact. */
async function everyVersionWhole(r: Registry): Promise<number> {
  const rows = await r.deps.db.selectFrom('version_files').select('sha256').execute();
  for (const { sha256 } of rows) expect((await r.deps.blobs.check(sha256)).state, sha256).toBe('ok');
  return rows.length;
}

describe.each(DATABASES)('gc raced against uploads and registrations on %s', (kind) => {
  const dataDir = tempDir();
  const r = useRegistry(kind, { config: { dataDir }, overrides: { blobs: latent(new FsBlobStore(path.join(dataDir, 'blobs'))) } });

  it('never removes a blob a version references, whatever commits during the sweep', async () => {
    const address = await r.app.listen({ port: 0, host: '127.0.0.1' });
    const model = uniqueName('race');
    await createModel(r.app, model);
    const race = racer(r, address, model);

    // A grace longer than any upload-to-register gap: fresh uploads always make their version.
    const graced = await race.phase('1h');
    expect(graced.freshRefused).toBe(0);
    expect(graced.gcRuns).toBeGreaterThan(1);
    expect(graced.created).toBeGreaterThan(10);
    await everyVersionWhole(r);

    // No grace: every unreferenced blob is fair game the moment it lands; still no version loses one.
    const bare = await race.phase('0s');
    expect(bare.gcRuns).toBeGreaterThan(1);
    expect(bare.created).toBeGreaterThan(0);
    expect(graced.removed + bare.removed).toBeGreaterThan(0);
    const files = await everyVersionWhole(r);
    expect(files).toBe(graced.created + bare.created);
  }, 60_000);
});
