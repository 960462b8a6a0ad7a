// `npm start` and the e2e tests run this: builds the UI only when web/dist is missing or older than
// its sources, so a fresh checkout gets a UI and a restart costs nothing. A lock file serializes
// concurrent callers (parallel test files), so two builds never write web/dist at the same time.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.dirname(fileURLToPath(import.meta.url));
const built = path.join(web, 'dist', 'index.html');
const lock = path.join(os.tmpdir(), `stagecraft-web-build-${createHash('sha256').update(web).digest('hex').slice(0, 12)}.lock`);
const STALE_LOCK_MS = 5 * 60_000;

/** Newest modification time of the sources under a directory (tests do not count). */
function newest(dir) {
  let max = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) max = Math.max(max, newest(p));
    else if (!/\.test\.tsx?$|test-support\.tsx$/.test(entry.name)) max = Math.max(max, fs.statSync(p).mtimeMs);
  }
  return max;
}

function upToDate() {
  const sources = Math.max(newest(path.join(web, 'src')), ...['index.html', 'vite.config.ts'].map((f) => fs.statSync(path.join(web, f)).mtimeMs));
  return fs.existsSync(built) && fs.statSync(built).mtimeMs >= sources;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Bounded wait for the lock: another build finishes in seconds; a crashed one leaves a stale lock. */
function acquire() {
  for (let i = 0; i < 1500; i++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) fs.rmSync(lock, { force: true });
      else sleep(200);
    }
  }
  throw new Error(`gave up waiting for another web build (lock ${lock})`);
}

if (upToDate()) {
  console.log('web UI is up to date (web/dist)');
} else {
  acquire();
  try {
    // Someone else may have built it while we waited.
    if (upToDate()) {
      console.log('web UI is up to date (web/dist)');
    } else {
      console.log('building the web UI into web/dist…');
      const vite = path.join(web, '..', 'node_modules', 'vite', 'bin', 'vite.js');
      execFileSync(process.execPath, [vite, 'build', '--config', path.join(web, 'vite.config.ts')], { stdio: 'inherit' });
    }
  } finally {
    fs.rmSync(lock, { force: true });
  }
}
