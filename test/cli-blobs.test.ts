// `stagecraft blobs verify`: reports bad blobs with the versions they affect (exit 1), repairs them
// from a verified copy in a replica's cache, and the versions get their health back.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/blobs/verify.js';
import { artifactDir, useCliServer } from './cli-harness.js';
import { DATABASES, tempDir, uniqueName } from './databases.js';

describe.each(DATABASES)('stagecraft blobs verify (%s)', (kind) => {
  const s = useCliServer(kind);
  const blobFile = (sha: string) => path.join(s.deps.config.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha);

  it('reports a corrupted blob and the versions it affects, then repairs it from a replica cache', async () => {
    const name = uniqueName('cli-rot');
    const weights = Buffer.from(`weights of ${name}`);
    const sha = sha256Hex(weights);
    await s.run(['models', 'create', name]);
    expect((await s.run(['versions', 'create', name, artifactDir({ 'model.bin': weights })])).code).toBe(0);
    fs.writeFileSync(blobFile(sha), 'flipped bits');

    const found = await s.run(['blobs', 'verify']);
    expect(found.code).toBe(1);
    expect(found.stdout).toContain(sha.slice(0, 16));
    expect(found.stdout).toContain(`${name} v1 model.bin`);
    expect(found.stderr).toContain(`marked failed (bad bytes): ${name} v1`);
    const v1 = await s.run(['versions', 'show', name, '1', '--json']);
    expect(v1.json.health).toBe('failed');

    // A directory with no copy: still bad, still exit 1, says where it looked.
    const empty = tempDir('no-copies-');
    const none = await s.run(['blobs', 'verify', '--repair-from', empty]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no verified copy');

    // A standalone replica's cache holds verified bytes by digest (<cache>/blobs/<sha256>); a
    // corrupted cached copy beside it is passed over.
    const cache = tempDir('replica-cache-');
    fs.mkdirSync(path.join(cache, 'blobs'));
    fs.writeFileSync(path.join(cache, 'blobs', sha), weights);
    const stale = tempDir('stale-cache-');
    fs.writeFileSync(path.join(stale, sha), 'also flipped');
    const fixed = await s.run(['blobs', 'verify', '--repair-from', stale, cache, '--json']);
    expect(fixed.code).toBe(0);
    expect(fixed.json.repaired).toEqual([{ sha256: sha, from: path.join(cache, 'blobs', sha) }]);
    expect(fixed.json.remaining).toEqual([]);
    expect(fixed.json.restored).toEqual([{ model: name, version: 1 }]);
    expect(fs.readFileSync(blobFile(sha))).toEqual(weights);
    expect((await s.run(['versions', 'show', name, '1', '--json'])).json.health).toBe('unknown');
    const clean = await s.run(['blobs', 'verify']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/checked \d+ blob\(s\): \d+ intact, 0 bad/);
  });
});
