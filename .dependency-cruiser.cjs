// `npm run lint:deps`: the dependency rules of docs/architecture.md, checked on every CI run.
// A folder is every directory under src/; the top-level files (main, config, deps, errors, log,
// version, extension, server) are the base and the composition root, with rules of their own.
const EXTENSIONS = '(observe|experiments|promotion|notify|mlflow|ui)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No file imports a file that imports it back, however far round.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'No folder of src/ imports a folder that imports it back (the base files in src/ itself are checked by the rules below).',
      scope: 'folder',
      from: { path: '^src/.+' },
      to: { path: '^src/.+', circular: true, viaOnly: { pathNot: '^src$' } },
    },
    {
      name: 'no-foreign-store',
      severity: 'error',
      comment: "A module never reaches into another module's store: call its service (or the kernel's public surface).",
      from: { path: '^src/(.+)/[^/]+$' },
      to: { path: '^src/.+-store\\.ts$', pathNot: ['^src/$1/[^/]+$', '^src/blobs/'] },
    },
    {
      name: 'kernel-stands-alone',
      severity: 'error',
      comment: 'The kernel (src/registry/) imports nothing outside itself but the base: db/, http/, blobs/, the ONNX format reader, config, errors, log, version.',
      from: { path: '^src/registry/' },
      to: { path: '^src/', pathNot: ['^src/(registry|db|http|blobs|onnx)/', '^src/(config|errors|log|version)\\.ts$'] },
    },
    {
      name: 'kernel-public-surface',
      severity: 'error',
      comment: "Outside the kernel, code uses only its public surface (src/registry/index.ts): the rest may change without notice.",
      from: { path: '^src/', pathNot: ['^src/registry/', '\\.test\\.ts$'] },
      to: { path: '^src/registry/', pathNot: '^src/registry/index\\.ts$' },
    },
    {
      name: 'migrations-are-frozen',
      severity: 'error',
      comment: 'A migration is a frozen copy: it imports nothing from src/ outside db/, so changing live code never changes how an old database migrates.',
      from: { path: '^src/db/migrations/' },
      to: { path: '^src/', pathNot: '^src/db/' },
    },
    {
      name: 'base-is-a-leaf',
      severity: 'error',
      comment: 'db/, http/, blobs/ and the base files know nothing of the registry or its extensions.',
      from: { path: ['^src/(db|http|blobs|onnx|datasets)/', '^src/(config|errors|log|version)\\.ts$'] },
      to: { path: '^src/', pathNot: ['^src/(db|http|blobs|onnx|datasets)/', '^src/(config|errors|log|version)\\.ts$'] },
    },
    {
      name: 'serving-knows-no-extension',
      severity: 'error',
      comment: 'serving/ defines the interfaces extensions implement (InferenceObserver, TrafficPolicy, GatewayFollower); it never imports an extension.',
      from: { path: '^src/serving/' },
      to: { path: `^src/(${EXTENSIONS.slice(1, -1)}|cli)/|^src/server\\.ts$` },
    },
    {
      name: 'extensions-keep-to-themselves',
      severity: 'error',
      comment: "An extension depends on the kernel's public surface and serving's interfaces, and on another extension only through that extension's index.ts (never its internals); no-folder-cycles keeps those uses one-way.",
      from: { path: `^src/${EXTENSIONS}/` },
      to: { path: `^src/${EXTENSIONS}/`, pathNot: ['^src/$1/', `^src/${EXTENSIONS}/index\\.ts$`] },
    },
    {
      name: 'one-composition-root',
      severity: 'error',
      comment: 'Only the CLI (and main through it) starts from the composition root.',
      from: { path: '^src/', pathNot: ['^src/cli/', '^src/main\\.ts$', '\\.test\\.ts$'] },
      to: { path: ['^src/server\\.ts$', '^src/cli/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    // Type-only imports are dependencies too: a type cycle is a design cycle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.d.ts'] },
  },
};
