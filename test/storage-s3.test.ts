// Garbage collection and backup/restore on an S3 bucket, on both databases: the same rules as on
// disk (the disk-store tests are src/registry/gc/gc.test.ts and test/backup.test.ts), through the
// BlobStore the server opens from --artifacts-url. An object's LastModified is the S3 server's clock,
// so these tests use a zero grace rather than backdating files.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openBlobStore } from '../src/blobs/open-blob-store.js';
import { sha256Hex } from '../src/blobs/verify.js';
import { restoreBackup } from '../src/backup/restore.js';
import { createDeps } from '../src/deps.js';
import { openUnmigrated } from '../src/db/database.js';
import { serverExtensions } from '../src/server.js';
import { emptyTarget, fetchBackup, inconsistencies, listen } from './backup-fixtures.js';
import { DATABASES, tempDir, uniqueName, useRegistry } from './databases.js';
import { s3Env, useBucket } from './helpers/s3.js';
import { call, createModel, promote, putBlob, registerVersion } from './http.js';

const env = s3Env();
if (env) {
  // The standard AWS credential chain, as an operator sets it for `stagecraft server`.
  process.env.AWS_ACCESS_KEY_ID = env.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = env.credentials.secretAccessKey;
}

describe.skipIf(!env)('storage on S3', () => {
  const bucket = useBucket(env);

  describe.each(DATABASES)('on %s', (kind) => {
    const s3 = { artifactsUrl: bucket.url(`registry-${kind}`), s3Endpoint: env?.endpoint ?? null, s3Region: env?.region ?? null };
    const r = useRegistry(kind, { config: s3, extensions: serverExtensions().pick('backup') });

    it('gc removes only unreferenced objects from the bucket, and a dry run removes nothing', async () => {
      const name = uniqueName('gcs3');
      await createModel(r.app, name);
      const v1 = await registerVersion(r.app, name, { 'model.bin': `live bytes of ${name}` });
      const orphan = await putBlob(r.app, `orphan of ${name}`);
      const kept = sha256Hex(`live bytes of ${name}`);

      const dry = await call(r.app, 'POST', '/api/v1/blobs/gc', { dry_run: true, grace: '0s' });
      expect(dry.status).toBe(200);
      expect(dry.body.removed).toBeGreaterThanOrEqual(1);
      expect(await r.deps.blobs.stat(orphan.sha256)).not.toBeNull();

      const run = await call(r.app, 'POST', '/api/v1/blobs/gc', { grace: '0s' });
      expect(run.status).toBe(200);
      expect(run.body.removed).toBeGreaterThanOrEqual(1);
      expect(await r.deps.blobs.stat(orphan.sha256)).toBeNull();
      expect((await r.deps.blobs.check(kept)).state).toBe('ok');
      const file = await r.app.inject({ method: 'GET', url: `/api/v1/models/${name}/versions/${v1.version}/files/model.bin` });
      expect(file.body).toBe(`live bytes of ${name}`);
    });

    it('backs up a registry whose bytes are in the bucket and restores it into another prefix, every blob verified', async () => {
      const name = uniqueName('bks3');
      await createModel(r.app, name);
      for (let v = 1; v <= 2; v++) await registerVersion(r.app, name, { 'model.bin': `v${v} of ${name}` });
      await promote(r.app, name, 2);
      const url = await listen(r.app);
      const file = path.join(tempDir(), 'backup.tar');
      await fetchBackup(url, file);

      const target = { ...(await emptyTarget(kind)), ...s3, artifactsUrl: bucket.url(`restored-${kind}-${name}`) };
      const blobs = await openBlobStore({ ...target, defaultDir: path.join(target.dataDir, 'blobs'), maxUploadMs: 60_000 });
      const opened = openUnmigrated({ databaseUrl: target.databaseUrl, sqliteFile: path.join(target.dataDir, 'registry.sqlite') });
      try {
        const restored = await restoreBackup(fs.createReadStream(file), { opened, blobs });
        expect(restored.blobs).toBeGreaterThanOrEqual(2);
      } finally {
        await opened.close();
        blobs.close?.();
      }
      const deps = await createDeps(target);
      try {
        expect(await inconsistencies(deps.db, deps.blobs)).toEqual([]);
        const model = await deps.db.selectFrom('models').select('id').where('name', '=', name).executeTakeFirstOrThrow();
        const v2 = await deps.db.selectFrom('versions').select(['id', 'stage']).where('model_id', '=', model.id).where('version', '=', 2).executeTakeFirstOrThrow();
        expect(v2.stage).toBe('Production');
        const [f] = await deps.db.selectFrom('version_files').select('sha256').where('version_id', '=', v2.id).execute();
        expect((await deps.blobs.read(f!.sha256)).toString()).toBe(`v2 of ${name}`);
      } finally {
        await deps.close();
      }
    });
  });
});
