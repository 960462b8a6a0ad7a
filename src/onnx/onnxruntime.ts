// onnxruntime-node, imported when the first model loads (or a gate evaluates one): its module and
// native binding cost startup time that the CLI, and a server with nothing to serve yet, never need.
export type OrtLib = typeof import('onnxruntime-node');

let lib: Promise<OrtLib> | undefined;

export function loadOrt(): Promise<OrtLib> {
  // Loaded as CommonJS (Node's own loader) its API is the namespace's default; through a loader that
  // picks the package's ESM entry (tsx in a child process does) it is the namespace itself.
  return (lib ??= import('onnxruntime-node').then((m) => {
    const ns = m as unknown as OrtLib & { default?: OrtLib };
    return ns.InferenceSession ? ns : ns.default!;
  }));
}
