// `npm start` runs this: builds the UI only when web/dist is missing or older than its sources,
// so a fresh checkout gets a UI and a restart costs nothing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.dirname(fileURLToPath(import.meta.url));
const built = path.join(web, 'dist', 'index.html');

/** Newest modification time under a directory (bounded by the size of web/src, no symlinks). */
function newest(dir) {
  let max = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return max;
}

const sources = Math.max(newest(path.join(web, 'src')), fs.statSync(path.join(web, 'index.html')).mtimeMs, fs.statSync(path.join(web, 'vite.config.ts')).mtimeMs);
const output = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
if (output >= sources) {
  console.log('web UI is up to date (web/dist)');
} else {
  console.log('building the web UI into web/dist…');
  execFileSync(process.execPath, [path.join(web, '..', 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(web, 'vite.config.ts')], { stdio: 'inherit' });
}
