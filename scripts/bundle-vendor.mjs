/* global console, process */
// Runs after `tsc` (npm run build, scripts/build-if-needed.mjs): bundles the two dependencies that
// ship as hundreds of small ES modules — typebox (~370 files for `import { Type } from 'typebox'`)
// and kysely (~260) — into one file each under dist/vendor/, and points dist's imports of them there.
// Why: Node 20's ES module loader pays ~0.3 ms of CPU per file (resolve, open, read, link), so those
// 630 files were ~0.25 s of a server's 1.1 s start; the same code as one file loads in ~15 ms
// (issue 18.5, docs/benchmarks.md). Only dist/ changes: the sources, tsx and the tests import the
// packages as usual. Without esbuild (a dependency of tsx and vite) the step is skipped and dist/
// runs unbundled, only slower to start.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const vendor = path.join(dist, 'vendor');
// Entry points imported from dist (static imports only; `typebox/value` is imported lazily and
// stays in node_modules — TypeBox schemas are plain JSON-schema objects, so its checker reads ours).
const PACKAGES = ['typebox', 'kysely'];

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.log('bundle-vendor: esbuild is not installed; dist/ imports typebox and kysely from node_modules (slower start)');
  process.exit(0);
}

fs.mkdirSync(vendor, { recursive: true });
for (const pkg of PACKAGES) {
  await esbuild.build({
    stdin: { contents: `export * from '${pkg}';`, resolveDir: root, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: path.join(vendor, `${pkg}.js`),
    logLevel: 'warning',
  });
}

/** Rewrites `from 'typebox'` / `from "kysely"` (and `import('…')`) in every emitted file to the bundle. */
const specifier = new RegExp(`((?:\\bfrom|\\bimport)\\s*\\(?\\s*)(['"])(${PACKAGES.join('|')})\\2`, 'g');
let files = 0;
function rewrite(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (p !== vendor) rewrite(p);
    } else if (entry.name.endsWith('.js')) {
      const text = fs.readFileSync(p, 'utf8');
      const out = text.replace(specifier, (_m, head, quote, pkg) => {
        let rel = path.relative(path.dirname(p), path.join(vendor, `${pkg}.js`)).split(path.sep).join('/');
        if (!rel.startsWith('.')) rel = `./${rel}`;
        return `${head}${quote}${rel}${quote}`;
      });
      if (out !== text) {
        fs.writeFileSync(p, out);
        files++;
      }
    }
  }
}
rewrite(dist);
console.log(`bundle-vendor: ${PACKAGES.join(', ')} bundled into dist/vendor/; ${files} files point there`);
