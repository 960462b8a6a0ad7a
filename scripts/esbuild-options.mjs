// One definition of how the server's TypeScript is compiled with esbuild: `npm start` and `npm run
// demo` (build-if-needed.mjs) and the benchmarks (bench-loader.mjs) run the same JavaScript.
import fs from 'node:fs';
import path from 'node:path';

/** Every TypeScript source under a directory (tests excluded: tsconfig.json leaves them out too). */
export function sources(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') sources(p, out);
    } else if (/\.(ts|json)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** What every compile of ours shares: ES modules for Node 20+. */
export const ESBUILD_COMMON = {
  format: 'esm',
  target: 'es2023',
  // Node 20.10+ reads `import … with { type: 'json' }`; esbuild would otherwise drop the attribute.
  supported: { 'import-attributes': true },
};

/** esbuild's options for `files` (under `root`) into `outdir`, keeping the source layout (dist/src/…). */
export function serverBuildOptions(root, files, outdir) {
  return {
    entryPoints: files.filter((f) => f.endsWith('.ts')),
    outdir,
    outbase: root, // dist/src/…, dist/sdk/…: the layout tsc (rootDir ".") writes
    ...ESBUILD_COMMON,
    platform: 'node',
    sourcemap: true,
    logLevel: 'warning',
  };
}
