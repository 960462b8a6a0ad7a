// Several servers without shared disk: two registry servers on one PostgreSQL database and one S3
// bucket, each with its own data directory. A version uploaded through one is served, downloaded and
// rolled back through the other; a standalone gateway given the bucket reads artifacts from it
// directly. (What must be shared — the database and the bucket — is in the README.)
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../sdk/client.js';
import { downloadVersion } from '../sdk/node.js';
import type { BlobStore } from '../src/blobs/blob-store.js';
import { S3BlobStore } from '../src/blobs/s3-blob-store.js';
import { parseS3Url } from '../src/blobs/s3-client.js';
import type { Config } from '../src/config.js';
import { createDeps, type Deps } from '../src/deps.js';
import type { App } from '../src/http/app-types.js';
import { createLogger } from '../src/log.js';
import { denseModelOnnx } from '../src/onnx/onnx-builder.js';
import { buildServer, serverExtensions, type GatewayApp } from '../src/server.js';
import { hasPostgres, tempDir, testConfig, uniqueName } from './databases.js';
import { eventually, registerOnnx, specFor, startReplica, v2Body, waitConverged } from './gateway-fixtures.js';
import { openUploads } from './helpers/s3-cleanup.js';
import { s3Env, useBucket } from './helpers/s3.js';
import { call, createModel, promote, registerVersion } from './http.js';

const log = createLogger('silent');
const env = s3Env();
if (!hasPostgres) console.warn('skipping the two-server S3 test: it needs PostgreSQL (STAGECRAFT_TEST_PG_URL)');

async function servedVersion(app: App, model: string): Promise<number> {
  const res = await app.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload: v2Body([[1, 2, 3]]) });
  return res.statusCode === 200 ? Number(res.headers['stagecraft-model-version']) : -res.statusCode;
}

