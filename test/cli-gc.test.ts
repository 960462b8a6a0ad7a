// `stagecraft gc` and `stagecraft versions purge`: a dry run reports, a run removes and says what it
// freed, a purge lets gc free a deleted version's bytes, bad input is refused with a clear message.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/blobs/verify.js';
import { artifactDir, useCliServer } from './cli-harness.js';
import { DATABASES, uniqueName } from './databases.js';

describe.each(DATABASES)('stagecraft gc and versions purge (%s)', (kind) => {
  const s = useCliServer(kind);
  const blobFile = (sha: string) => path.join(s.deps.config.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha);
  const backdate = (sha: string) => {
    const t = new Date(Date.now() - 3 * 86_400_000);
    fs.utimesSync(blobFile(sha), t, t);
  };

  it('frees a deleted version\'s bytes once purged, reporting what it did', async () => {
    const name = uniqueName('cli-gc');
    const kept = Buffer.from(`kept ${name}`);
    const dropped = Buffer.from(`dropped ${name}`);
    await s.run(['models', 'create', name]);
    expect((await s.run(['versions', 'create', name, artifactDir({ 'model.bin': kept })])).code).toBe(0);
    expect((await s.run(['versions', 'create', name, artifactDir({ 'model.bin': dropped })])).code).toBe(0);
    for (const b of [kept, dropped]) backdate(sha256Hex(b));

    const notDeleted = await s.run(['versions', 'purge', name, '2']);
    expect(notDeleted.code).not.toBe(0);
    expect(notDeleted.stderr).toContain('only a deleted version can be purged');
    expect((await s.run(['versions', 'delete', name, '2'])).code).toBe(0);
    // Deleted but not purged: its bytes stay.
    expect((await s.run(['gc', '--json'])).json.removed).toBe(0);
    const purged = await s.run(['versions', 'purge', name, '2', '--reason', 'space']);
    expect(purged.code).toBe(0);
    expect(purged.stdout).toContain(`Purged ${name} version 2: 1 file(s)`);

    const dry = await s.run(['gc', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/would remove 1 \(\d+ B to free\)/);
    expect(dry.stderr).toContain('dry run: nothing was removed');
    expect(fs.existsSync(blobFile(sha256Hex(dropped)))).toBe(true);

    const run = await s.run(['gc', '--grace', '12h']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/scanned \d+ blob\(s\).*removed 1 \(\d+ B freed\)/);
    expect(fs.existsSync(blobFile(sha256Hex(dropped)))).toBe(false);
    expect(fs.existsSync(blobFile(sha256Hex(kept)))).toBe(true);
    const events = await s.run(['events', '--json']);
    expect(JSON.stringify(events.json)).toContain('blobs.collected');
  });

  it('refuses a bad --grace and a purge without a version', async () => {
    const bad = await s.run(['gc', '--grace', 'tomorrow']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('grace "tomorrow" is not a duration');
    const usage = await s.run(['versions', 'purge', 'some-model']);
    expect(usage.code).not.toBe(0);
    expect(usage.stderr).toContain('give MODEL VERSION, or --all-deleted [MODEL]');
    const all = await s.run(['versions', 'purge', '--all-deleted', '--json']);
    expect(all.code).toBe(0);
    expect(all.json).toMatchObject({ purged: expect.any(Array) });
  });
});
