import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/databases.js';
import { ConfigError } from '../config.js';
import { FsBlobStore } from './fs-blob-store.js';
import { openBlobStore } from './open-blob-store.js';

const base = { s3Endpoint: null, s3Region: null, maxUploadMs: 60_000 };

describe('choosing the blob store from --artifacts-url', () => {
  it('uses the data directory when none is given, and a directory or file:// URL when one is', async () => {
    const dir = tempDir('open-blobs-');
    const def = await openBlobStore({ ...base, artifactsUrl: null, defaultDir: path.join(dir, 'default') });
    expect(def).toBeInstanceOf(FsBlobStore);
    expect(fs.existsSync(path.join(dir, 'default', 'tmp'))).toBe(true);
    await openBlobStore({ ...base, artifactsUrl: path.join(dir, 'plain'), defaultDir: '/nonexistent' });
    expect(fs.existsSync(path.join(dir, 'plain', 'tmp'))).toBe(true);
    await openBlobStore({ ...base, artifactsUrl: pathToFileURL(path.join(dir, 'url')).href, defaultDir: '/nonexistent' });
    expect(fs.existsSync(path.join(dir, 'url', 'tmp'))).toBe(true);
  });

  it('refuses a URL it cannot use, naming it', async () => {
    await expect(openBlobStore({ ...base, artifactsUrl: 'gs://bucket/x', defaultDir: '.' })).rejects.toThrow(ConfigError);
    await expect(openBlobStore({ ...base, artifactsUrl: 's3:///nobucket', defaultDir: '.' })).rejects.toThrow(/not an S3 URL/);
  });
});
