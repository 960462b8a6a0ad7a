// Temporary directories for tests, removed when their test file ends (test/cleanup-setup.ts, a
// vitest setup file, registers the hook for every file): tests leave nothing behind in /tmp.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

/** A fresh directory under the system's temp folder, removed when the test file ends. */
export function tempDir(prefix = 'stagecraft-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
