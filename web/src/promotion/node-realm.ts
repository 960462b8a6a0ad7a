// Import first in a jsdom test that runs ONNX Runtime in-process (the gates' holdout evaluation).
// vitest's jsdom environment swaps the global typed-array constructors for jsdom's (another realm);
// onnxruntime-node then rejects model bytes ("must be 'path' or 'buffer'") and tensors, and
// onnxruntime-common captures the constructors when it loads, hence "import first".
// structuredClone answers in Node's own realm: put its constructors back.
const TYPED = ['ArrayBuffer', 'Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array', 'Int8Array', 'Int16Array', 'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];
const g = globalThis as unknown as Record<string, new (n: number) => object>;
for (const k of TYPED) g[k] = (structuredClone(new g[k](0)) as { constructor: new (n: number) => object }).constructor;
