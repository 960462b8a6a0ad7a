// The MLflow artifact proxy (mlflow-artifacts) keeps working with the artifacts in an S3 bucket:
// uploads stream into the bucket, downloads stream back through the server, verified.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { serverExtensions } from '../src/server.js';
import { DATABASES, useRegistry } from './databases.js';
import { objectCount } from './helpers/s3-cleanup.js';
import { s3Env, useBucket } from './helpers/s3.js';

const env = s3Env();

describe.skipIf(!env).each(DATABASES)('the MLflow artifact proxy on S3 on %s', (kind) => {
  const bucket = useBucket(env);
  beforeAll(() => {
    // The standard AWS credential chain, as an operator would set it.
    process.env.AWS_ACCESS_KEY_ID = env!.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = env!.credentials.secretAccessKey;
  });
  const r = useRegistry(kind, {
    config: { artifactsUrl: bucket.url('mlflow'), s3Endpoint: env?.endpoint ?? null, s3Region: env?.region ?? null },
    extensions: serverExtensions().pick('mlflow'),
  });

  it('stores a logged artifact in the bucket and serves it back', async () => {
    const bytes = randomBytes(11 * 1024 * 1024);
    const url = `/api/2.0/mlflow-artifacts/artifacts/1/run-${kind}/model/weights.bin`;
    const put = await r.app.inject({ method: 'PUT', url, headers: { 'content-type': 'application/octet-stream' }, payload: bytes });
    expect(put.statusCode).toBe(200);
    expect(await objectCount(bucket.client, bucket.name, 'mlflow/sha256/')).toBeGreaterThan(0);
    const get = await r.app.inject({ method: 'GET', url });
    expect(get.statusCode).toBe(200);
    expect(get.rawPayload.equals(bytes)).toBe(true);
  });
});