describe.skipIf(!env || !hasPostgres)('two registry servers on one PostgreSQL and one bucket, separate data directories', () => {
  const bucket = useBucket(env);
  const servers: Array<{ deps: Deps; app: App; dataDir: string }> = [];
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    // The standard AWS credential chain: what an operator sets for `stagecraft server`.
    process.env.AWS_ACCESS_KEY_ID = env!.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = env!.credentials.secretAccessKey;
    const shared: Partial<Config> = { artifactsUrl: bucket.url('registry'), s3Endpoint: env!.endpoint, s3Region: env!.region };
    const base = await testConfig('postgres', shared);
    for (const port of [5101, 5102]) {
      // Same database and bucket; its own data directory (and port: the embedded replica's id).
      const config = { ...base, dataDir: tempDir(), port };
      const deps = await createDeps(config, { log });
      const { app } = await buildServer(deps, serverExtensions().pick('serving'));
      await app.ready();
      servers.push({ deps, app, dataDir: config.dataDir });
    }
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    for (const s of servers) {
      await s.app.close();
      await s.deps.close();
    }
  });

  it('serves, downloads and rolls back through one server what was uploaded through the other', async () => {
    const [a, b] = servers;
    const name = uniqueName('shared');
    await createModel(a.app, name);
    await registerOnnx(a.app, name, specFor(1));
    await registerOnnx(a.app, name, specFor(2));
    await promote(b.app, name, 1);
    await promote(b.app, name, 2);
    await waitConverged(b.app, name, 2);
    expect(await servedVersion(b.app, name)).toBe(2);
    expect(await servedVersion(a.app, name)).toBe(2);

    const raw = await b.app.inject({ method: 'GET', url: `/api/v1/models/${name}/versions/2/files/model.onnx` });
    expect(raw.rawPayload.equals(denseModelOnnx(specFor(2)))).toBe(true);
    const part = await b.app.inject({ method: 'GET', url: `/api/v1/models/${name}/versions/2/files/model.onnx`, headers: { range: 'bytes=10-19' } });
    expect(part.statusCode).toBe(206);
    expect(part.rawPayload.equals(denseModelOnnx(specFor(2)).subarray(10, 20))).toBe(true);

    const rollback = await call(b.app, 'POST', `/api/v1/models/${name}/rollback`, { stage: 'Production', reason: 'bad v2' });
    expect(rollback.status).toBe(200);
    await eventually(() => servedVersion(a.app, name), (v) => v === 1, 'server A serving v1 after the rollback through B');
    expect(await servedVersion(b.app, name)).toBe(1);

    // Nothing of the artifacts is on either server's disk: the bucket holds them.
    for (const s of servers) {
      const dir = path.join(s.dataDir, 'blobs', 'sha256');
      expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([]);
    }
  });

  it('redirects a download to a presigned URL of the bucket when asked, with the digest to verify', async () => {
    const [a, b] = servers;
    const name = uniqueName('presigned');
    await createModel(a.app, name);
    await registerOnnx(a.app, name, specFor(3));
    const res = await b.app.inject({ method: 'GET', url: `/api/v1/models/${name}/versions/1/files/model.onnx?redirect=presigned` });
    expect(res.statusCode).toBe(307);
    expect(res.headers['stagecraft-sha256']).toMatch(/^[0-9a-f]{64}$/);
    const direct = await fetch(String(res.headers.location));
    expect(Buffer.from(await direct.arrayBuffer()).equals(denseModelOnnx(specFor(3)))).toBe(true);

    // The SDK (and so `stagecraft versions download`) takes that road for large files, and verifies.
    const big = randomBytes(9 * 1024 * 1024);
    await registerVersion(a.app, name, { 'model.onnx': denseModelOnnx(specFor(3)), 'weights.bin': big });
    await b.app.listen({ host: '127.0.0.1', port: 0 });
    const client = createClient({ url: `http://127.0.0.1:${(b.app.server.address() as AddressInfo).port}` });
    const out = tempDir();
    await downloadVersion(client, name, 2, out);
    expect(fs.readFileSync(path.join(out, 'weights.bin')).equals(big)).toBe(true);
  });

  it('lets a standalone gateway read artifacts from the bucket directly, not through the registry', async () => {
    const [a] = servers;
    await a.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(a.app.server.address() as AddressInfo).port}`;
    const s3 = new S3BlobStore(bucket.client, parseS3Url(bucket.url('registry')));
    let direct = 0;
    const counting: BlobStore = Object.assign(Object.create(s3) as S3BlobStore, {
      read: (sha: string) => {
        direct += 1;
        return s3.read(sha);
      },
    });
    const name = uniqueName('direct');
    await createModel(a.app, name);
    await registerOnnx(a.app, name, specFor(4));
    await promote(a.app, name, 1);
    const gw: GatewayApp = await startReplica({ registry: url, cacheDir: tempDir(), blobs: counting, replicaId: `direct-${name}`, retryMs: 50 }, log);
    cleanups.push(() => gw.close());
    await eventually(
      async () => {
        const res = await fetch(`${gw.url}/v2/models/${name}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(v2Body([[1, 2, 3]])) });
        await res.arrayBuffer();
        return res.status;
      },
      (s) => s === 200,
      'the standalone gateway serving v1',
    );
    expect(direct).toBeGreaterThan(0);

    // A client that hangs up half-way through a large upload leaves no multipart upload open.
    const req = http.request(`${url}/api/v1/blobs`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } });
    req.on('error', () => {});
    for (let i = 0; i < 12; i++) req.write(randomBytes(1024 * 1024));
    await eventually(() => openUploads(bucket.client, bucket.name, 'registry/'), (n) => n > 0, 'the upload under way');
    req.destroy();
    await eventually(() => openUploads(bucket.client, bucket.name, 'registry/'), (n) => n === 0, 'the multipart upload aborted');

    // A store that does not have the bytes (wrong prefix): the replica falls back to the registry.
    const wrong = new S3BlobStore(bucket.client, { bucket: bucket.name, prefix: 'elsewhere' });
    const gw2 = await startReplica({ registry: url, cacheDir: tempDir(), blobs: wrong, replicaId: `fallback-${name}`, retryMs: 50 }, log);
    cleanups.push(() => gw2.close());
    await eventually(
      async () => {
        const res = await fetch(`${gw2.url}/v2/models/${name}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(v2Body([[1, 2, 3]])) });
        await res.arrayBuffer();
        return res.status;
      },
      (s) => s === 200,
      'the replica with the wrong store serving through the registry',
    );
  });
});
