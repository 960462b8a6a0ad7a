// onnxruntime-node, imported when the first model loads (or a gate evaluates one): its module and
// native binding cost startup time that the CLI, and a server with nothing to serve yet, never need.
export type OrtLib = typeof import('onnxruntime-node');

let lib: Promise<OrtLib> | undefined;

export function loadOrt(): Promise<OrtLib> {
  // A CommonJS package: its module.exports is the namespace's default (typed as the namespace itself).
  return (lib ??= import('onnxruntime-node').then((m) => m.default as unknown as OrtLib));
}
