/* global console, process */
// `npm start` and `npm run demo` run this: compiles the server (tsc) only when a source under src/
// or sdk/ (or the compiler settings) changed since the last build, so a restart costs nothing
// instead of a full tsc run (over a minute on two busy cores). The stamp is written only after a
// build succeeds, so a failed build is retried next time.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');

/** Newest modification time of the TypeScript sources under a directory (tests do not count). */
function newest(dir) {
  let max = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) max = Math.max(max, newest(p));
    else if (/\.(ts|json)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) max = Math.max(max, fs.statSync(p).mtimeMs);
  }
  return max;
}

const sources = Math.max(newest(path.join(root, 'src')), newest(path.join(root, 'sdk')), ...['tsconfig.json', 'package.json'].map((f) => fs.statSync(path.join(root, f)).mtimeMs));
const built = fs.statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0;
if (built >= sources && fs.existsSync(path.join(root, 'dist', 'src', 'main.js'))) {
  console.log('server build is up to date (dist/)');
} else {
  console.log('compiling the server into dist/ (tsc)…');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
  execFileSync(process.execPath, [path.join(root, 'scripts', 'bundle-vendor.mjs')], { stdio: 'inherit' });
  fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
}
